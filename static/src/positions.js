// Positions on one paragraph: the delegation's draft (with its diff against the current text), what
// the head submits, revises or withdraws, every delegation's submitted stance, and for the PPT an
// amendment's preview against the text as it is now, then its incorporation.
import * as api from './api.js'
import { h } from './dom.js'
import { formatMoment, t } from './i18n.js'
import { explain } from './errors.js'
import { renderChanges } from './diffview.js'
import { wordDiff } from './worddiff.js'
import { canDraftPosition, canSubmitPosition, isChair } from './roles.js'

const STANCES = ['support', 'amend', 'oppose', 'reservation']
const AMENDMENTS = ['replace', 'delete', 'new_paragraph']

function errorLine () {
  return h('p', { class: 'form-error', role: 'alert', hidden: true })
}

async function attempt (error, work) {
  error.hidden = true
  try {
    await work()
  } catch (failure) {
    error.textContent = explain(failure)
    error.hidden = false
  }
}

function select (id, values, prefix, chosen) {
  return h('select', { class: 'field', id }, values.map((value) =>
    h('option', { value, selected: value === chosen }, t(`${prefix}.${value}`))))
}

/** A submitted version as people read it: stance, the change it proposes, why, who and when. */
export function versionSummary (version) {
  const stance = version.withdrawn ? 'withdrawn' : version.stance
  return h('div', { class: 'version' },
    h('p', { class: 'version-head' },
      h('span', { class: `badge stance stance-${stance}` }, t(`stance.${stance}`)),
      version.amendment ? h('span', { class: 'version-kind' }, t(`amendment.${version.amendment}`)) : null,
      version.incorporated ? h('span', { class: 'badge badge-status' }, t('position.incorporated')) : null),
    version.changes ? renderChanges(version.changes) : null,
    version.amendment === 'new_paragraph' ? h('p', { class: 'proposal', translate: 'no' }, version.proposed_text) : null,
    version.justification ? h('p', { class: 'justification', translate: 'no' }, version.justification) : null,
    h('p', { class: 'version-meta' }, t('position.submitted_by', {
      name: version.submitted_by.name, when: formatMoment(version.submitted_at), number: version.number
    })))
}

function draftForm (room, paragraphId, own, currentText) {
  const draft = own?.draft ?? null
  const submitted = own?.submitted ?? null
  const base = draft ?? (submitted && !submitted.withdrawn ? submitted : null)
  const stance = select('position-stance', STANCES, 'stance', base?.stance ?? 'support')
  const kind = select('position-amendment', AMENDMENTS, 'amendment', base?.amendment ?? 'replace')
  const text = h('textarea', { class: 'field field-text', id: 'position-text', rows: '5' })
  text.value = base?.proposed_text ?? currentText
  const justification = h('textarea', { class: 'field', id: 'position-justification', rows: '2' })
  justification.value = base?.justification ?? ''
  const preview = h('div', { class: 'diff-preview', 'aria-live': 'polite' })
  const amendFields = h('div', { class: 'amend-fields' },
    h('label', { for: 'position-amendment' }, t('position.amendment')), kind,
    h('label', { for: 'position-text', class: 'text-label' }, t('position.proposed_text')), text,
    h('p', { class: 'subheading' }, t('position.diff_heading')), preview)
  const sync = () => {
    const amending = stance.value === 'amend'
    amendFields.hidden = !amending
    const needsText = kind.value !== 'delete'
    text.hidden = !needsText
    amendFields.querySelector('.text-label').hidden = !needsText
    if (amending && kind.value === 'replace') preview.replaceChildren(renderChanges(wordDiff(currentText, text.value)))
    else if (amending && kind.value === 'delete') preview.replaceChildren(renderChanges([{ op: 'delete', text: currentText }]))
    else if (amending) preview.replaceChildren(renderChanges([{ op: 'insert', text: text.value }]))
  }
  for (const el of [stance, kind]) el.addEventListener('change', sync)
  text.addEventListener('input', sync)
  sync()
  const proposal = () => {
    const body = { stance: stance.value, justification: justification.value }
    if (stance.value === 'amend') {
      body.amendment = kind.value
      if (kind.value !== 'delete') body.text = text.value
    }
    return body
  }
  const error = errorLine()
  const buttons = []
  const save = h('button', { type: 'button', class: 'button-quiet' }, t('position.save_draft'))
  save.addEventListener('click', () => attempt(error, async () => {
    await api.saveDraftPosition(room.documentId, paragraphId, proposal())
    room.say(t('position.draft_saved'))
    await room.reloadPositions()
  }))
  buttons.push(save)
  if (canSubmitPosition(room.me)) {
    const latest = own?.latest_version ?? 0
    const submit = h('button', { type: 'button', class: 'button-primary' },
      latest > 0 && !submitted?.withdrawn ? t('position.revise') : t('position.submit'))
    submit.addEventListener('click', () => attempt(error, async () => {
      await api.submitPosition(room.documentId, paragraphId, { revises: latest, ...proposal() })
      room.say(t('position.submitted'))
      await room.reloadPositions()
    }))
    buttons.push(submit)
    if (submitted && !submitted.withdrawn) {
      const withdraw = h('button', { type: 'button', class: 'button-danger' }, t('position.withdraw'))
      withdraw.addEventListener('click', () => attempt(error, async () => {
        await api.withdrawPosition(room.documentId, paragraphId, latest)
        room.say(t('position.withdrawn'))
        await room.reloadPositions()
      }))
      buttons.push(withdraw)
    }
  }
  return h('form', { class: 'position-form', 'aria-labelledby': 'own-position-heading' },
    h('h4', { id: 'own-position-heading' }, t('position.own', { delegation: room.me.delegation })),
    draft ? h('p', { class: 'hint' }, t('position.draft_from', { when: formatMoment(draft.updated_at) })) : null,
    submitted ? versionSummary(submitted) : null,
    submitted && isChair(room.me) && submitted.stance === 'amend' && !submitted.incorporated ? incorporationPanel(room, submitted) : null,
    h('label', { for: 'position-stance' }, t('position.stance')), stance,
    amendFields,
    h('label', { for: 'position-justification' }, t('position.justification')), justification,
    h('div', { class: 'actions' }, buttons),
    canSubmitPosition(room.me) ? null : h('p', { class: 'hint' }, t('position.head_submits')),
    error)
}

/** The PPT's preview of an amendment against the current text, then its incorporation. */
export function incorporationPanel (room, version) {
  const out = h('div', { class: 'incorporation', 'aria-live': 'polite' })
  const error = errorLine()
  const previewButton = h('button', { type: 'button', class: 'button-quiet' }, t('incorporation.preview'))
  previewButton.addEventListener('click', () => attempt(error, async () => {
    const preview = await api.previewIncorporation(room.documentId, version.id)
    const parts = [h('p', { class: preview.clean ? 'clean' : 'conflict' },
      preview.clean ? t('incorporation.clean') : t('incorporation.conflict'))]
    if (preview.locked) parts.push(h('p', { class: 'conflict' }, t('incorporation.locked')))
    if (preview.changes) parts.push(renderChanges(preview.changes))
    if (!preview.clean) {
      parts.push(h('ul', { class: 'hunks' }, (preview.hunks ?? []).filter((hunk) => !hunk.applied).map((hunk) =>
        h('li', {}, t('incorporation.hunk', { expected: hunk.expected, replacement: hunk.replacement })))))
    }
    if (preview.kind === 'delete') parts.push(renderChanges([{ op: 'delete', text: preview.current }]))
    if (preview.new_paragraph) parts.push(renderChanges([{ op: 'insert', text: preview.new_paragraph }]))
    if (preview.clean && !preview.locked) {
      const go = h('button', { type: 'button', class: 'button-primary' }, t('incorporation.commit'))
      go.addEventListener('click', () => attempt(error, async () => {
        await api.incorporate(room.documentId, version.id)
        room.say(t('incorporation.done', { delegation: version.delegation }))
        await room.reloadPositions()
      }))
      parts.push(h('div', { class: 'actions' }, go))
    }
    out.replaceChildren(...parts)
  }))
  return h('div', { class: 'incorporation-box' }, h('div', { class: 'actions' }, previewButton), out, error)
}

/** The positions section of the review pane for `paragraphId`. */
export function positionsSection (room, paragraphId, currentText) {
  const here = room.positions.filter((p) => p.paragraph_id === paragraphId)
  const own = here.find((p) => p.delegation === room.me.delegation) ?? null
  const others = here.filter((p) => p.submitted && p !== own && !(p.submitted.withdrawn))
  const mayDraft = canDraftPosition(room.me) && room.documentInfo()?.status !== 'adopted'
  return h('section', { class: 'pane-section', 'aria-labelledby': 'positions-heading' },
    h('h3', { id: 'positions-heading' }, t('position.heading')),
    mayDraft ? draftForm(room, paragraphId, own, currentText) : (own?.submitted ? versionSummary(own.submitted) : null),
    others.length > 0
      ? h('ul', { class: 'others-positions' }, others.map((p) => h('li', { class: 'other-position' },
        h('h4', {}, p.delegation),
        versionSummary(p.submitted),
        isChair(room.me) && p.submitted.stance === 'amend' && !p.submitted.incorporated ? incorporationPanel(room, p.submitted) : null)))
      : h('p', { class: 'hint' }, t('position.none_submitted')))
}
