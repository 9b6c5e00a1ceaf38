// The audit trail of the negotiation (the Secretariat): every act in order, hash-chained; filtered by kind
// of act, subject and dates; whether the chain still verifies; and its export as CSV or JSON Lines.
import * as api from './api.js'
import { h } from './dom.js'
import { formatMoment, formatNumber, has, plural, t } from './i18n.js'
import { loadInto } from './errors.js'

const KINDS = ['', 'paragraph_', 'silence_', 'document_', 'revision_', 'amendment_', 'comment_', 'position_', 'exported']

function query (form) {
  const params = new URLSearchParams()
  const { action, subject, since, until } = form.elements
  if (action.value) params.set('action', action.value)
  if (subject.value.trim()) params.set('subject', subject.value.trim())
  if (since.value) params.set('since', new Date(`${since.value}T00:00:00`).toISOString())
  if (until.value) params.set('until', new Date(`${until.value}T23:59:59`).toISOString())
  return params.toString()
}

function entriesTable (trail) {
  if (trail.entries.length === 0) return h('p', {}, t('memory.audit.none'))
  return h('table', { class: 'audit-trail' },
    h('caption', {}, plural('memory.audit.count', trail.entries.length)),
    h('thead', {}, h('tr', {}, ['number', 'at', 'actor', 'action', 'subject', 'detail'].map((col) =>
      h('th', { scope: 'col' }, t(`memory.audit.col.${col}`))))),
    h('tbody', {}, trail.entries.map((e) => h('tr', {},
      h('td', {}, String(e.seq)),
      h('td', { class: 'audit-at' }, formatMoment(e.at)),
      h('td', {}, e.actor ?? t('memory.audit.system')),
      h('td', {}, has(`memory.act.${e.action}`) ? t(`memory.act.${e.action}`) : h('code', {}, e.action)),
      h('td', {}, h('code', {}, e.subject)),
      h('td', { translate: 'no' }, e.detail)))))
}

function editsTable (minutes) {
  if (minutes.length === 0) return h('p', {}, t('memory.edits.none'))
  return h('table', { class: 'audit-trail edits-by-minute' },
    h('caption', {}, t('memory.edits.caption')),
    h('thead', {}, h('tr', {}, ['minute', 'who', 'delegation', 'how', 'updates', 'inserted', 'deleted'].map((col) =>
      h('th', { scope: 'col' }, t(`memory.edits.col.${col}`))))),
    h('tbody', {}, minutes.map((m) => h('tr', {},
      h('td', { class: 'audit-at' }, formatMoment(m.minute)),
      h('td', {}, m.user ?? t('memory.audit.system')),
      h('td', {}, m.delegation ?? '—'),
      h('td', {}, m.origin ? t(`memory.origin.${m.origin}`) : t('memory.slider.someone')),
      h('td', { class: 'number' }, formatNumber(m.updates)),
      h('td', { class: 'number' }, formatNumber(m.inserted)),
      h('td', { class: 'number' }, formatNumber(m.deleted))))))
}

// The document's typing, per person and minute, from its update log: asked for, as a long log takes a while.
function editsSection (room) {
  const shown = h('div', { class: 'edits-result' })
  const ask = h('button', { type: 'button', class: 'button-secondary' }, t('memory.edits.show'))
  ask.addEventListener('click', async () => {
    const minutes = await loadInto(shown, () => api.editsByMinute(room.documentId))
    if (minutes !== null) shown.replaceChildren(editsTable(minutes))
  })
  return h('section', { class: 'edits-by-minute-section', 'aria-labelledby': 'edits-heading' },
    h('h3', { id: 'edits-heading' }, t('memory.edits.heading')),
    h('p', {}, t('memory.edits.hint')), ask, shown)
}

export async function renderAuditTrail (container, room) {
  const negotiationId = room.listed?.negotiation?.id
  if (!negotiationId) return container.replaceChildren(h('p', {}, t('memory.audit.unknown')))
  const form = h('form', { class: 'audit-filters' },
    h('label', { for: 'audit-action' }, t('memory.audit.kind')),
    h('select', { id: 'audit-action', name: 'action' }, KINDS.map((kind) =>
      h('option', { value: kind }, t(`memory.audit.kind.${kind.replace(/_$/, '') || 'all'}`)))),
    h('label', { for: 'audit-subject' }, t('memory.audit.subject')),
    h('input', { id: 'audit-subject', name: 'subject', placeholder: `document/${room.documentId}` }),
    h('label', { for: 'audit-since' }, t('memory.audit.since')), h('input', { id: 'audit-since', name: 'since', type: 'date' }),
    h('label', { for: 'audit-until' }, t('memory.audit.until')), h('input', { id: 'audit-until', name: 'until', type: 'date' }),
    h('button', { type: 'submit' }, t('memory.audit.filter')))
  const result = h('div', { class: 'audit-result' })
  async function load () {
    const filters = query(form)
    const trail = await loadInto(result, () => api.auditTrail(negotiationId, filters))
    if (trail === null) return
    result.replaceChildren(
      h('p', { class: trail.intact ? 'chain-intact' : 'chain-broken form-error', role: 'status' },
        trail.intact ? t('memory.audit.intact') : t('memory.audit.broken', { breaks: trail.breaks.join('; ') })),
      h('p', { class: 'downloads-extra' },
        h('a', { href: api.auditExportUrl(negotiationId, 'csv', filters), download: '' }, t('memory.audit.csv')), ' · ',
        h('a', { href: api.auditExportUrl(negotiationId, 'jsonl', filters), download: '' }, t('memory.audit.jsonl'))),
      entriesTable(trail))
  }
  form.addEventListener('submit', (event) => { event.preventDefault(); load() })
  container.replaceChildren(form, result, editsSection(room))
  await load()
}
