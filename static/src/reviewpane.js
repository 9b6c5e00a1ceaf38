// The review pane beside the draft, for the selected paragraph: the chair's tools (status, lock, structure), the comment
// threads and the positions. Re-rendered when what it shows changes; what a person is typing is kept.
import { h } from './dom.js'
import { t } from './i18n.js'
import { commentsSection } from './comments.js'
import { positionsSection } from './positions.js'
import { chairSection } from './chair.js'
import { structureSection } from './structure.js'
import { isChair } from './roles.js'

export function renderPane (pane, room) {
  const id = room.selectedParagraph
  const view = id ? room.draft?.view(id) : null
  if (!view) {
    pane.replaceChildren(h('div', { class: 'pane-empty' },
      h('h2', { class: 'pane-title' }, t('pane.title')),
      h('p', { class: 'hint' }, t('pane.choose'))))
    return
  }
  const info = view.info
  const kind = t(`kind.${info.kind ?? 'operative'}`)
  const next = h('div', { class: 'pane-content' },
    h('h2', { class: 'pane-title', id: 'pane-title', tabindex: '-1' }, info.label ? `${info.label} · ${kind}` : kind),
    h('p', { class: 'pane-status' },
      h('span', { class: 'badge badge-status', 'data-status': info.status ?? 'open' }, t(`status.${info.status ?? 'open'}`)),
      info.locked ? h('span', { class: 'badge badge-lock' }, t('paragraph.locked')) : null),
    isChair(room.me) ? chairSection(room, id, info) : null,
    isChair(room.me) ? structureSection(room, id, info) : null,
    commentsSection(room, id),
    positionsSection(room, id, view.ytext.toString()))
  carryOver(pane, next)
  pane.replaceChildren(next)
  restoreFocus(pane)
}

let focusedId = null
let selection = null

// Form fields are rebuilt on every render: keep what the person typed (fields they changed, by id) and
// where their caret was.
function carryOver (oldRoot, newRoot) {
  focusedId = oldRoot.contains(document.activeElement) ? document.activeElement.id || null : null
  selection = null
  for (const field of oldRoot.querySelectorAll('input[id], textarea[id], select[id]')) {
    if (field.dataset.dirty !== 'true') continue
    const twin = newRoot.querySelector(`#${CSS.escape(field.id)}`)
    if (!twin) continue
    twin.value = field.value
    twin.dataset.dirty = 'true'
    twin.dispatchEvent(new Event('input'))
    twin.dispatchEvent(new Event('change'))
    if (field.id === focusedId && 'selectionStart' in field) selection = [field.selectionStart, field.selectionEnd]
  }
}

function restoreFocus (root) {
  if (focusedId === null) return
  const field = root.querySelector(`#${CSS.escape(focusedId)}`)
  field?.focus({ preventScroll: true })
  if (selection && field?.setSelectionRange) {
    try { field.setSelectionRange(...selection) } catch { /* not a text field */ }
  }
}

export function markDirtyFields (pane) {
  const mark = (event) => {
    if (event.isTrusted && event.target.id) event.target.dataset.dirty = 'true'
  }
  pane.addEventListener('input', mark)
  pane.addEventListener('change', mark)
}
