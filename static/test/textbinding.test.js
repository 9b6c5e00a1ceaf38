// node --test: the textarea ↔ Y.Text binding, with real Yjs and a stand-in for the <textarea>.
import assert from 'node:assert/strict'
import test from 'node:test'
import * as Y from 'yjs'
import { bindTextarea } from '../src/textbinding.js'

/** The part of a focused <textarea> the binding touches; `type` edits like a person at the caret. */
class FakeTextarea extends EventTarget {
  constructor () {
    super()
    this.value = ''
    this.selectionStart = this.selectionEnd = 0
    this.selectionDirection = 'none'
    this.isConnected = false
    globalThis.document = { activeElement: this }
  }

  setSelectionRange (start, end) {
    this.selectionStart = start
    this.selectionEnd = end
  }

  type (text, { silent = false } = {}) {
    const at = this.selectionStart
    this.value = this.value.slice(0, at) + text + this.value.slice(this.selectionEnd)
    this.selectionStart = this.selectionEnd = at + text.length
    if (!silent) this.dispatchEvent(new Event('input'))
  }
}

function setUp (initial) {
  const doc = new Y.Doc()
  const ytext = doc.getText('t')
  ytext.insert(0, initial)
  const peer = new Y.Doc() // someone else, editing the same text
  Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc))
  doc.on('update', (update, origin) => { if (origin !== 'wire') Y.applyUpdate(peer, update, 'wire') })
  peer.on('update', (update, origin) => { if (origin !== 'wire') Y.applyUpdate(doc, update, 'wire') })
  const textarea = new FakeTextarea()
  const unbind = bindTextarea(textarea, ytext)
  return { textarea, ytext, remote: peer.getText('t'), unbind }
}

test('typing reaches the shared text, and the other side sees it', () => {
  const { textarea, remote } = setUp('Migración ordenada')
  textarea.setSelectionRange(10, 10)
  textarea.type('segura y ')
  assert.equal(remote.toString(), 'Migración segura y ordenada')
})

test('a remote edit before the caret moves the caret with the text', () => {
  const { textarea, remote } = setUp('Migración 🌎 ordenada')
  textarea.setSelectionRange(12, 12) // after the emoji
  remote.insert(0, '«')
  assert.equal(textarea.value, '«Migración 🌎 ordenada')
  assert.equal(textarea.selectionStart, 13)
  textarea.type('!')
  assert.equal(remote.toString(), '«Migración 🌎! ordenada')
})

test('remote edits wait for a composition to end, then both are kept', () => {
  const { textarea, ytext, remote } = setUp('Migracion')
  textarea.setSelectionRange(9, 9)
  textarea.dispatchEvent(new Event('compositionstart'))
  textarea.type('´', { silent: false })
  remote.insert(0, 'La ')
  assert.equal(textarea.value, 'Migracion´', 'the composition is left alone')
  textarea.setSelectionRange(9, 10)
  textarea.type('é')
  textarea.dispatchEvent(new Event('compositionend'))
  assert.equal(ytext.toString(), 'La Migracioné')
  assert.equal(remote.toString(), 'La Migracioné')
  assert.equal(textarea.value, 'La Migracioné')
  assert.equal(textarea.selectionStart, 13)
})

test('unbinding stops both directions', () => {
  const { textarea, remote, unbind } = setUp('texto')
  unbind()
  remote.insert(0, 'x')
  assert.equal(textarea.value, 'texto')
  textarea.type('y')
  assert.equal(remote.toString(), 'xtexto')
})
