// The Secretariat's negotiations: each with its chair, who takes part and its documents; a new document
// in one (empty, or imported from a .docx or .txt draft); admitting a delegation; a new negotiation.
import * as api from './api.js'
import { h } from './dom.js'
import { LANGUAGES, currentLanguage, plural, t } from './i18n.js'
import { loadInto } from './errors.js'
import { documentItem } from './documents.js'
import { delegationOptions, field, input, noticeLine, redrawer, run, select, statusLine } from './forms.js'

const DOCUMENT_KINDS = ['declaration', 'plan_of_action']

function kindOptions () {
  return DOCUMENT_KINDS.map((kind) => [kind, t(`document_kind.${kind}`)])
}

function newDocumentForm (negotiation, context, redraw) {
  const id = (name) => `n${negotiation.id}-${name}`
  const title = input(id('title'), { required: true, maxlength: 300, autocomplete: 'off' })
  const kind = select(id('kind'), kindOptions())
  // Each language by its own name, as the language switch names it.
  const language = select(id('language'), LANGUAGES.map((code) => [code, t(`secretariat.document.language.${code}`)]), currentLanguage(),
    { 'aria-describedby': `${id('language')}-hint` })
  const file = input(id('file'), { type: 'file', accept: `.docx,.txt,${api.DOCX},text/plain`, 'aria-describedby': `${id('file')}-hint` })
  const status = statusLine()
  const form = h('form', { class: 'register-form', 'data-form': 'new-document' },
    field(t('secretariat.document.title'), title),
    field(t('secretariat.document.kind'), kind),
    field(t('secretariat.document.language'), language, t('secretariat.document.language_hint')),
    field(t('secretariat.document.file'), file, t('secretariat.document.file_hint')),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button-primary' }, t('secretariat.document.create'))),
    status)
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const chosen = file.files?.[0]
    const body = { title: title.value.trim(), kind: kind.value, source_language: language.value }
    const created = await run(status, () => chosen ? api.importDocument(negotiation.id, body, chosen) : api.createDocument(negotiation.id, body))
    if (created) {
      await context.reloadDocuments()
      redraw(t('secretariat.document.created', { title: created.title }), created.id)
    }
  })
  return h('details', { class: 'register-details' },
    h('summary', {}, t('secretariat.document.add')), form)
}

function admitForm (negotiation, delegations, redraw) {
  const taking = new Set(negotiation.participants.map((p) => p.code))
  const others = delegations.filter((d) => !taking.has(d.code))
  if (others.length === 0) return null
  const id = `n${negotiation.id}-admit`
  const choice = select(id, delegationOptions(others))
  const status = statusLine()
  const form = h('form', { class: 'register-form field-row' },
    field(t('secretariat.negotiation.admit_label'), choice),
    h('button', { type: 'submit', class: 'button-quiet' }, t('secretariat.negotiation.admit')),
    status)
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const code = choice.value
    if (await run(status, () => api.admitDelegation(negotiation.id, code))) redraw(t('secretariat.negotiation.admitted', { code }))
  })
  return h('details', { class: 'register-details' }, h('summary', {}, t('secretariat.negotiation.admit_summary')), form)
}

function negotiationCard (negotiation, documents, delegations, context, redraw) {
  const docs = documents.filter((doc) => doc.negotiation?.id === negotiation.id)
  const chair = negotiation.chair
  return h('li', { class: 'register-card', 'data-negotiation': negotiation.id },
    h('h3', { class: 'register-card-title', translate: 'no' }, negotiation.title),
    h('p', { class: 'hint' },
      t('secretariat.negotiation.chair'), ' ', h('span', { translate: 'no' }, `${chair.name} (${chair.code})`), ' · ',
      plural('secretariat.negotiation.participants', negotiation.participants.length)),
    docs.length
      ? h('ul', { class: 'documents' }, docs.map(documentItem))
      : h('p', { class: 'empty' }, t('secretariat.negotiation.no_documents')),
    newDocumentForm(negotiation, context, redraw),
    admitForm(negotiation, delegations, redraw))
}

function newNegotiationForm (delegations, redraw) {
  const title = input('negotiation-title', { required: true, maxlength: 300, autocomplete: 'off' })
  const members = delegations.filter((d) => d.kind === 'member_state')
  const chair = select('negotiation-chair', delegationOptions(members))
  const boxes = delegations.map((d) => {
    const box = h('input', { type: 'checkbox', id: `take-part-${d.code}`, value: d.code, checked: true })
    return h('li', { class: 'check' }, box, h('label', { for: box.id },
      h('span', { translate: 'no' }, `${d.name} (${d.code})`), ' ',
      h('span', { class: 'hint' }, t(`secretariat.delegation.kind.${d.kind}`))))
  })
  const status = statusLine()
  const form = h('form', { class: 'register-form', 'data-form': 'new-negotiation' },
    field(t('secretariat.negotiation.title'), title),
    field(t('secretariat.negotiation.chair_label'), chair),
    h('fieldset', { class: 'register-fieldset' },
      h('legend', {}, t('secretariat.negotiation.participants_label')),
      h('ul', { class: 'checklist checklist-columns' }, boxes)),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button-primary' }, t('secretariat.negotiation.create'))),
    status)
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const participants = boxes.map((li) => li.querySelector('input')).filter((box) => box.checked).map((box) => box.value)
    const created = await run(status, () => api.createNegotiation({ title: title.value.trim(), chair: chair.value, participants }))
    if (created) redraw(t('secretariat.negotiation.created', { title: created.title }))
  })
  return form
}

export async function renderNegotiations (container, context) {
  const loaded = await loadInto(container, () => Promise.all([api.listNegotiations(), api.listDelegations()]))
  if (loaded === null) return
  const [negotiations, delegations] = loaded
  const notice = noticeLine()
  const again = redrawer(container, renderNegotiations, context)
  const redraw = (said, documentId = null) => documentId
    ? again(said, ' ', h('a', { href: `#/documents/${documentId}` }, t('secretariat.document.open')))
    : again(said)
  container.replaceChildren(
    h('h2', { class: 'section-title' }, t('secretariat.negotiations.heading')),
    notice,
    negotiations.length
      ? h('ul', { class: 'register-list' }, negotiations.map((n) => negotiationCard(n, context.documents(), delegations, context, redraw)))
      : h('p', { class: 'empty' }, t('secretariat.negotiations.none')),
    h('h2', { class: 'section-title' }, t('secretariat.negotiation.new')),
    newNegotiationForm(delegations, redraw))
}
