// The revisions of a document: the list with who made each and its hash, every export to download, making
// the next one (the Secretariat, the PPT), restoring one (the PPT), and comparing any two.
import * as api from './api.js'
import { h, say } from './dom.js'
import { formatMoment, t } from './i18n.js'
import { explain, loadInto } from './errors.js'
import { isChair } from './roles.js'
import { renderComparison } from './compareview.js'
import { revisionName } from './revisionnames.js'

const EXPORTS = [['docx', 'memory.export.docx'], ['html', 'memory.export.html'], ['md', 'memory.export.md'], ['akn.xml', 'memory.export.akn']]
const LIVE = 'live'
const canRevise = (me) => me.role === 'secretariat' || isChair(me)

function downloads (room, revision) {
  return h('ul', { class: 'downloads', 'aria-label': t('memory.downloads', { name: revisionName(revision.name) }) },
    EXPORTS.map(([extension, key]) => h('li', {},
      h('a', { href: api.exportUrl(room.documentId, revision.number, extension), download: '' }, t(key)))))
}

function revisionRow (room, revision, status, reload) {
  const restore = isChair(room.me) && !revision.final
    ? h('button', { type: 'button', class: 'button-secondary' }, t('memory.restore'))
    : null
  restore?.addEventListener('click', async () => {
    if (!window.confirm(t('memory.restore_confirm', { name: revisionName(revision.name) }))) return
    try {
      const done = await api.restoreRevision(room.documentId, revision.number)
      say(status, done.changed ? t('memory.restored', { name: revisionName(revision.name) }) : t('memory.restore_nothing', { name: revisionName(revision.name) }))
      reload()
    } catch (failure) {
      say(status, explain(failure), 'error')
    }
  })
  return h('tr', {},
    h('th', { scope: 'row' }, revisionName(revision.name), revision.final ? h('span', { class: 'badge badge-status', 'data-status': 'adopted' }, t('memory.final')) : null),
    h('td', {}, formatMoment(revision.made_at)),
    h('td', {}, h('code', { class: 'hash', title: revision.sha256 }, revision.sha256.slice(0, 12) + '…')),
    h('td', {}, downloads(room, revision)),
    isChair(room.me) ? h('td', {}, restore) : null)
}

function comparer (room, revisions) {
  const options = (selected) => [
    ...revisions.map((r) => h('option', { value: String(r.number), selected: String(r.number) === selected }, revisionName(r.name))),
    h('option', { value: LIVE, selected: selected === LIVE }, t('memory.live'))
  ]
  const last = revisions.length ? String(revisions[revisions.length - 1].number) : LIVE
  const before = h('select', { id: 'compare-from', name: 'from' }, options(revisions.length > 1 ? String(revisions[revisions.length - 2].number) : last))
  const after = h('select', { id: 'compare-to', name: 'to' }, options(revisions.length > 1 ? last : LIVE))
  const layout = h('fieldset', { class: 'compare-layout' }, h('legend', {}, t('memory.compare.layout')),
    ...['inline', 'side_by_side'].map((value) => h('label', {},
      h('input', { type: 'radio', name: 'layout', value, checked: value === 'inline' }), ' ', t(`memory.compare.${value}`))))
  const result = h('div', { class: 'compare-result', 'aria-live': 'polite' })
  const form = h('form', { class: 'compare-form' },
    h('label', { for: 'compare-from' }, t('memory.compare.from')), before,
    h('label', { for: 'compare-to' }, t('memory.compare.to')), after,
    layout,
    h('button', { type: 'submit' }, t('memory.compare.go')))
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const from = before.value === LIVE ? after.value : before.value
    const to = before.value === LIVE ? null : (after.value === LIVE ? null : after.value)
    if (from === LIVE) return say(result, t('memory.compare.need_revision'), 'error')
    const compared = await loadInto(result, () => api.compareRevisions(room.documentId, from, to))
    if (compared === null) return
    const restore = isChair(room.me) && to === null
      ? async (paragraphId) => {
        try {
          await api.restoreRevision(room.documentId, from, paragraphId)
          form.requestSubmit()
        } catch (failure) {
          say(result, explain(failure), 'error')
        }
      }
      : null
    renderComparison(result, compared, form.elements.layout.value, restore)
  })
  return h('section', { class: 'memory-compare', 'aria-labelledby': 'compare-heading' },
    h('h3', { id: 'compare-heading' }, t('memory.compare.heading')), form, result)
}

function maker (room, status, reload) {
  const name = h('input', { id: 'revision-name', name: 'name', maxlength: '80', placeholder: t('memory.name_placeholder') })
  const form = h('form', { class: 'revision-form' },
    h('label', { for: 'revision-name' }, t('memory.name')), name, h('button', { type: 'submit' }, t('memory.make')))
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    try {
      const made = await api.makeRevision(room.documentId, name.value.trim())
      say(status, t('memory.made', { name: revisionName(made.name) }))
      reload()
    } catch (failure) {
      say(status, explain(failure), 'error')
    }
  })
  return form
}

export async function renderRevisions (container, room) {
  const revisions = await loadInto(container, () => api.listRevisions(room.documentId))
  if (revisions === null) return
  const status = h('p', { class: 'form-status', role: 'status', hidden: true })
  const reload = () => renderRevisions(container, room).then(() => { container.querySelector('.form-status')?.replaceWith(status) })
  const table = revisions.length === 0
    ? h('p', {}, t('memory.none'))
    : h('table', { class: 'revisions' },
      h('caption', {}, t('memory.caption')),
      h('thead', {}, h('tr', {},
        ...['memory.col.name', 'memory.col.made', 'memory.col.hash', 'memory.col.exports'].map((key) => h('th', { scope: 'col' }, t(key))),
        isChair(room.me) ? h('th', { scope: 'col' }, t('memory.col.restore')) : null)),
      h('tbody', {}, revisions.map((r) => revisionRow(room, r, status, reload))))
  container.replaceChildren(
    canRevise(room.me) ? maker(room, status, reload) : null,
    status,
    table,
    h('p', { class: 'downloads-extra' }, t('memory.export.live'), ' ',
      ...EXPORTS.flatMap(([extension, key], index) => [index ? ' · ' : '',
        h('a', { href: api.liveExportUrl(room.documentId, extension), download: '' }, t(key))])),
    h('p', { class: 'downloads-extra' }, h('a', { href: api.compilationDocxUrl(room.documentId), download: '' }, t('memory.export.compilation'))),
    revisions.length ? comparer(room, revisions) : null)
}
