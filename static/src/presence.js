// Who else is in the document, through Yjs awareness: {user: {name, delegation, color}, paragraph}.
import { h } from './dom.js'

const COLORS = ['#1f77b4', '#c2410c', '#15803d', '#9333ea', '#be123c', '#0e7490', '#a16207', '#4338ca']

export function colorFor (userId) {
  return COLORS[Math.abs(Number(userId) || 0) % COLORS.length]
}

export function announce (awareness, me) {
  awareness.setLocalStateField('user', { name: me.name, delegation: me.delegation ?? '', color: colorFor(me.id) })
}

/**
 * Keeps `list` showing the other people here (one entry per browser tab), and tells `onPlaces`
 * who is in which paragraph (Map paragraph id → [user]). Returns a stop function.
 */
export function showOthers (awareness, list, labelOf, onPlaces) {
  const render = () => {
    const entries = []
    const places = new Map()
    for (const [clientId, state] of awareness.getStates()) {
      if (clientId === awareness.clientID || !state.user) continue
      const { name, delegation, color } = state.user
      if (state.paragraph) places.set(state.paragraph, [...(places.get(state.paragraph) ?? []), state.user])
      const where = state.paragraph ? labelOf(state.paragraph) : ''
      const chip = h('li', { class: 'person', title: where ? `${name} is in ${where}` : name },
        h('span', { class: 'person-dot', 'aria-hidden': 'true' }),
        h('span', { class: 'person-name' }, name),
        delegation ? h('span', { class: 'person-delegation' }, delegation) : null,
        where ? h('span', { class: 'person-where' }, where) : null)
      chip.style.setProperty('--person-color', color)
      entries.push(chip)
    }
    list.replaceChildren(...entries)
    list.dataset.count = String(entries.length)
    onPlaces(places)
  }
  awareness.on('change', render)
  render()
  return () => awareness.off('change', render)
}
