// The sign-in page: the organizations' identity providers, and in demo mode a list of demo users
// (pick one; the server sets the session cookie) — then on to the drafts.
import { demoSignIn, demoUsers, signInProviders } from './api.js'
import { byId, h, say } from './dom.js'

const ROLE_NAMES = {
  ppt: 'Presidency Pro-Tempore',
  head: 'Head of delegation',
  delegate: 'Delegate',
  secretariat: 'Technical Secretariat',
  observer: 'Observer',
  admin: 'Administrator'
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

function showProviders (providers) {
  if (providers.length === 0) return
  byId('providers-list').replaceChildren(...providers.map((provider) =>
    h('li', {}, h('a', { class: 'provider', href: provider.url }, `Sign in with ${provider.title}`))))
  byId('providers').hidden = false
}

async function start () {
  const notice = byId('notice')
  const list = byId('demo-users')
  let users, providers
  try {
    [users, providers] = await Promise.all([demoUsers(), signInProviders()])
  } catch (error) {
    say(notice, 'The server could not be reached. Reload the page to try again.', 'error')
    throw error
  }
  showProviders(providers)
  if (users === null) {
    if (providers.length === 0) {
      say(notice, 'No way to sign in is configured on this server yet. Ask the Technical Secretariat.')
    }
    document.body.dataset.ready = 'true'
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
