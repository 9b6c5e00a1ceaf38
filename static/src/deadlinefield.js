// A deadline as the reader writes dates: day, month and year in their language's order (13 noviembre 2015,
// November 13 2015), the month by name, the time on a 24-hour clock, in the browser's time zone, which the
// legend names. Not <input type="datetime-local">: Chromium lays that out in the browser's own locale, so a
// Spanish reader on an English browser met month/day order.
import { h } from './dom.js'
import { currentLanguage, t } from './i18n.js'

/** "day", "month" and "year" in the order `language` writes a date. */
export function dateOrder (language) {
  const parts = new Intl.DateTimeFormat(language, { day: 'numeric', month: 'long', year: 'numeric' })
    .formatToParts(new Date(Date.UTC(2015, 10, 13, 12)))
  return parts.map((part) => part.type).filter((type) => type === 'day' || type === 'month' || type === 'year')
}

/** Local wall-clock fields as ISO 8601 with this browser's offset then ("2015-11-13T18:00:00-06:00"). */
export function withOffset ({ year, month, day, hour, minute }) {
  const date = new Date(year, month - 1, day, hour, minute)
  const pad = (n, width = 2) => String(Math.floor(Math.abs(n))).padStart(width, '0')
  const offset = -date.getTimezoneOffset()
  return `${pad(date.getFullYear(), 4)}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}:00` +
    `${offset >= 0 ? '+' : '-'}${pad(offset / 60)}:${pad(offset % 60)}`
}

/** The fieldset, and value(): the ISO deadline, or null when a field is not a real date or time. */
export function deadlineField (id, hoursAhead) {
  const language = currentLanguage()
  const start = new Date(Date.now() + hoursAhead * 3600 * 1000)
  start.setMinutes(0, 0, 0)
  const number = (name, value, min, max, width) => h('input', {
    class: 'field field-number', id: `${id}-${name}`, type: 'number', inputmode: 'numeric', min, max, required: true, value, 'data-width': width
  })
  const months = new Intl.DateTimeFormat(language, { month: 'long' })
  const month = h('select', { class: 'field', id: `${id}-month` }, Array.from({ length: 12 }, (_, i) =>
    h('option', { value: i + 1, selected: i === start.getMonth() }, months.format(new Date(2015, i, 1)))))
  const controls = {
    day: number('day', start.getDate(), 1, 31, 2),
    month,
    year: number('year', start.getFullYear(), 2000, 2200, 4)
  }
  const hour = number('hour', String(start.getHours()).padStart(2, '0'), 0, 23, 2)
  const minute = number('minute', '00', 0, 59, 2)
  const part = (name, control) => h('span', { class: 'deadline-part' }, h('label', { for: control.id }, t(`deadline.${name}`)), control)
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone
  const el = h('fieldset', { class: 'deadline-field', id },
    h('legend', {}, t('console.deadline', { zone })),
    h('span', { class: 'deadline-row' }, dateOrder(language).map((name) => part(name, controls[name]))),
    h('span', { class: 'deadline-row' }, part('hour', hour), part('minute', minute)))
  const value = () => {
    const fields = {
      year: Number(controls.year.value), month: Number(month.value), day: Number(controls.day.value),
      hour: Number(hour.value), minute: Number(minute.value)
    }
    const date = new Date(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute)
    const real = Object.values(fields).every(Number.isInteger) && date.getDate() === fields.day &&
      date.getMonth() === fields.month - 1 && fields.hour <= 23 && fields.minute <= 59 && hour.value !== '' && minute.value !== ''
    return real ? withOffset(fields) : null
  }
  return { el, value }
}
