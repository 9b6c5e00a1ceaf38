// The PPT's tools for one paragraph: its status (with a reason), lock and unlock.
import * as api from './api.js'
import { h } from './dom.js'
import { t } from './i18n.js'
import { explain } from './errors.js'

const STATUSES = ['open', 'bracketed', 'agreed_ad_ref', 'agreed']

export function chairSection (room, paragraphId, info) {
  const status = h('select', { class: 'field', id: 'chair-status' }, STATUSES.map((value) =>
    h('option', { value, selected: value === (info.status ?? 'open') }, t(`status.${value}`))))
  const reason = h('input', { class: 'field', id: 'chair-reason', type: 'text', autocomplete: 'off' })
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true })
  const run = async (work, done) => {
    error.hidden = true
    try {
      await work()
      reason.value = ''
      room.say(done)
    } catch (failure) {
      error.textContent = explain(failure)
      error.hidden = false
    }
  }
  const label = info.label || t('paragraph.this')
  const apply = h('button', { type: 'button', class: 'button-primary' }, t('chair.set_status'))
  apply.addEventListener('click', () => run(
    () => api.setStatus(room.documentId, paragraphId, status.value, reason.value.trim() || undefined),
    t('chair.status_set', { label, status: t(`status.${status.value}`) })))
  const lock = h('button', { type: 'button', class: 'button-quiet' }, info.locked ? t('chair.unlock') : t('chair.lock'))
  lock.addEventListener('click', () => run(
    () => (info.locked ? api.unlockParagraph : api.lockParagraph)(room.documentId, paragraphId, reason.value.trim() || undefined),
    info.locked ? t('chair.unlocked', { label }) : t('chair.locked', { label })))
  return h('section', { class: 'pane-section chair-tools', 'aria-labelledby': 'chair-heading' },
    h('h3', { id: 'chair-heading' }, t('chair.heading')),
    h('label', { for: 'chair-status' }, t('chair.status')), status,
    h('label', { for: 'chair-reason' }, t('chair.reason')), reason,
    h('div', { class: 'actions' }, apply, lock),
    h('p', { class: 'hint' }, t('chair.reason_hint')),
    error)
}
