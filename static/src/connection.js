// The sync socket of one document: y-websocket, plus what the person should know about it.
import { WebsocketProvider, messageAuth } from 'y-websocket'
import * as authProtocol from 'y-protocols/auth'

export function syncUrl () {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/sync`
}

/**
 * Connects `ydoc` to /sync/{documentId} and reports through `on`:
 *   status(state)     "connecting" | "connected" | "reconnecting" | "closed"
 *   synced()          the first full state has arrived
 *   denied(reason)    the server refused (and undid) one of our changes
 *   closed(code, reason)  the server ended the connection for good (codes 4400–4499)
 *   dropped()         the server closed the socket or it could not open; y-websocket retries by itself
 */
export function connect (ydoc, documentId, on) {
  const provider = new WebsocketProvider(syncUrl(), String(documentId), ydoc, {
    connect: false,
    // Every edit goes through the server's guard; tabs never trade updates behind its back.
    disableBc: true
  })
  // y-websocket only logs a permission-denied message; this copy of its handler table is ours.
  provider.messageHandlers[messageAuth] = (_encoder, decoder) => {
    authProtocol.readAuthMessage(decoder, ydoc, (_doc, reason) => on.denied(reason))
  }
  let everConnected = false
  provider.on('status', ({ status }) => {
    if (status === 'connected') everConnected = true
    if (status === 'connected') on.status('connected')
    else if (provider.shouldConnect) on.status(everConnected ? 'reconnecting' : 'connecting')
  })
  provider.on('connection-close', (event) => { if (event !== null) on.dropped() }) // null: we closed it
  provider.on('sync', (synced) => { if (synced) on.synced() })
  provider.on('closed', ({ code, reason }) => {
    on.status('closed')
    on.closed(code, reason)
  })
  provider.connect()
  return provider
}
