// What others did, said to everyone in the room (the page's aria-live log): a paragraph agreed,
// silence started or broken (by which delegation, and why), the text adopted, an amendment
// incorporated, a position submitted, a new comment. One's own acts are confirmed where they were done.
import { formatMoment, t } from './i18n.js'

const byText = (by) => (by?.delegation ? `${by.name} (${by.delegation})` : by?.name ?? '')
const mine = (by, me) => by && by.name === me.name && (by.delegation ?? null) === (me.delegation ?? null)

export function announcement (kind, payload, room) {
  const me = room.me
  if (kind === 'paragraph_status') {
    if (mine(payload.by, me)) return null
    const params = { label: payload.label || room.labelOf(payload.id), status: t(`status.${payload.status}`), by: byText(payload.by), reason: payload.reason }
    if (payload.locked === false && payload.status === 'open') return t(payload.reason ? 'announce.reopened_reason' : 'announce.reopened', params)
    return t(payload.reason ? 'announce.status_reason' : 'announce.status', params)
  }
  if (kind === 'silence') {
    if (mine(payload.by, me)) return null
    if (payload.state === 'running') return t('announce.silence_started', { by: byText(payload.by), deadline: formatMoment(payload.deadline) })
    if (payload.state === 'cancelled') return t('announce.silence_cancelled', { by: byText(payload.by) })
    return null
  }
  if (kind === 'silence_broken') {
    const labels = (payload.paragraphs ?? []).map((id) => room.labelOf(id)).join(', ')
    return t('announce.silence_broken', { delegation: payload.by?.delegation ?? '', by: byText(payload.by), labels, reason: payload.reason })
  }
  if (kind === 'structure') {
    if (mine(payload.by, me) || !['inserted', 'moved', 'deleted'].includes(payload.event)) return null
    return t(`announce.${payload.event}`, { by: byText(payload.by), label: payload.label || t(`kind.${payload.kind ?? 'operative'}`) })
  }
  if (kind === 'comment_settings') {
    if (me.role === 'ppt') return null // the chair confirms its own act in the console
    return t(payload.observers_may_comment ? 'announce.observers_opened' : 'announce.observers_closed')
  }
  if (kind === 'adopted') return t(payload.by_silence ? 'announce.adopted_by_silence' : 'announce.adopted')
  if (kind === 'position') {
    const version = payload.version
    if (!version) return null
    const label = room.labelOf(version.paragraph_id)
    if (payload.event === 'incorporated') return t('announce.incorporated', { delegation: version.delegation, label })
    if (version.delegation === me.delegation) return null
    if (payload.event === 'submitted') return t('announce.position', { delegation: version.delegation, label, stance: t(`stance.${version.stance}`) })
    if (payload.event === 'withdrawn') return t('announce.withdrawn', { delegation: version.delegation, label })
    return null
  }
  if (kind === 'comment' && payload.event === 'created') {
    const comment = payload.comment
    if (comment.author.id === me.id) return null
    return t('announce.comment', { name: comment.author.name, label: comment.paragraph.label || room.labelOf(comment.paragraph.id) })
  }
  return null
}
