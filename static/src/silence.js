// The silence procedure as everyone sees it: the deadline in the reader's time and in its own zone,
// a countdown, and for heads of delegation the form that breaks silence on named paragraphs.
import * as api from './api.js'
import { h } from './dom.js'
import { formatMoment, formatRemaining, ownWallClock, t, zoneOf } from './i18n.js'
import { explain } from './errors.js'
import { canBreakSilence } from './roles.js'

export function deadlineText (iso) {
  return t('silence.deadline', { local: formatMoment(iso, { withWeekday: true }), own: ownWallClock(iso), zone: zoneOf(iso) })
}

/** The banner under the document title; returns {el, tick()} — tick() updates the countdown. */
export function silenceBanner (room) {
  const info = room.documentInfo()
  const silence = room.silenceRecord
  if (info?.status === 'adopted') {
    return {
      el: h('div', { class: 'banner banner-adopted', role: 'note' },
        h('strong', {}, t('adopted.title')), ' ', t('adopted.body'),
        room.adoptedHash ? h('span', { class: 'hash' }, t('adopted.hash', { hash: room.adoptedHash })) : null),
      tick () {}
    }
  }
  if (info?.status !== 'under_silence') return { el: null, tick () {} }
  const countdown = h('span', { class: 'countdown', 'aria-live': 'off' })
  const tick = () => {
    if (silence?.deadline) countdown.textContent = t('silence.remaining', { remaining: formatRemaining(silence.deadline) })
  }
  tick()
  const parts = [h('strong', {}, t('silence.title')), ' ',
    silence?.deadline ? deadlineText(silence.deadline) : t('silence.no_deadline'), ' ', countdown]
  const banner = h('div', { class: 'banner banner-silence', role: 'note' }, h('p', {}, parts))
  if (canBreakSilence(room.me)) banner.append(breakSilenceForm(room))
  return { el: banner, tick }
}

function breakSilenceForm (room) {
  const paragraphs = room.draft?.summary().paragraphs.filter((p) => p.kind !== 'heading') ?? []
  const boxes = paragraphs.map((p) => {
    const id = `break-${p.id}`
    return h('li', {}, h('input', { type: 'checkbox', id, value: p.id }), h('label', { for: id }, p.label || p.id))
  })
  const reason = h('textarea', { class: 'field', id: 'break-reason', rows: '2', required: true })
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true })
  const form = h('form', { class: 'break-silence' },
    h('fieldset', {}, h('legend', {}, t('silence.break_which')), h('ul', { class: 'checklist' }, boxes)),
    h('label', { for: 'break-reason' }, t('silence.break_reason')), reason,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button-danger' }, t('silence.break'))),
    error)
  const details = h('details', { class: 'break-silence-box' }, h('summary', {}, t('silence.break_open')), form)
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const named = [...form.querySelectorAll('input[type=checkbox]:checked')].map((box) => box.value)
    error.hidden = true
    if (named.length === 0) {
      error.textContent = t('silence.break_none')
      error.hidden = false
      return
    }
    try {
      await api.breakSilence(room.documentId, named, reason.value.trim())
    } catch (failure) {
      error.textContent = explain(failure)
      error.hidden = false
    }
  })
  return details
}
