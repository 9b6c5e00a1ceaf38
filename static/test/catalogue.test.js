// node --test: both catalogues hold the same keys with the same parameters, and every key the code
// names literally exists. A missing or extra key in either language fails here.
import assert from 'node:assert/strict'
import test from 'node:test'
import { readFileSync, readdirSync } from 'node:fs'
import en from '../src/messages/en.js'
import es from '../src/messages/es.js'

const params = (text) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort()
const source = (dir) => readdirSync(new URL(dir, import.meta.url)).filter((f) => f.endsWith('.js') || f.endsWith('.html'))
  .map((f) => readFileSync(new URL(dir + f, import.meta.url), 'utf8')).join('\n')

test('English and Spanish have exactly the same keys', () => {
  assert.deepEqual(Object.keys(es).filter((k) => !(k in en)), [], 'in es.js only')
  assert.deepEqual(Object.keys(en).filter((k) => !(k in es)), [], 'in en.js only')
})

test('a message takes the same parameters in both languages', () => {
  for (const key of Object.keys(en)) assert.deepEqual(params(es[key]), params(en[key]), key)
})

test('every key the code and the pages name exists', () => {
  const code = source('../src/') + source('../')
  const named = new Set([
    ...[...code.matchAll(/\b(?:t|plural)\(\s*'([\w.]+)'/g)].map((m) => m[1]),
    ...[...code.matchAll(/data-i18n(?:-label|-title)?="([\w.]+)"/g)].map((m) => m[1])
  ])
  for (const key of named) {
    const forms = [key, `${key}.one`, `${key}.other`]
    assert.ok(forms.some((form) => form in en), `${key} is missing from the catalogues`)
  }
  assert.ok(named.size > 100, `only ${named.size} keys found: the scan is broken`)
})

test('every value of an enum the server sends has its words', () => {
  const families = {
    status: ['open', 'bracketed', 'agreed_ad_ref', 'agreed'],
    document_status: ['draft', 'under_silence', 'adopted'],
    kind: ['heading', 'preambular', 'operative'],
    stance: ['support', 'amend', 'oppose', 'reservation', 'none'],
    'stance.short': ['support', 'amend', 'oppose', 'reservation', 'none'],
    amendment: ['replace', 'delete', 'new_paragraph'],
    role: ['delegate', 'head', 'ppt', 'secretariat', 'observer', 'admin'],
    'comments.visibility': ['participants', 'delegation'],
    'error.status': ['400', '401', '403', '404', '409', '413', '422', '429', '500', '503']
  }
  for (const [family, values] of Object.entries(families)) {
    for (const value of values) assert.ok(`${family}.${value}` in en, `${family}.${value}`)
  }
})
