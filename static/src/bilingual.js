// The language versions of a document, side by side: the source on one side, a version on the other
// (or one language alone), paragraph by paragraph. A translation whose source changed since it was
// confirmed is marked stale, with the words that changed in the source; the Secretariat edits the
// version live (not where the paragraph is locked) and confirms it up to date. The text language is
// chosen here, independently of the interface language.
import * as Y from 'yjs'
import * as api from './api.js'
import { h, say } from './dom.js'
import { has, t } from './i18n.js'
import { createEditor } from './editor.js'
import { wordDiff } from './worddiff.js'
import { renderChanges } from './diffview.js'
import { explain } from './errors.js'

export const canTranslate = (me) => me.role === 'secretariat'

/** The document's languages from `info` ({source, versions}), or null for a document with one text. */
export function languagesOf (ydoc) {
  const meta = ydoc.getMap('info').get('document')
  const source = meta?.source_language
  const versions = Array.isArray(meta?.versions) ? meta.versions : []
  return typeof source === 'string' && versions.length > 0 ? { source, versions } : null
}

/** For the adoption dialog: a checkbox per language version, to adopt it as it is, stale or not. */
export function versionsAsIs (ydoc) {
  const languages = languagesOf(ydoc)
  const boxes = (languages?.versions ?? []).map((code) => ({
    code,
    box: h('input', { type: 'checkbox', id: `adopt-as-is-${code}` })
  }))
  return {
    el: boxes.length === 0
      ? null
      : h('fieldset', { class: 'adopt-as-is' }, h('legend', {}, t('languages.as_is_legend')), boxes.map(({ code, box }) =>
        h('p', { class: 'check' }, box, h('label', { for: box.id }, t('languages.as_is', { language: languageName(code) }))))),
    chosen: () => boxes.filter(({ box }) => box.checked).map(({ code }) => code)
  }
}

export const languageName = (code) => has(`languages.name.${code}`) ? t(`languages.name.${code}`) : code

export class BilingualView {
  constructor (container, room) {
    this.room = room
    this.ydoc = room.ydoc
    this.languages = languagesOf(this.ydoc)
    this.container = container
    this.version = this.languages.versions[0]
    this.layout = 'side' // side: source and version; source or version: one language alone
    this.rows = new Map()
    this.notice = h('p', { class: 'notice', role: 'status', hidden: true })
    this.list = h('ol', { class: 'bilingual' })
    container.replaceChildren(this.controls(), this.notice, this.list)
    this.onChange = () => this.update()
    this.ydoc.getMap('info').observeDeep(this.onChange)
    this.ydoc.getArray('order').observe(this.onChange)
    this.build()
  }

  controls () {
    const { source, versions } = this.languages
    const choices = [
      ...versions.map((v) => ({ value: `side:${v}`, text: t('languages.side_by_side', { source: languageName(source), version: languageName(v) }) })),
      { value: `source:${source}`, text: t('languages.alone', { language: languageName(source) }) },
      ...versions.map((v) => ({ value: `version:${v}`, text: t('languages.alone', { language: languageName(v) }) }))
    ]
    const select = h('select', { id: 'text-language', class: 'text-language' },
      choices.map((choice) => h('option', { value: choice.value }, choice.text)))
    select.addEventListener('change', () => {
      const [layout, language] = select.value.split(':')
      this.layout = layout
      if (layout !== 'source') this.version = language
      this.build()
    })
    this.staleCount = h('span', { class: 'stale-count', role: 'status' })
    return h('div', { class: 'bilingual-controls' },
      h('label', { for: 'text-language' }, t('languages.text_language')), select, this.staleCount)
  }

  build () {
    for (const row of this.rows.values()) row.editor?.destroy()
    this.rows.clear()
    this.list.dataset.layout = this.layout
    const order = this.ydoc.getArray('order').toArray()
    const version = this.ydoc.getMap(`translations.${this.version}`)
    for (const id of order) {
      const source = this.ydoc.getMap('paragraphs').get(id)
      const translation = version.get(id)
      if (!(source instanceof Y.Text) || !(translation instanceof Y.Text)) continue
      this.rows.set(id, this.row(id, source, translation))
    }
    this.list.replaceChildren(...[...this.rows.values()].map((row) => row.el))
    this.update()
  }

  row (id, source, translation) {
    const label = h('span', { class: 'paragraph-label' })
    const stale = h('span', { class: 'badge badge-stale', hidden: true }, t('languages.stale'))
    const sourceText = h('div', { class: 'bilingual-text', lang: this.languages.source, translate: 'no' })
    const versionText = h('div', { class: 'bilingual-text', lang: this.version, translate: 'no' })
    const changes = h('div', { class: 'source-changes', hidden: true })
    const confirm = canTranslate(this.room.me)
      ? h('button', { type: 'button', class: 'button-quiet confirm-translation', hidden: true }, t('languages.confirm'))
      : null
    confirm?.addEventListener('click', () => this.confirm(id, confirm))
    const correction = canTranslate(this.room.me) ? this.correction(id, translation) : null
    const row = {
      id,
      source,
      translation,
      editor: null,
      el: h('li', { class: 'bilingual-row', 'data-paragraph': id },
        h('div', { class: 'bilingual-meta' }, label, stale, confirm, correction?.open),
        this.layout !== 'version' ? h('div', { class: 'bilingual-side' }, h('p', { class: 'bilingual-language' }, languageName(this.languages.source)), sourceText) : null,
        this.layout !== 'source' ? h('div', { class: 'bilingual-side' }, h('p', { class: 'bilingual-language' }, languageName(this.version)), versionText, correction?.form, changes) : null),
      label,
      stale,
      sourceText,
      versionText,
      changes,
      confirm,
      correction
    }
    if (canTranslate(this.room.me) && this.layout !== 'source') {
      row.editor = createEditor(versionText, translation, this.room.awareness, {
        label: t('languages.editor_label', { language: languageName(this.version) }),
        readOnly: true,
        onRefused: () => say(this.notice, t('languages.locked_correction')),
        getComments: () => []
      })
    } else {
      translation.observe(() => { versionText.textContent = translation.toString() })
      versionText.textContent = translation.toString()
    }
    source.observe(() => {
      sourceText.textContent = source.toString()
      this.updateRow(row) // the words changed since confirmation follow the source
    })
    sourceText.textContent = source.toString()
    return row
  }

  /** Marks, labels and editability from `info`, as they are now. */
  update () {
    if (!this.open()) return
    const order = this.ydoc.getArray('order').toArray()
    if (order.length !== this.rows.size || order.some((id) => !this.rows.has(id))) return this.build()
    let staleCount = 0
    for (const row of this.rows.values()) {
      if (this.updateRow(row)) staleCount++
    }
    this.staleCount.textContent = staleCount === 0
      ? t('languages.none_stale', { language: languageName(this.version) })
      : t('languages.stale_count', { count: staleCount, language: languageName(this.version) })
  }

  /** One row's label, stale mark, source diff and editability; returns whether it is stale. */
  updateRow (row) {
    const info = this.ydoc.getMap('info')
    const frozen = ['under_silence', 'adopted'].includes(info.get('document')?.status)
    const meta = info.get(row.id) ?? {}
    const mark = meta.translations?.[this.version] ?? {}
    const isStale = mark.stale !== false
    row.label.textContent = meta.label || t(`kind.${meta.kind ?? 'operative'}`)
    row.el.dataset.stale = String(isStale)
    row.stale.hidden = !isStale
    if (row.confirm) row.confirm.hidden = !isStale || frozen
    row.changes.hidden = !isStale || this.layout === 'source'
    row.changes.replaceChildren(
      h('p', { class: 'source-changes-title' }, mark.confirmed_source == null ? t('languages.never_confirmed') : t('languages.source_changed')),
      mark.confirmed_source == null ? null : renderChanges(wordDiff(mark.confirmed_source, row.source.toString())))
    row.editor?.setReadOnly(frozen || meta.locked === true)
    if (row.correction) row.correction.open.hidden = frozen || meta.locked !== true || this.layout === 'source'
    return isStale
  }

  /** The Secretariat's correction of a locked paragraph's translation: the text and why, on the record. */
  correction (id, translation) {
    const open = h('button', { type: 'button', class: 'button-quiet correct-translation', hidden: true }, t('languages.correct'))
    const text = h('textarea', { class: 'field', rows: '3', 'aria-label': t('languages.correct_text') })
    const reason = h('input', { type: 'text', class: 'field', 'aria-label': t('languages.correct_reason'), placeholder: t('languages.correct_reason') })
    const save = h('button', { type: 'submit', class: 'button-primary' }, t('languages.correct_save'))
    const form = h('form', { class: 'correction-form', hidden: true }, text, reason, h('div', { class: 'actions' }, save))
    open.addEventListener('click', () => {
      text.value = translation.toString()
      form.hidden = !form.hidden
    })
    form.addEventListener('submit', async (event) => {
      event.preventDefault()
      save.disabled = true
      try {
        await api.correctTranslation(this.room.documentId, id, this.version, text.value, reason.value)
        form.hidden = true
        reason.value = ''
        say(this.notice, '')
      } catch (error) {
        say(this.notice, explain(error), 'error')
      } finally {
        save.disabled = false
      }
    })
    return { open, form }
  }

  async confirm (id, button) {
    button.disabled = true
    try {
      await api.confirmTranslation(this.room.documentId, id, this.version)
      say(this.notice, '')
    } catch (error) {
      say(this.notice, explain(error), 'error')
    } finally {
      button.disabled = false
    }
  }

  open () { return this.container.isConnected && this.list.isConnected }

  destroy () {
    this.ydoc.getMap('info').unobserveDeep(this.onChange)
    this.ydoc.getArray('order').unobserve(this.onChange)
    for (const row of this.rows.values()) row.editor?.destroy()
    this.rows.clear()
  }
}
