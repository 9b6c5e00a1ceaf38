// The demo sign-in page: pick a demo user, the server sets the session cookie, go to the drafts.
import { demoSignIn, demoUsers } from './api.js'
import { byId, h, say } from './dom.js'

const ROLE_NAMES = {
  ppt: 'Presidency Pro-Tempore',
  ts: 'Technical Secretariat',
  delegate: 'Delegate',
  observer: 'Observer'
}

async function signInAs (user, button) {
  const notice = byId('notice')
  button.disabled = true
  try {
    await demoSignIn(user.id)
  } catch (error) {
    button.disabled = false
    say(notice, `Could not sign in as ${user.name}. Try again.`, 'error')
    throw error
  }
  location.assign('/')
}

async function start () {
  const notice = byId('notice')
  const list = byId('demo-users')
  let users
  try {
    users = await demoUsers()
  } catch (error) {
    say(notice, 'The server could not be reached. Reload the page to try again.', 'error')
    throw error
  }
  if (users === null) {
    say(notice, "Demo sign-in is off on this server; sign in through your organization's identity provider.")
    return
  }
  list.replaceChildren(...users.map((user) => {
    const button = h('button', { type: 'button', class: 'demo-user' },
      h('span', { class: 'demo-user-name' }, user.name),
      h('span', { class: 'demo-user-role' },
        [ROLE_NAMES[user.role] ?? user.role, user.delegation].filter(Boolean).join(' · ')),
      h('span', { class: 'demo-user-email' }, user.email))
    button.addEventListener('click', () => signInAs(user, button))
    return h('li', {}, button)
  }))
  byId('demo').hidden = false
  document.body.dataset.ready = 'true'
}

start()
