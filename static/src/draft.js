// A draft on screen: its paragraphs in reading order, kept in step with the shared Y.Doc.
// Paragraphs become editors as they scroll into view (IntersectionObserver) or get the focus.
import { ParagraphView } from './paragraph.js'
import { countBrackets } from './brackets.js'

// The server writes info entries as plain objects; a nested Y.Map from another client reads the same.
const plain = (value) => (value && typeof value.toJSON === 'function' ? value.toJSON() : value)

/**
 * Renders the layout of the public contract: `order` (ids), `paragraphs` (id → Y.Text) and
 * `info` (id → {label, kind, status, locked}; "document" → {title, kind, status}).
 * Views of paragraphs that still exist are kept, so focus and caret survive a re-render.
 */
export class DraftView {
  constructor (ydoc, container, room, onRendered) {
    this.order = ydoc.getArray('order')
    this.paragraphs = ydoc.getMap('paragraphs')
    this.info = ydoc.getMap('info')
    this.container = container
    this.room = room
    this.onRendered = onRendered
    this.views = new Map()
    this.places = new Map()
    this.scheduled = false
    this.destroyed = false
    this.visible = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        if (!entry.isIntersecting) continue
        this.visible.unobserve(entry.target)
        this.views.get(entry.target.dataset.paragraph)?.makeEditor()
      }
    }, { rootMargin: '200px 0px' })
    this.schedule = () => {
      if (this.scheduled) return
      this.scheduled = true
      queueMicrotask(() => {
        this.scheduled = false
        this.render()
      })
    }
    this.order.observe(this.schedule)
    this.paragraphs.observe(this.schedule)
    this.info.observeDeep(this.schedule)
    this.textChanged = () => this.onRendered(this.summary())
    this.paragraphs.observeDeep(this.textChanged)
    this.render()
  }

  documentInfo () {
    return plain(this.info.get('document')) ?? null
  }

  paragraphInfo (id) {
    return plain(this.info.get(id)) ?? {}
  }

  render () {
    if (this.destroyed) return
    const wanted = []
    const seen = new Set()
    for (const id of this.order.toArray()) {
      if (seen.has(id)) continue // two people moved the same paragraph at once; show it once
      seen.add(id)
      const ytext = this.paragraphs.get(id)
      if (ytext === undefined || typeof ytext.toString !== 'function' || !ytext.observe) continue
      const info = this.paragraphInfo(id)
      let view = this.views.get(id)
      if (view !== undefined && !view.fits(ytext, info)) {
        view.destroy()
        view = undefined
      }
      if (view === undefined) {
        view = new ParagraphView(id, ytext, info, this.room)
        view.showPeople(this.places.get(id) ?? [])
        this.views.set(id, view)
        this.visible.observe(view.el)
      } else {
        view.update(info)
      }
      wanted.push(view)
    }
    const kept = new Set(wanted)
    for (const [id, view] of this.views) {
      if (!kept.has(view)) {
        this.visible.unobserve(view.el)
        view.destroy()
        this.views.delete(id)
      }
    }
    // Move only what is out of place: moving a focused element would blur it.
    wanted.forEach((view, index) => {
      const current = this.container.children[index]
      if (current !== view.el) this.container.insertBefore(view.el, current ?? null)
    })
    this.onRendered(this.summary())
  }

  /** What the header shows: the paragraphs in order, and how many brackets remain. */
  summary () {
    let brackets = 0
    let bracketedParagraphs = 0
    const paragraphs = []
    for (const [id, view] of this.views) {
      brackets += countBrackets(view.ytext.toString())
      if (view.info.status === 'bracketed') bracketedParagraphs++
      paragraphs.push({ id, label: view.info.label, kind: view.info.kind, status: view.info.status, locked: view.info.locked })
    }
    return { brackets, bracketedParagraphs, paragraphs }
  }

  /** Re-reads everything that depends on state outside the CRDT (language, silence, comments). */
  refresh () {
    for (const view of this.views.values()) {
      view.update(view.info)
      view.refreshMarks()
    }
  }

  showPlaces (places) {
    this.places = places
    for (const [id, view] of this.views) view.showPeople(places.get(id) ?? [])
  }

  view (id) {
    return this.views.get(id)
  }

  /** The id of the paragraph whose text has the focus, or null. */
  focusedParagraph () {
    for (const [id, view] of this.views) if (view.el.contains(document.activeElement) && view.textBox.contains(document.activeElement)) return id
    return null
  }

  destroy () {
    this.destroyed = true
    this.visible.disconnect()
    this.order.unobserve(this.schedule)
    this.paragraphs.unobserve(this.schedule)
    this.paragraphs.unobserveDeep(this.textChanged)
    this.info.unobserveDeep(this.schedule)
    for (const view of this.views.values()) view.destroy()
    this.views.clear()
  }
}
