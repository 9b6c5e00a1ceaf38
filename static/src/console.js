// The chair's console (the PPT): the document-wide acts — comments open to observers, the silence
// procedure with its deadline, adoption — above the consensus matrix.
import * as api from './api.js'
import { h } from './dom.js'
import { t } from './i18n.js'
import { explain } from './errors.js'
import { deadlineText } from './silence.js'
import { renderMatrix } from './matrix.js'
import { versionsAsIs } from './bilingual.js'
import { deadlineField } from './deadlinefield.js'

export function renderConsole (container, room) {
  const info = room.documentInfo()
  const status = info?.status ?? 'draft'
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true })
  const run = async (work, done) => {
    error.hidden = true
    try {
      await work()
      if (done) room.say(done)
    } catch (failure) {
      error.textContent = explain(failure)
      error.hidden = false
    }
  }
  const observers = h('input', { type: 'checkbox', id: 'observers-may-comment', checked: room.observersMayComment })
  observers.addEventListener('change', () => run(async () => {
    await api.setObserversMayComment(room.documentId, observers.checked)
    room.observersMayComment = observers.checked
  }, observers.checked ? t('console.observers_opened') : t('console.observers_closed')))

  const acts = []
  if (status === 'draft') {
    const deadline = deadlineField('silence-deadline', 72)
    const start = h('button', { type: 'button', class: 'button-primary' }, t('console.start_silence'))
    start.addEventListener('click', () => {
      const chosen = deadline.value()
      if (chosen === null) {
        error.textContent = t('deadline.invalid')
        error.hidden = false
        return
      }
      run(() => api.startSilence(room.documentId, chosen), t('console.silence_started'))
    })
    acts.push(h('div', { class: 'console-block' },
      h('h3', {}, t('console.silence')),
      h('p', { class: 'hint' }, t('console.silence_hint')),
      deadline.el,
      h('div', { class: 'actions' }, start)))
    const adopt = h('button', { type: 'button', class: 'button-danger' }, t('console.adopt'))
    const confirm = h('dialog', { class: 'confirm-dialog', 'aria-labelledby': 'adopt-title' })
    const yes = h('button', { type: 'button', class: 'button-danger' }, t('console.adopt_confirm'))
    const no = h('button', { type: 'button', class: 'button-quiet' }, t('dialog.cancel'))
    const asIs = versionsAsIs(room.ydoc) // the PPT's decision to adopt a language version as it is
    confirm.append(h('h2', { id: 'adopt-title' }, t('console.adopt_title')), h('p', {}, t('console.adopt_warning')), asIs.el, h('div', { class: 'actions' }, no, yes))
    no.addEventListener('click', () => confirm.close())
    yes.addEventListener('click', () => { confirm.close(); run(() => api.adopt(room.documentId, asIs.chosen()), t('console.adopted')) })
    adopt.addEventListener('click', () => confirm.showModal())
    acts.push(h('div', { class: 'console-block' }, h('h3', {}, t('console.adoption')), h('p', { class: 'hint' }, t('console.adoption_hint')), h('div', { class: 'actions' }, adopt), confirm))
  } else if (status === 'under_silence') {
    const cancel = h('button', { type: 'button', class: 'button-quiet' }, t('console.cancel_silence'))
    cancel.addEventListener('click', () => run(() => api.cancelSilence(room.documentId), t('console.silence_cancelled')))
    acts.push(h('div', { class: 'console-block' }, h('h3', {}, t('console.silence')),
      room.silenceRecord?.deadline ? h('p', {}, deadlineText(room.silenceRecord.deadline)) : null,
      h('div', { class: 'actions' }, cancel)))
  } else {
    acts.push(h('div', { class: 'console-block' }, h('h3', {}, t('console.adoption')), h('p', {}, t('adopted.body'))))
  }
  const matrix = h('div', { class: 'matrix-box' })
  container.replaceChildren(
    h('div', { class: 'console-grid' },
      h('div', { class: 'console-block' },
        h('h3', {}, t('console.comments')),
        h('p', { class: 'check' }, observers, h('label', { for: 'observers-may-comment' }, t('console.observers_may_comment')))),
      ...acts),
    error,
    h('h2', { class: 'section-title' }, t('matrix.title')),
    matrix)
  return renderMatrix(matrix, room)
}
