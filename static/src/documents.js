// The documents list, grouped by negotiation. Each entry is a plain link to #/documents/{id}.
import { h, humanize } from './dom.js'

function documentItem (doc) {
  return h('li', {},
    h('a', { class: 'document-link', href: `#/documents/${doc.id}` },
      h('span', { class: 'document-title' }, doc.title),
      h('span', { class: 'document-meta' },
        h('span', { class: 'badge' }, humanize(doc.kind)),
        h('span', { class: 'badge badge-status' }, humanize(doc.status)))))
}

export function renderDocuments (list, documents) {
  if (documents.length === 0) {
    list.replaceChildren(h('li', { class: 'empty' }, 'No documents are shared with you yet.'))
    return
  }
  const negotiations = new Map()
  for (const doc of documents) {
    const key = doc.negotiation?.id ?? 0
    if (!negotiations.has(key)) negotiations.set(key, { title: doc.negotiation?.title ?? 'Other documents', docs: [] })
    negotiations.get(key).docs.push(doc)
  }
  list.replaceChildren(...[...negotiations.values()].map(({ title, docs }) =>
    h('li', { class: 'negotiation' },
      h('h2', { class: 'negotiation-title' }, title),
      h('ul', { class: 'documents' }, docs.map(documentItem)))))
}
