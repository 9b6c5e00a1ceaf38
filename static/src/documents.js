// The documents list, grouped by negotiation with its chair: kind, status and any silence deadline of each.
import { h } from './dom.js'
import { formatMoment, t } from './i18n.js'

export function documentItem (doc) {
  return h('li', {},
    h('a', { class: 'document-link', href: `#/documents/${doc.id}` },
      h('span', { class: 'document-title', translate: 'no' }, doc.title),
      h('span', { class: 'document-meta' },
        h('span', { class: 'badge' }, t(`document_kind.${doc.kind}`)),
        h('span', { class: 'badge badge-document', 'data-status': doc.status }, t(`document_status.${doc.status}`)),
        doc.silence?.state === 'running'
          ? h('span', { class: 'document-deadline' }, t('documents.silence_until', { deadline: formatMoment(doc.silence.deadline) }))
          : null)))
}

export function renderDocuments (list, documents) {
  if (documents.length === 0) {
    list.replaceChildren(h('li', { class: 'empty' }, t('documents.none')))
    return
  }
  const negotiations = new Map()
  for (const doc of documents) {
    const key = doc.negotiation?.id ?? 0
    if (!negotiations.has(key)) negotiations.set(key, { title: doc.negotiation?.title ?? t('documents.other'), chair: doc.chair, docs: [] })
    negotiations.get(key).docs.push(doc)
  }
  list.replaceChildren(...[...negotiations.values()].map(({ title, chair, docs }) =>
    h('li', { class: 'negotiation' },
      h('h2', { class: 'negotiation-title', translate: 'no' }, title),
      chair ? h('p', { class: 'negotiation-chair' }, t('documents.chair'), ' ', h('span', { translate: 'no' }, `${chair.name} (${chair.code})`)) : null,
      h('ul', { class: 'documents' }, docs.map(documentItem)))))
}
