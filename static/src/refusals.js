// Why a paragraph cannot be changed right now, in the reader's language, from what the page knows:
// the `info` map of the CRDT (status, lock, document status), the running silence procedure and the
// last status change announced live (who, and their reason).
import { canEdit } from './roles.js'
import { formatMoment, t } from './i18n.js'

/** The explanation, or null when `me` may type into the paragraph. */
export function whyReadOnly ({ me, info, documentInfo, silence, lastChange }) {
  if (documentInfo?.status === 'adopted') return t('refusal.adopted')
  if (documentInfo?.status === 'under_silence') {
    return silence?.deadline
      ? t('refusal.silence_until', { deadline: formatMoment(silence.deadline) })
      : t('refusal.silence')
  }
  if (me.role === 'observer') return t('refusal.observer')
  if (!canEdit(me)) return t('refusal.role', { role: t(`role.${me.role}`) })
  if (info?.locked) {
    const label = info.label || t('paragraph.this')
    const status = t(`status.${info.status ?? 'open'}`)
    if (lastChange?.by?.name) {
      const by = lastChange.by.delegation ? `${lastChange.by.name} (${lastChange.by.delegation})` : lastChange.by.name
      return lastChange.reason
        ? t('refusal.locked_by_reason', { label, status, by, reason: lastChange.reason })
        : t('refusal.locked_by', { label, status, by })
    }
    return t('refusal.locked', { label, status })
  }
  return null
}
