// Every string a person reads comes from a message catalogue (messages/en.js, messages/es.js).
// t(key, params) looks it up in the reader's language; the choice is remembered in localStorage.
// Static pages mark their strings with data-i18n (text), data-i18n-label (aria-label) and
// data-i18n-title (title); translatePage fills them.
import en from './messages/en.js'
import es from './messages/es.js'

export const CATALOGUES = { en, es }
export const LANGUAGES = ['en', 'es']
const STORAGE_KEY = 'consenso.language'

let language = chosenLanguage()
const listeners = new Set()

function chosenLanguage () {
  let stored = null
  try { stored = globalThis.localStorage?.getItem(STORAGE_KEY) } catch { stored = null }
  if (LANGUAGES.includes(stored)) return stored
  const preferred = (globalThis.navigator?.languages ?? []).map((tag) => tag.slice(0, 2))
  return preferred.find((tag) => LANGUAGES.includes(tag)) ?? 'en'
}

export const currentLanguage = () => language

export function setLanguage (next) {
  if (!LANGUAGES.includes(next) || next === language) return
  language = next
  try { globalThis.localStorage?.setItem(STORAGE_KEY, next) } catch { /* private mode: not remembered */ }
  for (const listener of listeners) listener(next)
}

/** Calls `listener(language)` on every change of language; returns a function that stops it. */
export function onLanguage (listener) {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

export function has (key) {
  return Object.hasOwn(CATALOGUES[language], key)
}

export function t (key, params = {}) {
  const catalogue = CATALOGUES[language]
  let text = catalogue[key]
  if (text === undefined) {
    console.error(`message ${key} is missing from the ${language} catalogue`)
    text = CATALOGUES.en[key] ?? key
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => (params[name] ?? whole))
}

/** `key.one` / `key.other` by the language's plural rules, with {count} among the params. */
export function plural (key, count, params = {}) {
  const form = new Intl.PluralRules(language).select(count)
  const chosen = has(`${key}.${form}`) ? `${key}.${form}` : `${key}.other`
  return t(chosen, { ...params, count: formatNumber(count) })
}

export const formatNumber = (n) => new Intl.NumberFormat(language).format(n)

/** A moment in the reader's locale and time zone, with the zone named. */
export function formatMoment (iso, { withWeekday = false } = {}) {
  const date = new Date(iso)
  if (Number.isNaN(date.getTime())) return String(iso ?? '')
  return new Intl.DateTimeFormat(language, {
    weekday: withWeekday ? 'long' : undefined,
    year: 'numeric',
    month: 'long',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short'
  }).format(date)
}

/** The zone a timestamp was written in, from its ISO offset: "UTC", "UTC−06:00". */
export function zoneOf (iso) {
  const match = /([+-])(\d\d):?(\d\d)$|Z$/.exec(String(iso ?? ''))
  if (match === null) return ''
  if (match[0] === 'Z' || (match[2] === '00' && match[3] === '00')) return 'UTC'
  return `UTC${match[1] === '-' ? '−' : '+'}${match[2]}:${match[3]}`
}

/** The wall-clock time of `iso` in its own zone: "13/11/2015 18:00". */
export function ownWallClock (iso) {
  const match = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d)/.exec(String(iso ?? ''))
  if (match === null) return ''
  const [, year, month, day, hour, minute] = match
  const date = new Date(Date.UTC(+year, +month - 1, +day, +hour, +minute))
  return new Intl.DateTimeFormat(language, {
    year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'UTC'
  }).format(date)
}

/** What is left until `iso`: "2 days, 3 hours, 12 minutes" in the reader's language. */
export function formatRemaining (iso, now = Date.now()) {
  let seconds = Math.max(0, Math.floor((new Date(iso).getTime() - now) / 1000))
  const days = Math.floor(seconds / 86400)
  seconds -= days * 86400
  const hours = Math.floor(seconds / 3600)
  seconds -= hours * 3600
  const minutes = Math.floor(seconds / 60)
  seconds -= minutes * 60
  const parts = []
  const unit = (value, name) => new Intl.NumberFormat(language, { style: 'unit', unit: name, unitDisplay: 'long' }).format(value)
  if (days > 0) parts.push(unit(days, 'day'))
  if (days > 0 || hours > 0) parts.push(unit(hours, 'hour'))
  parts.push(unit(minutes, 'minute'))
  if (days === 0 && hours === 0) parts.push(unit(seconds, 'second'))
  return new Intl.ListFormat(language, { style: 'long', type: 'unit' }).format(parts)
}

export function translatePage (root = document) {
  document.documentElement.lang = language
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n)
  for (const el of root.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel))
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle)
}
