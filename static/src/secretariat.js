// The Secretariat's administration, at #/secretariat[/delegations|/users]: negotiations and their
// documents (created empty or imported from .docx/.txt), the delegations and the users. An administrator
// sees only the users. The server decides (auth/policy.py); this offers only what it would allow.
import { byId, h } from './dom.js'
import { t } from './i18n.js'
import { keepsRegister, managesUsers } from './roles.js'
import { renderNegotiations } from './negotiationsview.js'
import { renderDelegations } from './delegationsview.js'
import { renderUsers } from './usersview.js'

const VIEWS = [
  { name: 'negotiations', label: 'secretariat.tab.negotiations', shown: keepsRegister, render: renderNegotiations },
  { name: 'delegations', label: 'secretariat.tab.delegations', shown: keepsRegister, render: renderDelegations },
  { name: 'users', label: 'secretariat.tab.users', shown: managesUsers, render: renderUsers }
]

export const mayAdminister = (me) => VIEWS.some((view) => view.shown(me))

/** The view a hash names ("#/secretariat/users" → "users"), or undefined when it names none. */
export function secretariatView (hash) {
  const match = /^#\/secretariat(?:\/(negotiations|delegations|users))?$/.exec(hash)
  return match ? (match[1] ?? '') : undefined
}

/** Draws the administration's `name` view (the first one `me` may use when empty). */
export function renderSecretariat (name, context) {
  const views = VIEWS.filter((view) => view.shown(context.me))
  const chosen = views.find((view) => view.name === name) ?? views[0]
  document.title = `${t(chosen.label)} — ${t('secretariat.heading')} — Consenso`
  byId('secretariat-tabs').replaceChildren(...views.map((view) =>
    h('a', {
      class: 'tab',
      href: `#/secretariat/${view.name}`,
      'aria-current': view === chosen ? 'page' : false
    }, t(view.label))))
  const body = byId('secretariat-body')
  body.replaceChildren(h('p', { class: 'hint' }, t('loading')))
  return chosen.render(body, context)
}
