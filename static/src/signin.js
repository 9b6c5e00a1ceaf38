// The sign-in page: the organizations' identity providers, and in demo mode a list of demo users
// (pick one; the server sets the session cookie) — then on to the drafts.
import { demoSignIn, demoUsers, signInProviders } from './api.js'
import { byId, h, say } from './dom.js'
import { onLanguage, t } from './i18n.js'
import { languageSwitch } from './languageswitch.js'
import { explain } from './errors.js'

let users = null
let providers = []

async function signInAs (user, button) {
  button.disabled = true
  try {
    await demoSignIn(user.id)
  } catch (error) {
    button.disabled = false
    say(byId('notice'), t('signin.failed', { name: user.name, reason: explain(error) }), 'error')
    return
  }
  location.assign('/')
}

function render () {
  document.title = t('signin.title')
  if (providers.length > 0) {
    byId('providers-list').replaceChildren(...providers.map((provider) =>
      h('li', {}, h('a', { class: 'provider', href: provider.url }, t('signin.with', { provider: provider.title })))))
    byId('providers').hidden = false
  }
  if (users === null) {
    if (providers.length === 0) say(byId('notice'), t('signin.none_configured'))
    return
  }
  byId('demo-users').replaceChildren(...users.map((user) => {
    const button = h('button', { type: 'button', class: 'demo-user' },
      h('span', { class: 'demo-user-name', translate: 'no' }, user.name),
      h('span', { class: 'demo-user-role' }, [t(`role.${user.role}`), user.delegation].filter(Boolean).join(' · ')),
      h('span', { class: 'demo-user-email', translate: 'no' }, user.email))
    button.addEventListener('click', () => signInAs(user, button))
    return h('li', {}, button)
  }))
  byId('demo').hidden = false
}

async function start () {
  languageSwitch()
  try {
    [users, providers] = await Promise.all([demoUsers(), signInProviders()])
  } catch (error) {
    say(byId('notice'), explain(error), 'error')
    throw error
  }
  render()
  onLanguage(render)
  document.body.dataset.ready = 'true'
}

start()
