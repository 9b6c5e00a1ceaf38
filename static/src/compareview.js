// A comparison of two states of the text (two revisions, or a revision and the live text): each paragraph
// matched by id, what happened to it, and its word changes — inline, or side by side.
import { h } from './dom.js'
import { t } from './i18n.js'
import { renderChanges } from './diffview.js'
import { revisionName } from './revisionnames.js'

const summaryName = (name) => name === 'live text' ? t('memory.live') : revisionName(name)

const label = (p) => p ? (p.label || t(`kind.${p.kind}`)) : ''

function head (item) {
  const before = label(item.before)
  const after = label(item.after)
  return h('div', { class: 'compared-head' },
    h('span', { class: 'paragraph-label' }, before && after && before !== after ? `${before} → ${after}` : (after || before)),
    item.changes.map((change) => h('span', { class: 'badge badge-change', 'data-change': change }, t(`memory.change.${change}`))),
    item.after && item.before && item.before.status !== item.after.status
      ? h('span', { class: 'compared-status' }, `${t(`status.${item.before.status}`)} → ${t(`status.${item.after.status}`)}`)
      : null)
}

function side (item, keep, paragraph) {
  if (paragraph === null) return h('p', { class: 'compared-absent' }, t(keep === 'delete' ? 'memory.compare.added_here' : 'memory.compare.deleted_here'))
  if (item.changes.includes('edited')) return renderChanges(item.diff.filter((c) => c.op === 'equal' || c.op === keep), 'diff compared-text')
  return h('p', { class: 'compared-text', translate: 'no' }, paragraph.text)
}

/** Draws `comparison` (the JSON of GET …/comparison) into `container`; `layout` is inline or side_by_side.
 * With `restore(paragraphId)` (the PPT comparing a revision with the live text), each paragraph that
 * changed since gets a button that brings its earlier text back. */
export function renderComparison (container, comparison, layout, restore = null) {
  const changed = comparison.paragraphs.filter((p) => p.changes.length > 0).length
  const summary = h('p', { class: 'compare-summary' },
    t('memory.compare.summary', { before: summaryName(comparison.before), after: summaryName(comparison.after), count: changed }))
  const items = comparison.paragraphs.map((item) => {
    const body = layout === 'side_by_side'
      ? h('div', { class: 'compared-sides' }, side(item, 'delete', item.before), side(item, 'insert', item.after))
      : item.changes.includes('edited') || item.changes.includes('added') || item.changes.includes('deleted')
        ? renderChanges(item.diff, 'diff compared-text')
        : h('p', { class: 'compared-text', translate: 'no' }, (item.after ?? item.before).text)
    const back = restore && item.before && item.changes.some((c) => c === 'edited' || c === 'deleted')
      ? h('button', { type: 'button', class: 'button-secondary' }, t('memory.compare.restore', { name: summaryName(comparison.before) }))
      : null
    back?.addEventListener('click', () => restore(item.id))
    return h('li', { class: 'compared-paragraph', 'data-unchanged': item.changes.length === 0 }, head(item), body, back)
  })
  const columns = layout === 'side_by_side'
    ? h('div', { class: 'compared-columns', 'aria-hidden': 'true' },
      h('span', {}, summaryName(comparison.before)), h('span', {}, summaryName(comparison.after)))
    : null
  container.replaceChildren(...[summary, columns].filter(Boolean), h('ol', { class: `comparison comparison-${layout}` }, items))
}

