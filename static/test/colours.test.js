import assert from 'node:assert/strict'
import test from 'node:test'
import { PALETTE_SIZE, colourClass, colourIndex } from '../src/colours.js'

test('a delegation has the same colour everywhere, within the palette', () => {
  for (const code of ['MEX', 'GTM', 'CAN', 'IOM', 'USA']) {
    assert.equal(colourIndex(code), colourIndex(code))
    assert.ok(colourIndex(code) >= 0 && colourIndex(code) < PALETTE_SIZE)
  }
  assert.equal(colourClass('MEX'), `person-${colourIndex('MEX')}`)
  assert.notEqual(colourIndex('MEX'), colourIndex('GTM'))
})
