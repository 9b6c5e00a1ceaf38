// The register of users: who they are, their role and delegation, whether they may sign in. A change of
// role, delegation or access closes what the person has open (they open it again with their new rights).
import * as api from './api.js'
import { h } from './dom.js'
import { t } from './i18n.js'
import { loadInto } from './errors.js'
import { delegationOptions, field, input, noticeLine, redrawer, run, select, statusLine } from './forms.js'

const ROLES = ['delegate', 'head', 'ppt', 'observer', 'secretariat', 'admin']
const STAFF = new Set(['secretariat', 'admin'])

// Only an administrator grants the admin role; an administrator's row shows it, read-only, to others.
const roleOptions = (me, current = null) => ROLES.filter((role) => role !== 'admin' || me.role === 'admin' || role === current)
  .map((role) => [role, t(`role.${role}`)])
const belongsTo = (delegations) => [['', t('secretariat.user.no_delegation')], ...delegationOptions(delegations, { codeFirst: true })]

function row (user, me, delegations, status) {
  const id = (name) => `user-${user.id}-${name}`
  const own = user.id === me.id
  const locked = own || (user.role === 'admin' && me.role !== 'admin')
  // Each control is named by its column and its row: "Role María Gómez", "Save María Gómez".
  const who = id('who')
  const role = select(id('role'), roleOptions(me, user.role), user.role, { 'aria-labelledby': `column-role ${who}`, disabled: locked })
  const delegation = select(id('delegation'), belongsTo(delegations), user.delegation ?? '',
    { 'aria-labelledby': `column-delegation ${who}`, disabled: locked })
  const active = h('input', { type: 'checkbox', id: id('active'), checked: user.active, disabled: locked })
  const save = h('button', { type: 'button', class: 'button-quiet', id: id('save'), 'aria-labelledby': `${id('save')} ${who}` }, t('secretariat.save'))
  const instead = own ? t('secretariat.user.yourself') : locked ? t('secretariat.user.admin_only') : null
  role.addEventListener('change', () => { if (STAFF.has(role.value)) delegation.value = '' })
  save.addEventListener('click', () => run(status, () => {
    const change = { role: role.value, active: active.checked }
    if (delegation.value) change.delegation = delegation.value
    return api.editUser(user.id, change)
  }, (saved) => t('secretariat.user.saved', { name: saved.name })))
  return h('tr', { 'data-user': user.email },
    h('th', { scope: 'row' }, h('span', { translate: 'no', id: who }, user.name), h('span', { class: 'register-email', translate: 'no' }, user.email)),
    h('td', {}, role), h('td', {}, delegation),
    h('td', {}, h('span', { class: 'check' }, active, h('label', { for: active.id }, t('secretariat.user.active')))),
    h('td', {}, instead ? h('span', { class: 'hint' }, instead) : save))
}

function newUserForm (me, delegations, redraw) {
  const email = input('user-email', { type: 'email', required: true, maxlength: 320, autocomplete: 'off' })
  const name = input('user-name', { required: true, maxlength: 300, autocomplete: 'off' })
  const role = select('user-role', roleOptions(me), 'delegate')
  const delegation = select('user-delegation', belongsTo(delegations), '', { 'aria-describedby': 'user-delegation-hint' })
  const status = statusLine()
  const form = h('form', { class: 'register-form', 'data-form': 'new-user' },
    h('div', { class: 'form-grid' },
      field(t('secretariat.user.email'), email),
      field(t('secretariat.user.name'), name),
      field(t('secretariat.user.role'), role),
      field(t('secretariat.user.delegation'), delegation, t('secretariat.user.delegation_hint'))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button-primary' }, t('secretariat.user.add'))),
    status)
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const body = { email: email.value.trim(), name: name.value.trim(), role: role.value }
    if (delegation.value) body.delegation = delegation.value
    const added = await run(status, () => api.createUser(body))
    if (added) redraw(t('secretariat.user.added', { name: added.name }))
  })
  return form
}

// Members of each delegation together, by its code; the Secretariat and administrators last.
const byDelegation = (users) => [...users].sort((a, b) =>
  (a.delegation ?? '\uffff').localeCompare(b.delegation ?? '\uffff') || a.name.localeCompare(b.name))

export async function renderUsers (container, context) {
  const loaded = await loadInto(container, () => Promise.all([api.listUsers(), api.listDelegations()]))
  if (loaded === null) return
  const [users, delegations] = loaded
  const status = noticeLine()
  const redraw = redrawer(container, renderUsers, context)
  // Adding comes first: the register below is long.
  container.replaceChildren(
    h('h2', { class: 'section-title' }, t('secretariat.user.new')),
    newUserForm(context.me, delegations, redraw),
    h('h2', { class: 'section-title' }, t('secretariat.users.heading')),
    h('p', { class: 'hint' }, t('secretariat.users.hint')),
    status,
    h('table', { class: 'register-table' },
      h('caption', { class: 'visually-hidden' }, t('secretariat.users.heading')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('secretariat.user.name')),
        h('th', { scope: 'col', id: 'column-role' }, t('secretariat.user.role')),
        h('th', { scope: 'col', id: 'column-delegation' }, t('secretariat.user.delegation')),
        h('th', { scope: 'col' }, t('secretariat.user.access')),
        h('td', {}))),
      h('tbody', {}, byDelegation(users).map((u) => row(u, context.me, delegations, status)))))
}
