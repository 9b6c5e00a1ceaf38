// The historical memory's tabs in a room: revisions (compare, exports, restore), the time slider, and for
// the Secretariat the audit trail. room.js lists them among its views and asks here to draw them.
import { renderRevisions } from './revisionsview.js'
import { renderTimeSlider } from './timeslider.js'
import { renderAuditTrail } from './audittrailview.js'

export const MEMORY_VIEWS = [
  { name: 'revisions', label: 'tabs.revisions', shown: () => true },
  { name: 'history', label: 'tabs.history', shown: () => true },
  { name: 'audit', label: 'tabs.audit', shown: (me) => me.role === 'secretariat' }
]

const RENDER = { revisions: renderRevisions, history: renderTimeSlider, audit: renderAuditTrail }

/** Draws memory view `name` into `body`; false when `name` is not one of them. */
export function renderMemory (name, body, room) {
  const render = RENDER[name]
  if (!render) return false
  render(body, room)
  return true
}
