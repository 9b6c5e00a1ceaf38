// The document's live notices over server-sent events (/api/documents/{id}/events): comments and
// whether observers may comment, positions, statuses and locks, paragraphs inserted, moved or deleted, the silence procedure, adoption. EventSource reconnects by itself;
// `onReconnect` lets the page fetch what it may have missed meanwhile.
export const NOTICE_KINDS = ['comment', 'comment_settings', 'position', 'paragraph_status', 'structure', 'silence', 'silence_broken', 'adopted']

export function listen (documentId, onNotice, onReconnect) {
  const source = new EventSource(`/api/documents/${documentId}/events`, { withCredentials: true })
  let opened = false
  source.addEventListener('open', () => {
    if (opened) onReconnect()
    opened = true
  })
  for (const kind of NOTICE_KINDS) {
    source.addEventListener(kind, (event) => {
      let payload
      try { payload = JSON.parse(event.data) } catch { return }
      onNotice(kind, payload)
    })
  }
  return () => source.close()
}
