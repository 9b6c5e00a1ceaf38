// Binds a <textarea> to a Y.Text both ways, keeping the caret where the person left it.
import { diffStrings, transformIndex } from './textdiff.js'

/** The transaction origin of edits typed here; anything else is remote (peers, the server). */
export const LOCAL = Symbol('consenso.local-edit')

/**
 * Keeps `textarea.value` equal to `ytext` and returns an unbind function.
 * While an input method composes (accents, CJK), remote changes wait: rewriting the value would
 * cancel the composition. They are replayed when it ends, and the composed text is moved through them.
 */
export function bindTextarea (textarea, ytext) {
  let shown = ytext.toString()
  let composing = false
  let missed = [] // deltas that arrived during a composition, not yet shown

  textarea.value = shown
  fitHeight(textarea)

  const pushLocal = () => {
    const change = diffStrings(shown, textarea.value, textarea.selectionEnd)
    if (change !== null) {
      let start = change.index
      let end = change.index + change.remove
      for (const delta of missed) {
        start = transformIndex(start, delta)
        end = transformIndex(end, delta)
      }
      ytext.doc.transact(() => {
        if (end > start) ytext.delete(start, end - start)
        if (change.insert !== '') ytext.insert(start, change.insert)
      }, LOCAL)
      if (missed.length > 0) show(ytext.toString(), [], start + change.insert.length)
    } else if (missed.length > 0) {
      show(ytext.toString(), missed)
    }
    missed = []
    shown = ytext.toString()
  }

  const show = (text, deltas, caret) => {
    const focused = document.activeElement === textarea
    let { selectionStart, selectionEnd, selectionDirection } = textarea
    for (const delta of deltas) {
      selectionStart = transformIndex(selectionStart, delta)
      selectionEnd = transformIndex(selectionEnd, delta)
    }
    if (caret !== undefined) selectionStart = selectionEnd = caret
    textarea.value = text
    shown = text
    if (focused) textarea.setSelectionRange(selectionStart, selectionEnd, selectionDirection)
    fitHeight(textarea)
  }

  const onInput = () => {
    if (!composing) pushLocal()
    fitHeight(textarea)
  }
  const onCompositionStart = () => { composing = true }
  const onCompositionEnd = () => {
    composing = false
    pushLocal()
  }
  const onChange = (event, transaction) => {
    if (transaction.origin === LOCAL) return
    if (composing) missed.push(event.delta)
    else show(ytext.toString(), [event.delta])
  }

  textarea.addEventListener('input', onInput)
  textarea.addEventListener('compositionstart', onCompositionStart)
  textarea.addEventListener('compositionend', onCompositionEnd)
  ytext.observe(onChange)
  return () => {
    ytext.unobserve(onChange)
    textarea.removeEventListener('input', onInput)
    textarea.removeEventListener('compositionstart', onCompositionStart)
    textarea.removeEventListener('compositionend', onCompositionEnd)
  }
}

const fieldSizing = typeof CSS !== 'undefined' && CSS.supports('field-sizing', 'content')

/** Grows the textarea with its text, where CSS `field-sizing: content` cannot (Firefox, Safari). */
export function fitHeight (textarea) {
  if (fieldSizing || !textarea.isConnected) return
  textarea.style.height = 'auto'
  textarea.style.height = `${textarea.scrollHeight}px`
}
