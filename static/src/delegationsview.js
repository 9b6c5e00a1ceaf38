// The register of delegations: member states, observer states, international organizations and civil
// society networks. A code never changes; a name and a kind may.
import * as api from './api.js'
import { h } from './dom.js'
import { t } from './i18n.js'
import { loadInto } from './errors.js'
import { field, input, noticeLine, redrawer, run, select, statusLine } from './forms.js'

export const DELEGATION_KINDS = ['member_state', 'observer_state', 'international_organization', 'civil_society']
const kindOptions = () => DELEGATION_KINDS.map((kind) => [kind, t(`secretariat.delegation.kind.${kind}`)])

function row (delegation, status) {
  const id = (name) => `delegation-${delegation.code}-${name}`
  // Each control is named by its column and its row: "Name MEX", "Save MEX".
  const rowHeader = id('code')
  const name = input(id('name'), { value: delegation.name, required: true, maxlength: 300, translate: 'no', 'aria-labelledby': `column-name ${rowHeader}` })
  const kind = select(id('kind'), kindOptions(), delegation.kind, { 'aria-labelledby': `column-kind ${rowHeader}` })
  const save = h('button', { type: 'button', class: 'button-quiet', id: id('save'), 'aria-labelledby': `${id('save')} ${rowHeader}` }, t('secretariat.save'))
  save.addEventListener('click', () => run(status,
    () => api.editDelegation(delegation.id, { name: name.value.trim(), kind: kind.value }),
    (saved) => t('secretariat.delegation.saved', { code: saved.code })))
  return h('tr', { 'data-delegation': delegation.code },
    h('th', { scope: 'row', translate: 'no', id: rowHeader }, delegation.code),
    h('td', {}, name), h('td', {}, kind), h('td', {}, save))
}

function newDelegationForm (redraw) {
  const code = input('delegation-code', { required: true, maxlength: 16, pattern: '[A-Za-z0-9_\\-]{1,16}', autocomplete: 'off', 'aria-describedby': 'delegation-code-hint' })
  const name = input('delegation-name', { required: true, maxlength: 300, autocomplete: 'off' })
  const kind = select('delegation-kind', kindOptions())
  const status = statusLine()
  const form = h('form', { class: 'register-form', 'data-form': 'new-delegation' },
    h('div', { class: 'form-grid' },
      field(t('secretariat.delegation.code'), code, t('secretariat.delegation.code_hint')),
      field(t('secretariat.delegation.name'), name),
      field(t('secretariat.delegation.kind'), kind)),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button-primary' }, t('secretariat.delegation.add'))),
    status)
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const added = await run(status, () => api.createDelegation({ code: code.value.trim(), name: name.value.trim(), kind: kind.value }))
    if (added) redraw(t('secretariat.delegation.added', { code: added.code, name: added.name }))
  })
  return form
}

export async function renderDelegations (container, context) {
  const delegations = await loadInto(container, api.listDelegations)
  if (delegations === null) return
  const status = noticeLine()
  const redraw = redrawer(container, renderDelegations, context)
  // Adding comes first: the register below is long (sixteen delegations at the RCM).
  container.replaceChildren(
    h('h2', { class: 'section-title' }, t('secretariat.delegation.new')),
    newDelegationForm(redraw),
    h('h2', { class: 'section-title' }, t('secretariat.delegations.heading')),
    status,
    h('table', { class: 'register-table' },
      h('caption', { class: 'visually-hidden' }, t('secretariat.delegations.heading')),
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, t('secretariat.delegation.code')),
        h('th', { scope: 'col', id: 'column-name' }, t('secretariat.delegation.name')),
        h('th', { scope: 'col', id: 'column-kind' }, t('secretariat.delegation.kind')),
        h('td', {}))),
      h('tbody', {}, delegations.map((d) => row(d, status)))))
}
