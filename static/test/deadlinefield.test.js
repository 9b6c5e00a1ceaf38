import assert from 'node:assert/strict'
import test from 'node:test'
import { dateOrder, withOffset } from '../src/deadlinefield.js'

test('a Spanish reader writes the day before the month, a US reader the month first', () => {
  assert.deepEqual(dateOrder('es'), ['day', 'month', 'year'])
  assert.deepEqual(dateOrder('en'), ['month', 'day', 'year'])
  assert.deepEqual(dateOrder('en-GB'), ['day', 'month', 'year'])
})

test('a wall-clock deadline carries the offset of its moment', () => {
  const iso = withOffset({ year: 2015, month: 11, day: 13, hour: 18, minute: 5 })
  assert.match(iso, /^2015-11-13T18:05:00[+-]\d\d:\d\d$/)
  assert.equal(new Date(iso).getTime(), new Date(2015, 10, 13, 18, 5).getTime())
})
