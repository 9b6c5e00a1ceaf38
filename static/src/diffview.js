// Word changes [{op: equal|insert|delete, text}] as <ins>/<del>, read aloud with their meaning.
import { h } from './dom.js'
import { t } from './i18n.js'

export function renderChanges (changes, className = 'diff') {
  return h('p', { class: className, translate: 'no' }, (changes ?? []).map(({ op, text }) => {
    if (op === 'insert') return h('ins', { title: t('diff.inserted') }, text)
    if (op === 'delete') return h('del', { title: t('diff.deleted') }, text)
    return text
  }))
}
