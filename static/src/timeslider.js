// The time slider: the document as it was after any update of its log, with who wrote each part of it
// coloured by delegation (like Etherpad's author colours), and the named revisions as marks to jump to.
import * as api from './api.js'
import { h } from './dom.js'
import { formatMoment, formatNumber, t } from './i18n.js'
import { explain, loadInto } from './errors.js'
import { colourClass } from './colours.js'
import { revisionName } from './revisionnames.js'

function who (moment, delegations) {
  const code = moment.delegation_id !== null ? delegations[String(moment.delegation_id)] : null
  if (moment.origin === null) return code ?? t('memory.slider.someone')
  const act = t(`memory.origin.${moment.origin}`)
  return code ? `${act} · ${code}` : act
}

/** One paragraph's text cut into its authors' spans (UTF-16 offsets, as JavaScript strings count). */
function authored (paragraph, spans, delegations) {
  const mine = spans.filter((s) => s.paragraph_id === paragraph.id).sort((a, b) => a.start - b.start)
  const parts = []
  let at = 0
  for (const span of mine) {
    if (span.start > at) parts.push(paragraph.text.slice(at, span.start))
    const code = span.delegation_id !== null ? delegations[String(span.delegation_id)] : null
    const text = paragraph.text.slice(span.start, span.end)
    parts.push(code
      ? h('span', { class: `authored ${colourClass(code)}`, title: t('memory.slider.written_by', { delegation: code }) }, text)
      : text)
    at = Math.max(at, span.end)
  }
  if (at < paragraph.text.length) parts.push(paragraph.text.slice(at))
  return parts
}

function legend (state, delegations) {
  const total = Object.values(state.by_delegation).reduce((a, b) => a + b, 0) || 1
  return h('ul', { class: 'authorship-legend', 'aria-label': t('memory.slider.legend') },
    Object.entries(state.by_delegation).sort((a, b) => b[1] - a[1]).map(([key, units]) => {
      const code = key === 'server' ? null : delegations[key]
      return h('li', { class: code ? colourClass(code) : 'person-none' },
        h('span', { class: 'swatch', 'aria-hidden': 'true' }),
        t('memory.slider.share', { who: code ?? t('memory.slider.unattributed'), percent: formatNumber(Math.round(100 * units / total)) }))
    }))
}

function renderState (target, state, colouring = false) {
  const delegations = state.delegations
  target.replaceChildren(
    colouring ? h('p', { class: 'authorship-pending' }, t('memory.slider.colouring')) : legend(state, delegations),
    h('ol', { class: 'history-text' }, state.text.paragraphs.map((p) =>
      h('li', { class: 'history-paragraph', 'data-kind': p.kind },
        h('span', { class: 'paragraph-label' }, p.label || t(`kind.${p.kind}`)),
        p.status !== 'open' ? h('span', { class: 'badge badge-status', 'data-status': p.status }, t(`status.${p.status}`)) : null,
        h('p', { class: 'history-words', translate: 'no' }, authored(p, state.authorship, delegations))))))
}

export async function renderTimeSlider (container, room) {
  // Only the log's length: each state the slider shows comes with its own moment and sender.
  const loaded = await loadInto(container, () => Promise.all([api.timeline(room.documentId, 0, 1), api.listRevisions(room.documentId)]))
  if (loaded === null) return
  const [ticks, revisions] = loaded
  if (ticks.moments.length === 0) return container.replaceChildren(h('p', {}, t('memory.slider.empty')))
  const slider = h('input', {
    type: 'range', id: 'time-slider', min: '1', max: String(ticks.last_seq), value: String(ticks.last_seq), step: '1'
  })
  const where = h('p', { class: 'slider-where', id: 'slider-where', 'aria-live': 'polite' })
  const text = h('div', { class: 'history-state' })
  let delegations = {}
  let asked = 0
  // The text first (quick on a long history), then who wrote each part of it; a newer move wins.
  async function show (seq, fetch = () => api.documentAt(room.documentId, seq, 'without')) {
    const ticket = ++asked
    const state = await loadInto(text, fetch)
    if (state === null || ticket !== asked) return
    seq = state.seq
    slider.value = String(seq)
    delegations = state.delegations
    where.textContent = t('memory.slider.where', {
      seq: formatNumber(seq), last: formatNumber(ticks.last_seq), at: formatMoment(state.moment.at), who: who(state.moment, delegations)
    })
    slider.setAttribute('aria-valuetext', where.textContent)
    renderState(text, state, true)
    text.setAttribute('aria-busy', 'true')
    let authored = null
    let failure = null
    try {
      authored = await api.documentAt(room.documentId, seq, 'with')
    } catch (error) {
      failure = error
    }
    if (ticket !== asked) return
    text.removeAttribute('aria-busy')
    if (authored !== null) return renderState(text, authored)
    // The text stays; only the colours could not be had, and the reader is told why.
    text.querySelector('.authorship-pending')?.replaceWith(h('p', { class: 'form-error', role: 'alert' }, explain(failure)))
  }
  let timer = null
  slider.addEventListener('input', () => {
    clearTimeout(timer)
    timer = setTimeout(() => show(Number(slider.value)), 120)
  })
  const marks = h('ul', { class: 'revision-marks', 'aria-label': t('memory.slider.revisions') },
    revisions.map((r) => {
      const jump = h('button', { type: 'button', class: 'button-secondary' }, t('memory.slider.go_to', { name: revisionName(r.name) }))
      jump.addEventListener('click', () => { slider.value = String(r.seq); show(r.seq) })
      return h('li', {}, jump)
    }))
  // A moment by the reader's clock: the text as it was then (the last change at or before it).
  const when = h('input', { type: 'datetime-local', id: 'slider-moment', step: '1' })
  const go = h('button', { type: 'submit', class: 'button-secondary' }, t('memory.slider.go_moment'))
  const byMoment = h('form', { class: 'slider-moment' },
    h('label', { for: 'slider-moment' }, t('memory.slider.moment')), ' ', when, ' ', go)
  byMoment.addEventListener('submit', (event) => {
    event.preventDefault()
    if (!when.value) return
    const at = new Date(when.value).toISOString()
    show(null, () => api.documentAtMoment(room.documentId, at, 'without'))
  })
  container.replaceChildren(
    h('p', { class: 'slider-hint' }, t('memory.slider.hint')),
    h('label', { for: 'time-slider', class: 'slider-label' }, t('memory.slider.label')),
    slider, where, byMoment, revisions.length ? marks : null, text)
  await show(ticks.last_seq)
}
