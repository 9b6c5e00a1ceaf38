// The consensus matrix: paragraphs × member delegations by stance, closest to consensus first.
// Each cell is a button that opens that delegation's position on the paragraph (for the PPT, with the
// amendment's preview and incorporation).
import * as api from './api.js'
import { h } from './dom.js'
import { t } from './i18n.js'
import { explain, loadInto } from './errors.js'
import { incorporationPanel, versionSummary } from './positions.js'
import { isChair } from './roles.js'

export async function renderMatrix (container, room) {
  const matrix = await loadInto(container, () => api.consensusMatrix(room.documentId))
  if (matrix === null) return
  const dialog = h('dialog', { class: 'position-dialog', 'aria-labelledby': 'position-dialog-title' })
  const head = h('tr', {}, h('th', { scope: 'col' }, t('matrix.paragraph')), h('th', { scope: 'col' }, t('matrix.status')),
    matrix.delegations.map((code) => h('th', { scope: 'col', class: 'delegation-code' }, code)),
    h('th', { scope: 'col' }, t('matrix.distance')))
  const rows = matrix.rows.map((row) => h('tr', { 'data-paragraph': row.id },
    h('th', { scope: 'row' }, h('a', { href: `#/documents/${room.documentId}/draft/${row.id}` }, row.label || row.id)),
    h('td', {}, h('span', { class: 'badge badge-status', 'data-status': row.status }, t(`status.${row.status}`))),
    matrix.delegations.map((code) => {
      const stance = row.stances[code]
      // Named by its content, not aria-label: the short form is what the eye reads, the full sentence
      // what a screen reader says.
      const cell = h('button', { type: 'button', class: `cell stance-${stance}` },
        h('span', { 'aria-hidden': 'true' }, t(`stance.short.${stance}`)),
        h('span', { class: 'visually-hidden' }, t('matrix.cell', { delegation: code, label: row.label || row.id, stance: t(`stance.${stance}`) })))
      cell.addEventListener('click', () => openPosition(dialog, room, row, code))
      return h('td', {}, cell)
    }),
    h('td', { class: 'distance' }, String(row.distance))))
  container.replaceChildren(
    h('p', { class: 'legend' }, ['support', 'amend', 'reservation', 'oppose', 'none'].map((stance) =>
      h('span', { class: 'legend-item' }, h('span', { class: `cell stance-${stance}`, 'aria-hidden': 'true' }, t(`stance.short.${stance}`)), ' ', t(`stance.${stance}`)))),
    h('div', { class: 'table-scroll' },
      h('table', { class: 'matrix' }, h('caption', { class: 'visually-hidden' }, t('matrix.caption')),
        h('thead', {}, head), h('tbody', {}, rows))),
    dialog)
}

async function openPosition (dialog, room, row, code) {
  const close = h('button', { type: 'button', class: 'button-quiet' }, t('dialog.close'))
  close.addEventListener('click', () => dialog.close())
  const body = h('div', { class: 'dialog-body' }, h('p', { class: 'hint' }, t('loading')))
  dialog.replaceChildren(h('h2', { id: 'position-dialog-title' }, t('matrix.position_title', { delegation: code, label: row.label || row.id })), body, h('div', { class: 'actions' }, close))
  dialog.showModal()
  try {
    const versions = await api.positionVersions(room.documentId, row.id, code)
    const latest = versions[versions.length - 1]
    if (!latest) {
      body.replaceChildren(h('p', {}, t('matrix.no_position', { delegation: code })))
      return
    }
    body.replaceChildren(versionSummary(latest),
      isChair(room.me) && latest.stance === 'amend' && latest.latest && !latest.incorporated ? incorporationPanel(room, latest) : null,
      versions.length > 1 ? h('p', { class: 'hint' }, t('matrix.versions', { count: versions.length })) : null)
  } catch (failure) {
    body.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, explain(failure)))
  }
}
