// One paragraph of a draft on screen: its label, its live text, its lock.
import { h, humanize } from './dom.js'
import { bindTextarea, fitHeight } from './textbinding.js'

const KIND_NAMES = { heading: 'Heading', preambular: 'Preambular paragraph', operative: 'Operative paragraph' }

export class ParagraphView {
  constructor (id, ytext, info) {
    this.id = id
    this.ytext = ytext
    this.heading = info.kind === 'heading'
    this.label = h('span', { class: 'paragraph-label' })
    this.lock = h('span', { class: 'badge badge-lock', hidden: true }, 'Locked')
    this.status = h('span', { class: 'badge badge-status', hidden: true })
    this.people = h('ul', { class: 'paragraph-people', 'aria-label': 'Here now' })
    this.text = h('textarea', { class: 'paragraph-text', rows: 1, spellcheck: 'true' })
    const body = this.heading ? h('h2', { class: 'paragraph-heading' }, this.text) : this.text
    this.el = h('section', { class: 'paragraph', 'data-paragraph': id },
      h('div', { class: 'paragraph-meta' }, this.label, this.status, this.lock, this.people),
      body)
    this.unbind = bindTextarea(this.text, ytext)
    this.update(info)
  }

  /** Whether this view can show the paragraph as it is now, or must be built anew. */
  fits (ytext, info) {
    return ytext === this.ytext && (info.kind === 'heading') === this.heading
  }

  update (info) {
    const locked = info.locked === true
    const kindName = KIND_NAMES[info.kind] ?? 'Paragraph'
    this.el.dataset.kind = info.kind ?? ''
    this.el.classList.toggle('is-locked', locked)
    this.label.textContent = info.label ?? ''
    this.label.hidden = !info.label
    this.text.setAttribute('aria-label', info.label ? `${kindName} ${info.label}` : kindName)
    this.text.readOnly = locked
    this.lock.hidden = !locked
    const status = info.status && info.status !== 'open' ? humanize(info.status) : ''
    this.status.textContent = status
    this.status.hidden = status === ''
  }

  fit () {
    fitHeight(this.text)
  }

  /** Marks who else has this paragraph open: [{name, delegation, color}]. */
  showPeople (users) {
    this.people.replaceChildren(...users.map((user) => {
      const item = h('li', { class: 'paragraph-person', title: user.name }, user.delegation || user.name)
      item.style.setProperty('--person-color', user.color)
      return item
    }))
    this.el.classList.toggle('has-people', users.length > 0)
    if (users.length > 0) this.el.style.setProperty('--person-color', users[0].color)
  }

  destroy () {
    this.unbind()
    this.el.remove()
  }
}
