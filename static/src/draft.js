// A draft on screen: its paragraphs in reading order, kept in step with the shared Y.Doc.
import { ParagraphView } from './paragraph.js'

// The server writes info entries as plain objects; a nested Y.Map from another client reads the same.
const plain = (value) => (value && typeof value.toJSON === 'function' ? value.toJSON() : value)

/**
 * Renders the layout of the public contract: `order` (ids), `paragraphs` (id → Y.Text) and
 * `info` (id → {label, kind, status, locked}; "document" → {title, kind, status}).
 * Views of paragraphs that still exist are kept, so focus and caret survive a re-render.
 */
export class DraftView {
  constructor (ydoc, container, onDocumentInfo) {
    this.order = ydoc.getArray('order')
    this.paragraphs = ydoc.getMap('paragraphs')
    this.info = ydoc.getMap('info')
    this.container = container
    this.onDocumentInfo = onDocumentInfo
    this.views = new Map()
    this.places = new Map() // paragraph id → the other people in it
    this.scheduled = false
    this.destroyed = false
    this.schedule = () => {
      if (this.scheduled) return
      this.scheduled = true
      queueMicrotask(() => {
        this.scheduled = false
        this.render()
      })
    }
    this.onResize = () => { for (const view of this.views.values()) view.fit() }
    window.addEventListener('resize', this.onResize)
    this.order.observe(this.schedule)
    this.paragraphs.observe(this.schedule)
    this.info.observeDeep(this.schedule)
    this.render()
  }

  render () {
    if (this.destroyed) return
    this.onDocumentInfo(plain(this.info.get('document')) ?? null)
    const wanted = []
    const created = []
    const seen = new Set()
    for (const id of this.order.toArray()) {
      if (seen.has(id)) continue // two people moved the same paragraph at once; show it once
      seen.add(id)
      const ytext = this.paragraphs.get(id)
      if (ytext === undefined) continue // its text has not arrived yet
      const info = plain(this.info.get(id)) ?? {}
      let view = this.views.get(id)
      if (view !== undefined && !view.fits(ytext, info)) {
        view.destroy()
        view = undefined
      }
      if (view === undefined) {
        view = new ParagraphView(id, ytext, info)
        view.showPeople(this.places.get(id) ?? [])
        this.views.set(id, view)
        created.push(view)
      } else {
        view.update(info)
      }
      wanted.push(view)
    }
    const kept = new Set(wanted)
    for (const [id, view] of this.views) {
      if (!kept.has(view)) {
        view.destroy()
        this.views.delete(id)
      }
    }
    // Move only what is out of place: moving a focused element would blur it.
    wanted.forEach((view, index) => {
      const current = this.container.children[index]
      if (current !== view.el) this.container.insertBefore(view.el, current ?? null)
    })
    for (const view of created) view.fit() // only now, in the page, does it have a width to wrap to
  }

  showPlaces (places) {
    this.places = places
    for (const [id, view] of this.views) view.showPeople(places.get(id) ?? [])
  }

  /** The id of the paragraph whose text has the focus, or null. */
  focusedParagraph () {
    for (const [id, view] of this.views) if (view.text === document.activeElement) return id
    return null
  }

  destroy () {
    this.destroyed = true
    window.removeEventListener('resize', this.onResize)
    this.order.unobserve(this.schedule)
    this.paragraphs.unobserve(this.schedule)
    this.info.unobserveDeep(this.schedule)
    for (const view of this.views.values()) view.destroy()
    this.views.clear()
  }
}
