import assert from 'node:assert/strict'
import test from 'node:test'
import { bracketRanges, countBrackets } from '../src/brackets.js'

test('brackets nest and are counted', () => {
  const text = 'To [promote [safe] and orderly] migration [and 🌎 return]'
  assert.equal(countBrackets(text), 3)
  const ranges = bracketRanges(text)
  assert.deepEqual(ranges.map((r) => [text.slice(r.from, r.to), r.depth]), [
    ['[promote [safe] and orderly]', 1], ['[safe]', 2], ['[and 🌎 return]', 1]
  ])
})

test('an unclosed bracket runs to the end; a stray closing one is ignored', () => {
  assert.deepEqual(bracketRanges('a ] b [c'), [{ from: 6, to: 8, depth: 1, unclosed: true }])
  assert.equal(countBrackets('no brackets'), 0)
})
