// Who else is in the document, through Yjs awareness. The server stamps each state's `user` with the
// authenticated {id, name, delegation, role}; everything else another browser sends is only read as
// plain text (names) or ignored (its claimed colours): colours come from the delegation code.
import { h } from './dom.js'
import { HEX, colourClass, colourIndex } from './colours.js'
import { t } from './i18n.js'

export function announce (awareness, me) {
  const colour = HEX[colourIndex(me.delegation)]
  awareness.setLocalStateField('user', { id: me.id, name: me.name, delegation: me.delegation ?? '', role: me.role })
  awareness.setLocalStateField('color', colour)
  awareness.setLocalStateField('colorLight', `${colour}33`)
}

const text = (value) => (typeof value === 'string' ? value : '')

/**
 * Keeps `list` showing the other people here (one entry per person, however many tabs), and tells
 * `onPlaces` who is in which paragraph (Map paragraph id → [{name, delegation}]). Returns a stop function.
 */
export function showOthers (awareness, list, labelOf, onPlaces) {
  const render = () => {
    const people = new Map()
    const places = new Map()
    for (const [clientId, state] of awareness.getStates()) {
      if (clientId === awareness.clientID || !state?.user) continue
      const person = { name: text(state.user.name), delegation: text(state.user.delegation) }
      const key = state.user.id ?? `${person.name}|${person.delegation}`
      const paragraph = text(state.paragraph)
      if (paragraph) places.set(paragraph, [...(places.get(paragraph) ?? []), person])
      if (!people.has(key) || paragraph) people.set(key, { ...person, paragraph })
    }
    const entries = [...people.values()].map(({ name, delegation, paragraph }) => {
      const where = paragraph ? labelOf(paragraph) : ''
      return h('li', { class: `person ${colourClass(delegation)}`, title: where ? t('presence.in', { name, where }) : name },
        h('span', { class: 'person-dot', 'aria-hidden': 'true' }),
        h('span', { class: 'person-name', translate: 'no' }, name),
        delegation ? h('span', { class: 'person-delegation' }, delegation) : null,
        where ? h('span', { class: 'person-where' }, where) : null)
    })
    list.replaceChildren(...entries)
    list.dataset.count = String(entries.length)
    onPlaces(places)
  }
  awareness.on('change', render)
  render()
  return () => awareness.off('change', render)
}
