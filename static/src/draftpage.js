// One open draft: the Y.Doc, its sync socket, the paragraphs on screen, and who else is here.
import * as Y from 'yjs'
import { ApiError, showDocument } from './api.js'
import { byId, humanize, say } from './dom.js'
import { connect } from './connection.js'
import { DraftView } from './draft.js'
import { announce, showOthers } from './presence.js'

const STATUS_TEXT = {
  connecting: 'Connecting…',
  connected: 'Connected',
  reconnecting: 'Connection lost — reconnecting…',
  closed: 'Disconnected'
}

/** Opens document `documentId` (`listed` is its entry from /api/documents, if any). Returns { close }. */
export function openDraft (documentId, { me, listed, onSignedOut }) {
  const title = byId('draft-title')
  const status = byId('draft-status')
  const notice = byId('notice')
  const connection = byId('connection')
  const container = byId('paragraphs')
  byId('draft-negotiation').textContent = listed?.negotiation?.title ?? ''
  showTitle(listed?.title ?? `Document ${documentId}`)
  status.hidden = true
  say(notice, '')
  container.replaceChildren()
  container.setAttribute('aria-busy', 'true')

  function showTitle (text) {
    title.textContent = text
    document.title = `${text} — Consenso`
  }
  const setConnection = (state) => {
    connection.dataset.state = state
    connection.textContent = STATUS_TEXT[state]
  }

  const ydoc = new Y.Doc()
  const draft = new DraftView(ydoc, container, (info) => {
    if (info === null) return
    showTitle(info.title)
    status.textContent = humanize(info.status)
    status.hidden = !info.status
  })
  let open = true
  let asked = false // whether the API was asked about the current run of failed connections
  // A refused socket looks like any network failure to the browser; the REST API says which it was.
  const explainDrop = async () => {
    if (asked || !open) return
    asked = true
    try {
      await showDocument(documentId)
    } catch (error) {
      if (!(error instanceof ApiError) || !open) return // the network itself: y-websocket keeps retrying
      if (error.status === 401) return onSignedOut()
      provider.disconnect()
      setConnection('closed')
      say(notice, error.status === 404
        ? 'This document does not exist.'
        : 'Your delegation does not take part in this negotiation, so this document cannot be opened.', 'error')
    }
  }
  const provider = connect(ydoc, documentId, {
    status: (state) => {
      if (state === 'connected') asked = false
      setConnection(state)
    },
    synced: () => container.setAttribute('aria-busy', 'false'),
    denied: (reason) => say(notice, `Your last change was not accepted: ${reason || 'permission denied'}.`, 'error'),
    closed: (code, reason) => say(notice, `The server closed this document${reason ? `: ${reason}` : ''} (${code}).`, 'error'),
    dropped: explainDrop
  })

  announce(provider.awareness, me)
  const labelOf = (id) => {
    const info = ydoc.getMap('info').get(id)
    return info?.label || (info?.kind === 'heading' ? 'a heading' : 'a paragraph')
  }
  const stopOthers = showOthers(provider.awareness, byId('others'), labelOf, (places) => draft.showPlaces(places))
  const onFocus = () => provider.awareness.setLocalStateField('paragraph', draft.focusedParagraph())
  container.addEventListener('focusin', onFocus)
  container.addEventListener('focusout', onFocus)

  return {
    close () {
      open = false
      container.removeEventListener('focusin', onFocus)
      container.removeEventListener('focusout', onFocus)
      stopOthers()
      draft.destroy()
      provider.destroy()
      ydoc.destroy()
    }
  }
}
