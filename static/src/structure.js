// The PPT's changes to the structure of the text, for the selected paragraph: insert a paragraph of a
// chosen kind after it, move it after another, delete it (asked twice). The server decides (locks, silence,
// adoption: the consensus rule) and the draft follows through the CRDT.
import * as api from './api.js'
import { h } from './dom.js'
import { t } from './i18n.js'
import { explain } from './errors.js'

const KINDS = ['operative', 'preambular', 'heading']

export function structureSection (room, paragraphId, info) {
  const label = info.label || t(`kind.${info.kind ?? 'operative'}`)
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true })
  const run = async (work, done) => {
    error.hidden = true
    try {
      const result = await work()
      room.say(done(result))
      return true
    } catch (failure) {
      error.textContent = explain(failure)
      error.hidden = false
      return false
    }
  }

  const kind = h('select', { class: 'field', id: 'structure-kind' },
    KINDS.map((value) => h('option', { value, selected: value === (info.kind === 'heading' ? 'operative' : info.kind) }, t(`kind.${value}`))))
  const text = h('textarea', { class: 'field field-text', id: 'structure-text', rows: 3 })
  const insert = h('button', { type: 'button', class: 'button-quiet' }, t('structure.insert', { label }))
  insert.addEventListener('click', async () => {
    const done = await run(() => api.insertParagraph(room.documentId, { kind: kind.value, text: text.value, after: paragraphId }),
      (made) => t('structure.inserted', { label: made.label || t(`kind.${made.kind ?? kind.value}`) }))
    if (done) text.value = ''
  })

  const order = room.ydoc.getArray('order').toArray().filter((id) => id !== paragraphId)
  const place = h('select', { class: 'field', id: 'structure-after' },
    h('option', { value: '' }, t('structure.at_start')),
    order.map((id) => h('option', { value: id }, t('structure.after', { label: room.labelOf(id) }))))
  const move = h('button', { type: 'button', class: 'button-quiet' }, t('structure.move'))
  move.addEventListener('click', () => run(() => api.moveParagraph(room.documentId, paragraphId, place.value || null),
    () => t('structure.moved', { label })))

  const remove = h('button', { type: 'button', class: 'button-danger' }, t('structure.delete', { label }))
  const confirm = h('dialog', { class: 'confirm-dialog', 'aria-labelledby': 'structure-delete-title' })
  const yes = h('button', { type: 'button', class: 'button-danger' }, t('structure.delete_confirm'))
  const no = h('button', { type: 'button', class: 'button-quiet' }, t('dialog.cancel'))
  confirm.append(h('h2', { id: 'structure-delete-title' }, t('structure.delete_title', { label })),
    h('p', {}, t('structure.delete_warning')), h('div', { class: 'actions' }, no, yes))
  no.addEventListener('click', () => confirm.close())
  yes.addEventListener('click', () => {
    confirm.close()
    run(() => api.deleteParagraph(room.documentId, paragraphId), () => t('structure.deleted', { label }))
  })
  remove.addEventListener('click', () => confirm.showModal())

  // Folded by default (status and lock come first); stays open across the pane's re-renders.
  const details = h('details', { class: 'structure-details', open: room.structureOpen === true },
    h('summary', { id: 'structure-heading' }, t('structure.heading')),
    h('label', { for: 'structure-kind' }, t('structure.kind')), kind,
    h('label', { for: 'structure-text' }, t('structure.text')), text,
    h('div', { class: 'actions' }, insert),
    h('label', { for: 'structure-after' }, t('structure.move_label', { label })), place,
    h('div', { class: 'actions' }, move, remove),
    confirm,
    error)
  details.addEventListener('toggle', () => { room.structureOpen = details.open })
  return h('section', { class: 'pane-section chair-tools', 'aria-labelledby': 'structure-heading' }, details)
}
