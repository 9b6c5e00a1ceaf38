// A stock yjs + y-websocket client, driven by the Python tests over stdin/stdout.
//
//   node client.mjs WS_URL DOCUMENT_ID      (bearer token in env CONSENSO_TOKEN)
//
// Each stdin line is one JSON command {"op": ...}; each gets exactly one stdout line back,
// {"ok": true, ...} or {"ok": false, "error": "..."}, in order. Positions count UTF-16 units,
// as everywhere in yjs. The process exits when stdin closes, so it never outlives its test.
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider, messageAuth } from 'y-websocket'
import * as authProtocol from 'y-protocols/auth'
import { serveCommands, waitOn } from './commands.mjs'

const [wsUrl, documentId] = process.argv.slice(2)
const token = process.env.CONSENSO_TOKEN
if (!wsUrl || !documentId || !token) {
  console.error('usage: CONSENSO_TOKEN=... node client.mjs WS_URL DOCUMENT_ID')
  process.exit(2)
}

// The server refuses tokens in query strings: the bearer goes in the upgrade request's header.
class AuthWS extends WebSocket {
  constructor (url, protocols) {
    super(url, protocols, { headers: { Authorization: `Bearer ${token}` } })
  }
}

const doc = new Y.Doc()
const order = doc.getArray('order')
const paragraphs = doc.getMap('paragraphs')
const provider = new WebsocketProvider(wsUrl, documentId, doc, {
  WebSocketPolyfill: AuthWS,
  disableBc: true
})

// What the connection went through, for the tests' assertions and failure messages.
const history = { syncs: 0, closes: [], denied: [], errors: [], ended: null }
provider.on('sync', (synced) => { if (synced) history.syncs++ })
provider.on('connection-close', (event) => {
  if (event) history.closes.push({ code: event.code, reason: String(event.reason ?? '') })
})
provider.on('connection-error', (event) => history.errors.push(String(event?.message ?? event)))
// The server ended the connection for good (a 4400-4499 close): y-websocket stops reconnecting.
provider.on('closed', ({ code, reason }) => { history.ended = { code, reason: String(reason ?? '') } })
provider.messageHandlers[messageAuth] = (_encoder, decoder, _provider) => {
  authProtocol.readAuthMessage(decoder, doc, (_doc, reason) => history.denied.push(reason))
}

const status = () => ({
  connected: provider.wsconnected,
  synced: provider.synced,
  ...history
})

const paragraph = (id) => {
  const text = paragraphs.get(id)
  if (!(text instanceof Y.Text)) {
    throw new Error(`no paragraph ${JSON.stringify(id)}; the document has ${JSON.stringify(order.toArray())}`)
  }
  return text
}

const waitFor = waitOn(doc, provider, () => `; status ${JSON.stringify(status())}`)

const textOf = (id) => paragraphs.get(id)?.toString()

// Presence: the awareness states this client knows, as [clientID, state] pairs, its own included.
const awareness = provider.awareness
const presence = () => ({ client: doc.clientID, states: [...awareness.getStates()] })
const waitForPresence = (predicate, timeout) => new Promise((resolve, reject) => {
  const check = () => {
    if (!predicate(new Map(awareness.getStates()))) return
    clearTimeout(timer)
    awareness.off('change', check)
    resolve()
  }
  const timer = setTimeout(() => {
    awareness.off('change', check)
    reject(new Error(`timed out after ${timeout}s waiting for presence; it is ${JSON.stringify(presence())}`))
  }, timeout * 1000)
  awareness.on('change', check)
  check()
})

// Continuous typing: one code point per transaction (a keystroke), markers «PREFIX<n>» one after
// another. The cursor is a relative position after the last typed character, so other clients'
// edits never split a marker.
const typing = { running: false, batches: 0, loop: null, error: null }

const typeMarkers = async (id, prefix, intervalMs) => {
  const text = paragraph(id)
  let cursor = Y.createRelativePositionFromTypeIndex(text, text.length, -1)
  while (typing.running) {
    for (const key of `«${prefix}${typing.batches}»`) {
      const index = Y.createAbsolutePositionFromRelativePosition(cursor, doc).index
      text.insert(index, key)
      cursor = Y.createRelativePositionFromTypeIndex(text, index + key.length, -1)
      await new Promise((resolve) => setTimeout(resolve, intervalMs))
    }
    typing.batches++
  }
}

const commands = {
  status: () => status(),
  wait_synced: async ({ min_syncs: minSyncs = 1, timeout = 10 }) => {
    await waitFor(() => provider.synced && history.syncs >= minSyncs, timeout,
      () => `sync number ${minSyncs}`)
    return status()
  },
  order: () => ({ order: order.toArray() }),
  text: ({ paragraph: id }) => ({ text: paragraph(id).toString() }),
  insert: ({ paragraph: id, index, text }) => {
    const ytext = paragraph(id)
    const at = index ?? ytext.length
    if (at < 0 || at > ytext.length) throw new Error(`index ${at} outside 0..${ytext.length}`)
    ytext.insert(at, text)
    return { text: ytext.toString() }
  },
  delete: ({ paragraph: id, index, length }) => {
    paragraph(id).delete(index, length)
    return { text: paragraph(id).toString() }
  },
  wait_text: async ({ paragraph: id, contains = [], equals, timeout = 10 }) => {
    const needles = [contains].flat()
    await waitFor(() => {
      const text = textOf(id)
      return text !== undefined && needles.every((n) => text.includes(n)) &&
        (equals === undefined || text === equals)
    }, timeout, () => `paragraph ${id} to ` +
      [equals === undefined ? null : `equal ${JSON.stringify(equals)}`,
        needles.length === 0 ? null : `contain ${JSON.stringify(needles)}`].filter(Boolean).join(' and ') +
      `; it is ${JSON.stringify(textOf(id))}`)
    return { text: textOf(id) }
  },
  type_start: ({ paragraph: id, prefix, interval_ms: intervalMs = 3 }) => {
    if (typing.running) throw new Error('already typing')
    paragraph(id)
    typing.running = true
    typing.loop = typeMarkers(id, prefix, intervalMs).catch((error) => { typing.error = error })
    return {}
  },
  type_stop: async () => {
    typing.running = false
    await typing.loop
    if (typing.error) throw typing.error
    return { batches: typing.batches }
  },
  wait_closed: ({ timeout = 10 }) => new Promise((resolve, reject) => {
    const done = () => resolve({ ...status(), should_connect: provider.shouldConnect })
    if (history.ended) return done()
    const timer = setTimeout(() => reject(new Error(
      `not closed for good within ${timeout}s; status ${JSON.stringify(status())}`)), timeout * 1000)
    provider.once('closed', () => { clearTimeout(timer); done() })
  }),
  presence_set: ({ state }) => { awareness.setLocalState(state); return presence() },
  presence: () => presence(),
  // Waits until the client knows exactly `clients` (ids), and each listed id's state has `fields`.
  wait_presence: async ({ clients, fields = {}, timeout = 10 }) => {
    const matches = (state, expected) => Object.entries(expected).every(([key, value]) =>
      JSON.stringify(state?.[key]) === JSON.stringify(value))
    await waitForPresence((states) => states.size === clients.length &&
      clients.every((id) => states.has(id) && matches(states.get(id), fields[id] ?? {})), timeout)
    return presence()
  },
  disconnect: () => { provider.disconnect(); return status() },
  connect: () => { provider.connect(); return status() }
}

serveCommands(commands, provider)
