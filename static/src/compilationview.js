// The compilation text: each paragraph as it stands, then every delegation's submitted amendment
// attributed and shown as changes against it, and the tally of stances.
import * as api from './api.js'
import { h } from './dom.js'
import { t } from './i18n.js'
import { loadInto } from './errors.js'
import { renderChanges } from './diffview.js'

const TALLIED = ['support', 'amend', 'oppose', 'reservation']

export async function renderCompilation (container, room) {
  const compiled = await loadInto(container, () => api.compilation(room.documentId))
  if (compiled === null) return
  container.replaceChildren(h('ol', { class: 'compilation' }, compiled.paragraphs.map((p) =>
    h('li', { class: 'compiled-paragraph', 'data-kind': p.kind },
      h('div', { class: 'compiled-head' },
        h('a', { class: 'paragraph-label', href: `#/documents/${room.documentId}/draft/${p.id}` }, p.label || t(`kind.${p.kind}`)),
        p.status !== 'open' ? h('span', { class: 'badge badge-status', 'data-status': p.status }, t(`status.${p.status}`)) : null),
      h('p', { class: 'compiled-text', translate: 'no' }, p.text),
      p.amendments.length > 0
        ? h('ul', { class: 'compiled-amendments' }, p.amendments.map((a) =>
          h('li', { class: a.applies ? '' : 'is-stale' },
            h('span', { class: 'by' }, a.delegations.join(', ')), ': ',
            t(`amendment.${a.kind}`),
            a.incorporated ? h('span', { class: 'badge badge-status' }, t('position.incorporated')) : null,
            a.applies ? null : h('span', { class: 'stale-note' }, t('compilation.stale')),
            renderChanges(a.changes))))
        : null,
      TALLIED.every((stance) => p.tally[stance].count === 0)
        ? h('p', { class: 'tally' }, t('compilation.no_positions'))
        : h('p', { class: 'tally' }, TALLIED.map((stance) => {
        const entry = p.tally[stance]
        return h('span', { class: 'tally-item' }, t('compilation.tally', {
          stance: t(`stance.${stance}`), count: entry.count, who: entry.delegations.length ? ` (${entry.delegations.join(', ')})` : ''
        }))
      }))))))
}
