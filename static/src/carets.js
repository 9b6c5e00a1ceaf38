// Other people's carets and selections in one paragraph's editor, from Yjs awareness.
// Adapted from y-codemirror.next's yRemoteSelections, with two differences that matter here:
// the colour comes from the person's delegation (colours.js), never from what their browser claims,
// and the name shown is the server-stamped "Name · DELEGATION"; colours are CSS classes, not inline
// styles, so the page keeps its strict content security policy.
import * as Y from 'yjs'
import { Decoration, ViewPlugin, WidgetType } from '@codemirror/view'
import { RangeSet } from '@codemirror/state'
import { colourClass } from './colours.js'

export function personName (user) {
  const name = typeof user?.name === 'string' ? user.name : ''
  const delegation = typeof user?.delegation === 'string' ? user.delegation : ''
  return delegation ? `${name} · ${delegation}` : name
}

// Where this browser's caret is, for the others: written by the focused editor only.
function publishOwn (view, ytext, awareness) {
  if (!view.hasFocus || !view.dom.ownerDocument.hasFocus() || awareness.getLocalState() === null) return
  const selection = view.state.selection.main
  const anchor = Y.createRelativePositionFromTypeIndex(ytext, selection.anchor)
  const head = Y.createRelativePositionFromTypeIndex(ytext, selection.head)
  const current = awareness.getLocalState().cursor
  if (current?.anchor && current?.head &&
      Y.compareRelativePositions(Y.createRelativePositionFromJSON(current.anchor), anchor) &&
      Y.compareRelativePositions(Y.createRelativePositionFromJSON(current.head), head)) return
  awareness.setLocalStateField('cursor', { anchor: Y.relativePositionToJSON(anchor), head: Y.relativePositionToJSON(head) })
}

class CaretWidget extends WidgetType {
  constructor (name, colour) {
    super()
    this.name = name
    this.colour = colour
  }

  toDOM () {
    const caret = document.createElement('span')
    caret.className = `remote-caret ${this.colour}`
    caret.setAttribute('aria-hidden', 'true')
    const label = document.createElement('span')
    label.className = 'remote-caret-name'
    label.textContent = this.name
    caret.append('\u2060', label, '\u2060')
    return caret
  }

  eq (other) { return other.name === this.name && other.colour === this.colour }
  ignoreEvent () { return true }
}

/** A CodeMirror extension showing the remote carets of `awareness` that stand in `ytext`. */
export function remoteCarets (ytext, awareness) {
  return ViewPlugin.fromClass(class {
    constructor (view) {
      this.decorations = RangeSet.of([])
      this.listener = ({ added, updated, removed }) => {
        const changed = added.concat(updated, removed)
        if (changed.some((id) => id !== awareness.clientID)) view.dispatch({})
      }
      awareness.on('change', this.listener)
      this.decorations = this.build(view)
    }

    update (update) {
      publishOwn(update.view, ytext, awareness)
      this.decorations = this.build(update.view)
    }

    build (view) {
      const ydoc = ytext.doc
      const ranges = []
      const length = view.state.doc.length
      for (const [clientId, state] of awareness.getStates()) {
        if (clientId === awareness.clientID || !state?.cursor?.anchor || !state.cursor.head) continue
        let anchor, head
        try {
          anchor = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(state.cursor.anchor), ydoc)
          head = Y.createAbsolutePositionFromRelativePosition(Y.createRelativePositionFromJSON(state.cursor.head), ydoc)
        } catch {
          continue // a malformed position from another browser: show nothing rather than fail
        }
        if (!anchor || !head || anchor.type !== ytext || head.type !== ytext) continue
        const colour = colourClass(state.user?.delegation)
        const from = Math.min(anchor.index, head.index, length)
        const to = Math.min(Math.max(anchor.index, head.index), length)
        if (to > from) ranges.push(Decoration.mark({ class: `remote-selection ${colour}` }).range(from, to))
        const at = Math.min(head.index, length)
        ranges.push(Decoration.widget({
          widget: new CaretWidget(personName(state.user), colour),
          side: head.index - anchor.index > 0 ? -1 : 1
        }).range(at))
      }
      return Decoration.set(ranges, true)
    }

    destroy () {
      awareness.off('change', this.listener)
    }
  }, { decorations: (plugin) => plugin.decorations })
}
