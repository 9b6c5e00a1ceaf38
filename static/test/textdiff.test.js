// node --test: the pure helpers behind the textarea ↔ Y.Text binding.
import assert from 'node:assert/strict'
import test from 'node:test'
import { diffStrings, transformIndex } from '../src/textdiff.js'

const apply = (text, change) =>
  change === null ? text : text.slice(0, change.index) + change.insert + text.slice(change.index + change.remove)

const cutsPair = (text, index) => /[\ud800-\udbff]/.test(text.charAt(index - 1)) && /[\udc00-\udfff]/.test(text.charAt(index))

test('a change turns the old text into the new one', () => {
  const pairs = [['', 'a'], ['abc', 'abXc'], ['Migración', 'Migraciones'], ['a🌎b', 'a🌍b'], ['🌎', ''],
    ['x🌎', 'x🌎🌎'], ['🌎🌎', '🌎'], ['aaa', 'aa'], ['ab', 'ba'], ['segura', 'ordenada y regular']]
  for (const [before, after] of pairs) {
    for (let caret = 0; caret <= after.length; caret++) {
      const change = diffStrings(before, after, caret)
      assert.equal(apply(before, change), after, `${before} → ${after}, caret ${caret}`)
      assert.ok(!cutsPair(before, change.index), `cuts an emoji: ${before} → ${after}`)
      assert.ok(!cutsPair(before, change.index + change.remove), `cuts an emoji: ${before} → ${after}`)
    }
  }
})

test('equal texts need no change', () => {
  assert.equal(diffStrings('igual', 'igual', 2), null)
})

test('the change is minimal', () => {
  assert.deepEqual(diffStrings('abc', 'abXc', 3), { index: 2, remove: 0, insert: 'X' })
  assert.deepEqual(diffStrings('Migracion', 'Migración', 8), { index: 7, remove: 1, insert: 'ó' })
})

test('an emoji is replaced whole, not half of its surrogate pair', () => {
  assert.deepEqual(diffStrings('a🌎b', 'a🌍b', 3), { index: 1, remove: 2, insert: '🌍' })
})

test('the caret settles which of equal letters was typed', () => {
  // typed "a" between "M" and "a": the new letter is the one before the caret
  assert.deepEqual(diffStrings('Ma', 'Maa', 2), { index: 1, remove: 0, insert: 'a' })
  assert.deepEqual(diffStrings('Ma', 'Maa', 3), { index: 2, remove: 0, insert: 'a' })
  // backspace on the first of "aaa"
  assert.deepEqual(diffStrings('aaa', 'aa', 0), { index: 0, remove: 1, insert: '' })
})

test('a caret keeps its place through remote changes', () => {
  assert.equal(transformIndex(5, [{ retain: 4 }, { insert: 'xy' }]), 7, 'insert before it pushes it')
  assert.equal(transformIndex(5, [{ retain: 5 }, { insert: 'xy' }]), 5, 'insert at it leaves it')
  assert.equal(transformIndex(5, [{ retain: 6 }, { insert: 'xy' }]), 5, 'insert after it leaves it')
  assert.equal(transformIndex(5, [{ retain: 2 }, { delete: 2 }]), 3, 'delete before it pulls it')
  assert.equal(transformIndex(5, [{ retain: 3 }, { delete: 5 }]), 3, 'delete around it clamps it')
  assert.equal(transformIndex(5, [{ retain: 5 }, { delete: 5 }]), 5, 'delete after it leaves it')
  assert.equal(transformIndex(5, [{ delete: 1 }, { insert: 'abc' }]), 7, 'replace before it')
  assert.equal(transformIndex(0, [{ insert: 'ab' }]), 0)
})
