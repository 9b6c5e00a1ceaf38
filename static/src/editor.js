// One paragraph's editor: CodeMirror 6 bound to its Y.Text through y-codemirror.next.
// Undo and redo go through a Y.UndoManager that tracks only this browser's edits, so undo never takes
// back another delegation's words. Paste is plain text (CodeMirror reads text/plain), IME composition
// is CodeMirror's own. Read-only text stays focusable and selectable (to comment on a phrase) and says so.
import './cspstyles.js'
import * as Y from 'yjs'
import { Compartment, EditorState } from '@codemirror/state'
import { EditorView, keymap } from '@codemirror/view'
import { defaultKeymap } from '@codemirror/commands'
import { yCollab, yUndoManagerKeymap } from 'y-codemirror.next'
import { remoteCarets } from './carets.js'
import { highlightMarks } from './highlights.js'

const EDITING_KEYS = new Set(['Backspace', 'Delete', 'Enter'])

/**
 * Mounts an editor in `parent`. `options`: {label, readOnly, onRefused(), getComments(), onSelection(view)}.
 * Returns { view, undoManager, setReadOnly(bool), setLabel(text), refreshMarks(), destroy() }.
 */
export function createEditor (parent, ytext, awareness, options) {
  const undoManager = new Y.UndoManager(ytext)
  const readOnly = new Compartment()
  const label = new Compartment()
  let isReadOnly = options.readOnly
  const readOnlyExtension = (value) => [
    EditorState.readOnly.of(value),
    EditorView.contentAttributes.of({ 'aria-readonly': value ? 'true' : 'false' })
  ]
  const refuse = (event) => {
    if (!isReadOnly) return false
    event.preventDefault()
    options.onRefused()
    return true
  }
  const view = new EditorView({
    parent,
    state: EditorState.create({
      doc: ytext.toString(),
      extensions: [
        // Without awareness: remote carets are ours (carets.js), coloured by delegation.
        yCollab(ytext, null, { undoManager }),
        remoteCarets(ytext, awareness),
        highlightMarks(options.getComments),
        keymap.of([...yUndoManagerKeymap, ...defaultKeymap]),
        EditorView.lineWrapping,
        readOnly.of(readOnlyExtension(isReadOnly)),
        label.of(EditorView.contentAttributes.of({ 'aria-label': options.label })),
        EditorView.contentAttributes.of({ spellcheck: 'true', 'aria-multiline': 'true' }),
        EditorView.domEventHandlers({
          beforeinput (event) {
            return event.inputType.startsWith('history') ? false : refuse(event)
          },
          keydown (event) {
            const typing = event.key.length === 1 && !event.ctrlKey && !event.metaKey && !event.altKey
            return (typing || EDITING_KEYS.has(event.key)) ? refuse(event) : false
          },
          paste: refuse,
          drop: refuse,
          cut: refuse
        }),
        EditorView.updateListener.of((update) => {
          if (update.selectionSet || update.focusChanged) options.onSelection?.(update.view)
        })
      ]
    })
  })
  return {
    view,
    undoManager,
    setReadOnly (value) {
      if (value === isReadOnly) return
      isReadOnly = value
      view.dispatch({ effects: readOnly.reconfigure(readOnlyExtension(value)) })
    },
    setLabel (text) {
      view.dispatch({ effects: label.reconfigure(EditorView.contentAttributes.of({ 'aria-label': text })) })
    },
    refreshMarks () { view.dispatch({}) },
    destroy () {
      view.destroy()
      undoManager.destroy()
    }
  }
}
