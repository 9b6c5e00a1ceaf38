// Marks in a paragraph's text: bracketed passages (nested ones darker) and the phrases comment threads
// are anchored to. The same ranges serve the CodeMirror editor and the plain text shown before it exists.
import { Decoration, ViewPlugin } from '@codemirror/view'
import { bracketRanges } from './brackets.js'
import { h } from './dom.js'

/** Every mark of `text`: [{from, to, className}], sorted by `from`. `comments` are {from, to, active}. */
export function marksOf (text, comments = []) {
  const marks = bracketRanges(text).map(({ from, to, depth }) =>
    ({ from, to, className: `bracketed bracket-depth-${Math.min(depth, 3)}` }))
  for (const span of comments) {
    if (span.to > span.from && span.to <= text.length) {
      marks.push({ from: span.from, to: span.to, className: span.active ? 'comment-anchor is-active' : 'comment-anchor' })
    }
  }
  return marks.sort((a, b) => a.from - b.from || b.to - a.to)
}

/** A CodeMirror extension: marks recomputed on every change of the text or of `getComments()`. */
export function highlightMarks (getComments) {
  return ViewPlugin.fromClass(class {
    constructor (view) { this.decorations = this.build(view) }
    update (update) { this.decorations = this.build(update.view) }
    build (view) {
      const ranges = marksOf(view.state.doc.toString(), getComments())
        .map((mark) => Decoration.mark({ class: mark.className }).range(mark.from, mark.to))
      return Decoration.set(ranges, true)
    }
  }, { decorations: (plugin) => plugin.decorations })
}

/** The text as DOM with the same marks, for paragraphs not yet turned into editors (nesting kept). */
export function renderMarked (text, comments = []) {
  const marks = marksOf(text, comments)
  const boundaries = new Set([0, text.length])
  for (const mark of marks) { boundaries.add(mark.from); boundaries.add(mark.to) }
  const points = [...boundaries].sort((a, b) => a - b)
  const nodes = []
  for (let i = 0; i + 1 < points.length; i++) {
    const from = points[i]
    const to = points[i + 1]
    let node = document.createTextNode(text.slice(from, to))
    for (const mark of marks) {
      if (mark.from <= from && mark.to >= to) node = h('span', { class: mark.className }, node)
    }
    nodes.push(node)
  }
  return nodes
}
