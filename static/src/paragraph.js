// One paragraph on screen: its label, status, lock, who is in it, its text, and — beside it — why it
// cannot be changed when someone tries. The text is plain DOM until the paragraph is focused or
// scrolled into view; then it becomes a CodeMirror editor (editor.js), so long drafts open fast.
import { h } from './dom.js'
import { formatMoment, plural, t } from './i18n.js'
import { createEditor } from './editor.js'
import { renderMarked } from './highlights.js'
import { colourClass } from './colours.js'
import { whyReadOnly } from './refusals.js'

export class ParagraphView {
  constructor (id, ytext, info, room) {
    this.id = id
    this.ytext = ytext
    this.info = info
    this.room = room
    this.editor = null
    this.heading = info.kind === 'heading'
    this.label = h('span', { class: 'paragraph-label' })
    this.status = h('span', { class: 'badge badge-status', hidden: true })
    this.lock = h('span', { class: 'badge badge-lock', hidden: true })
    this.people = h('ul', { class: 'paragraph-people' })
    this.plain = h('div', { class: 'paragraph-plain', tabindex: '0', role: 'textbox', 'aria-multiline': 'true' })
    this.textBox = h('div', { class: 'paragraph-text', translate: 'no' }, this.plain)
    this.refusal = h('p', { class: 'paragraph-refusal', role: 'status' })
    this.change = h('p', { class: 'paragraph-change', hidden: true })
    this.review = h('button', { type: 'button', class: 'paragraph-review button-quiet' })
    this.review.addEventListener('click', () => room.select(id, null, { openPane: true }))
    this.el = h('section', { class: 'paragraph', 'data-paragraph': id },
      h('div', { class: 'paragraph-meta' }, this.label, this.status, this.lock, this.people),
      h('div', { class: 'paragraph-body' }, this.textBox, this.change, this.refusal),
      h('div', { class: 'paragraph-aside' }, this.review))
    this.onText = () => { if (this.editor === null) this.renderPlain() }
    ytext.observe(this.onText)
    this.caretAt = null
    this.plain.addEventListener('pointerdown', (event) => { this.caretAt = offsetAt(this.plain, event) })
    this.plain.addEventListener('focus', () => this.makeEditor({ focus: true }))
    this.update(info)
    this.renderPlain()
  }

  fits (ytext, info) {
    return ytext === this.ytext && (info.kind === 'heading') === this.heading
  }

  get readOnlyReason () {
    return whyReadOnly({
      me: this.room.me,
      info: this.info,
      documentInfo: this.room.documentInfo(),
      silence: this.room.silence(),
      lastChange: this.room.lastChange(this.id)
    })
  }

  ariaLabel () {
    const kind = t(`kind.${this.info.kind ?? 'operative'}`)
    return this.info.label ? `${kind} ${this.info.label}` : kind
  }

  update (info) {
    this.info = info
    const reason = this.readOnlyReason
    const readOnly = reason !== null
    this.el.dataset.kind = info.kind ?? ''
    this.el.dataset.status = info.status ?? 'open'
    this.el.classList.toggle('is-locked', info.locked === true)
    this.el.classList.toggle('is-readonly', readOnly)
    this.label.textContent = info.label ?? ''
    this.label.hidden = !info.label
    const showStatus = info.status && info.status !== 'open'
    this.status.textContent = showStatus ? t(`status.${info.status}`) : ''
    this.status.dataset.status = info.status ?? 'open'
    this.status.hidden = !showStatus
    this.lock.textContent = t('paragraph.locked')
    this.lock.hidden = info.locked !== true
    this.showChange(info)
    this.plain.setAttribute('aria-label', this.ariaLabel())
    this.plain.setAttribute('aria-readonly', String(readOnly))
    if (!readOnly) this.refusal.textContent = ''
    this.editor?.setReadOnly(readOnly)
    this.editor?.setLabel(this.ariaLabel())
    const counts = this.room.counts(this.id)
    const parts = []
    if (counts.comments > 0) parts.push(plural('paragraph.comments', counts.comments))
    if (counts.positions > 0) parts.push(plural('paragraph.positions', counts.positions))
    this.review.textContent = parts.length > 0 ? parts.join(' · ') : t('paragraph.review')
    this.review.setAttribute('aria-label', t('paragraph.review_label', { label: info.label || this.ariaLabel(), summary: this.review.textContent }))
    this.review.classList.toggle('has-activity', parts.length > 0)
  }

  /** Who last changed the status or lock, when and why (from `info`), while the paragraph is not open text. */
  showChange (info) {
    const by = info.changed_by
    const closed = info.locked === true || (info.status && info.status !== 'open')
    this.change.hidden = !(closed && by?.name)
    if (this.change.hidden) return this.change.replaceChildren()
    // What changed the badges beside it say; this says who, when and why.
    this.change.replaceChildren(
      t('paragraph.last_change'), ' ',
      h('span', { translate: 'no' }, by.delegation ? `${by.name} (${by.delegation})` : by.name),
      info.changed_at ? `, ${formatMoment(info.changed_at)}` : '',
      ...(info.reason ? [' — ', h('q', { translate: 'no' }, info.reason)] : []))
  }

  /** The editor replaces the plain text; `focus` puts the caret where the person clicked. */
  makeEditor ({ focus = false } = {}) {
    if (this.editor !== null) {
      if (focus) this.editor.view.focus()
      return
    }
    const at = this.caretAt
    this.plain.remove()
    this.editor = createEditor(this.textBox, this.ytext, this.room.awareness, {
      label: this.ariaLabel(),
      readOnly: this.readOnlyReason !== null,
      getComments: () => this.room.commentSpans(this.id),
      onRefused: () => this.explainRefusal(),
      onSelection: (view) => this.onSelection(view)
    })
    if (focus) {
      this.editor.view.focus()
      if (at !== null) this.editor.view.dispatch({ selection: { anchor: Math.min(at, this.editor.view.state.doc.length) } })
    }
  }

  onSelection (view) {
    if (!view.hasFocus) return
    const { from, to } = view.state.selection.main
    this.room.select(this.id, to > from ? { from, to, text: view.state.sliceDoc(from, to) } : null)
  }

  explainRefusal () {
    const reason = this.readOnlyReason
    if (reason === null) return
    this.refusal.textContent = ''
    this.refusal.textContent = reason // set anew so a screen reader hears it again
    this.el.classList.remove('was-refused')
    void this.el.offsetWidth
    this.el.classList.add('was-refused')
  }

  /** Shows the server's refusal of a change (permission-denied on the socket) beside the paragraph. */
  showRefusal (text) {
    this.refusal.textContent = text
  }

  renderPlain () {
    this.plain.replaceChildren(...renderMarked(this.ytext.toString(), this.room.commentSpans(this.id)))
  }

  refreshMarks () {
    if (this.editor) this.editor.refreshMarks()
    else this.renderPlain()
  }

  setSelected (selected) {
    this.el.classList.toggle('is-selected', selected)
  }

  /** Marks who else has this paragraph open. */
  showPeople (people) {
    this.people.replaceChildren(...people.map((person) =>
      h('li', { class: `paragraph-person ${colourClass(person.delegation)}`, title: person.name }, person.delegation || person.name)))
    this.el.classList.toggle('has-people', people.length > 0)
  }

  destroy () {
    this.ytext.unobserve(this.onText)
    this.editor?.destroy()
    this.el.remove()
  }
}

/** The text offset (UTF-16) under a pointer event in the plain rendering, or null. */
function offsetAt (root, event) {
  const range = document.caretRangeFromPoint?.(event.clientX, event.clientY)
  if (!range || !root.contains(range.startContainer)) return null
  let offset = 0
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT)
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    if (node === range.startContainer) return offset + range.startOffset
    offset += node.data.length
  }
  return null
}
