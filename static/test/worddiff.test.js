import assert from 'node:assert/strict'
import test from 'node:test'
import { wordDiff } from '../src/worddiff.js'

const before = (changes) => changes.filter((c) => c.op !== 'insert').map((c) => c.text).join('')
const after = (changes) => changes.filter((c) => c.op !== 'delete').map((c) => c.text).join('')

test('a word diff rebuilds both texts and marks only what changed', () => {
  const a = 'Migración segura y ordenada 🌎.'
  const b = 'Migración segura, ordenada y regular 🌎.'
  const changes = wordDiff(a, b)
  assert.equal(before(changes), a)
  assert.equal(after(changes), b)
  assert.ok(changes.some((c) => c.op === 'insert' && c.text.includes('regular')))
})

test('equal texts are one equal run', () => {
  assert.deepEqual(wordDiff('igual', 'igual'), [{ op: 'equal', text: 'igual' }])
  assert.deepEqual(wordDiff('', 'nuevo'), [{ op: 'insert', text: 'nuevo' }])
})
