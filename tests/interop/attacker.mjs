// A hand-written yjs client that tries to change what it may not: the text of a locked paragraph,
// `info`, and the structure of the draft (`attack`), or what the layout does not allow (`attack_layout`).
// Stock yjs + y-websocket, no UI. Driven like client.mjs:
//
//   node attacker.mjs WS_URL DOCUMENT_ID      (bearer token in env CONSENSO_TOKEN)
//
// One JSON command per stdin line, one JSON reply per stdout line. Without the `attack` command it
// is a passive stock client (used as the second replica the assertions read).
import WebSocket from 'ws'
import * as Y from 'yjs'
import { WebsocketProvider, messageAuth } from 'y-websocket'
import * as authProtocol from 'y-protocols/auth'
import { serveCommands, waitOn } from './commands.mjs'

const [wsUrl, documentId] = process.argv.slice(2)
const token = process.env.CONSENSO_TOKEN
if (!wsUrl || !documentId || !token) {
  console.error('usage: CONSENSO_TOKEN=... node attacker.mjs WS_URL DOCUMENT_ID')
  process.exit(2)
}

class AuthWS extends WebSocket {
  constructor (url, protocols) {
    super(url, protocols, { headers: { Authorization: `Bearer ${token}` } })
  }
}

const doc = new Y.Doc()
const order = doc.getArray('order')
const paragraphs = doc.getMap('paragraphs')
const info = doc.getMap('info')
const provider = new WebsocketProvider(wsUrl, documentId, doc, { WebSocketPolyfill: AuthWS, disableBc: true })

const history = { syncs: 0, denied: [], closes: [] }
provider.on('sync', (synced) => { if (synced) history.syncs++ })
provider.on('connection-close', (event) => {
  if (event) history.closes.push({ code: event.code, reason: String(event.reason ?? '') })
})
// The y-protocols auth message [2, 0, reason]: permission denied.
provider.messageHandlers[messageAuth] = (_encoder, decoder) => {
  authProtocol.readAuthMessage(decoder, doc, (_doc, reason) => history.denied.push(reason))
}

const plain = (value) => (value instanceof Y.AbstractType ? value.toJSON() : value)

const snapshot = () => ({
  order: order.toArray(),
  keys: [...paragraphs.keys()].sort(),
  texts: Object.fromEntries([...paragraphs.entries()].map(([id, t]) => [id, t instanceof Y.Text ? t.toString() : null])),
  deltas: Object.fromEntries([...paragraphs.entries()].map(([id, t]) => [id, t instanceof Y.Text ? t.toDelta() : null])),
  info: Object.fromEntries([...info.entries()].map(([key, value]) => [key, plain(value)])),
  denied: history.denied,
  synced: provider.synced,
  syncs: history.syncs
})

const waitFor = waitOn(doc, provider)

const lockedText = (id) => paragraphs.get(id) instanceof Y.Text ? paragraphs.get(id) : null

const attack = async ({ locked, unlocked, marker, timeout = 10 }) => {
  const unlockedText = paragraphs.get(unlocked)
  const tried = []
  const step = (name, change) => { doc.transact(change); tried.push(name) }
  // An allowed edit first, in its own transaction: it must survive.
  step('edit unlocked', () => unlockedText.insert(unlockedText.length, ` ${marker}`))
  // The text of the locked paragraph: insert, delete, format.
  step('insert', () => lockedText(locked).insert(0, 'TEXTO INSERTADO ñandú 🚫 '))
  step('delete', () => lockedText(locked).delete(0, Math.min(12, lockedText(locked).length)))
  step('format', () => lockedText(locked).format(0, 6, { bold: true }))
  // Replace its Y.Text with another one, then delete it.
  step('replace', () => paragraphs.set(locked, new Y.Text('texto sustituido por el atacante')))
  step('delete text', () => paragraphs.delete(locked))
  // Write info: unlock the paragraph, change the document's status.
  step('info', () => {
    info.set(locked, { ...plain(info.get(locked)), locked: false, status: 'open' })
    info.set('document', { ...plain(info.get('document')), status: 'adopted' })
  })
  // Restructure without the right: remove, add and reorder paragraphs.
  step('restructure', () => {
    const first = order.get(0)
    order.delete(0, 1)
    order.push([first])
    order.push(['pintruso00001'])
    paragraphs.set('pintruso00001', new Y.Text('párrafo intruso'))
  })
  // Once the server has put the locked paragraph back, everything at once, with an allowed edit too.
  await waitFor(() => lockedText(locked) !== null, timeout, () => `paragraph ${locked} to come back`)
  step('all at once', () => {
    unlockedText.insert(0, `${marker}-bis `)
    lockedText(locked).insert(lockedText(locked).length, ' ¡más!')
    lockedText(locked).format(0, 3, { italic: true })
    info.delete(locked)
    order.insert(0, ['pintruso00002'])
    paragraphs.set('pintruso00002', new Y.Text('otro intruso'))
  })
  return { tried }
}

// Writes outside the layout contract (README, CRDT layout), each in its own transaction, then an
// allowed edit: a root the layout does not know, a paragraph replaced by a number, a paragraph called
// `document`, half a million characters, a Y.Text attribute, an embed and large formatting.
const attackLayout = async ({ replaced, edited, marker, secret, timeout = 10 }) => {
  const tried = []
  const step = (name, change) => { doc.transact(change); tried.push(name) }
  step('unknown root', () => {
    const notas = doc.getMap('notas')
    notas.set('borrador', secret + 'x'.repeat(200_000))
    notas.set('anidado', new Y.Map([['más', secret + '-anidado']]))
  })
  step('number for a paragraph', () => paragraphs.set(replaced, 42))
  step('paragraph called document', () => {
    paragraphs.set('document', new Y.Text(secret + '-document'))
    order.insert(1, ['document'])
  })
  step('half a million characters', () => paragraphs.get(edited).insert(0, secret + 'y'.repeat(500_000)))
  step('text attribute', () => paragraphs.get(edited).setAttribute('nota', secret + '-attribute'))
  step('embed', () => paragraphs.get(edited).insertEmbed(1, { imagen: secret + '-embed' }))
  step('formatting', () => paragraphs.get(edited).format(0, 4, { nota: secret + 'z'.repeat(300) }))
  await waitFor(() => paragraphs.get(replaced) instanceof Y.Text, timeout, () => `paragraph ${replaced} to come back`)
  step('allowed edit', () => paragraphs.get(edited).insert(paragraphs.get(edited).length, ` ${marker}`))
  return { tried }
}

const commands = {
  status: () => snapshot(),
  snapshot: () => snapshot(),
  wait_synced: async ({ timeout = 10 }) => {
    await waitFor(() => provider.synced && history.syncs >= 1, timeout, () => 'the first sync')
    return snapshot()
  },
  attack,
  attack_layout: attackLayout,
  // Whether the secret appears anywhere in this replica's whole state (tombstones included).
  holds: ({ secret }) => ({
    holds: Buffer.from(Y.encodeStateAsUpdate(doc)).includes(Buffer.from(secret)),
    notas: plain(doc.getMap('notas')),
    roots: [...doc.share.keys()].sort()
  }),
  // Waits until this replica shows `expected`: its order, these texts, texts containing these needles,
  // these deltas, and nothing anywhere in its state that contains `without`.
  wait_state: async ({ expected, timeout = 15 }) => {
    const matches = () => {
      const now = snapshot()
      if (JSON.stringify(now.order) !== JSON.stringify(expected.order)) return false
      for (const [id, text] of Object.entries(expected.texts ?? {})) if (now.texts[id] !== text) return false
      for (const [id, needle] of Object.entries(expected.contains ?? {})) {
        if (!(now.texts[id] ?? '').includes(needle)) return false
      }
      for (const [id, delta] of Object.entries(expected.deltas ?? {})) {
        if (JSON.stringify(now.deltas[id]) !== JSON.stringify(delta)) return false
      }
      if (expected.without && Buffer.from(Y.encodeStateAsUpdate(doc)).includes(Buffer.from(expected.without))) {
        return false
      }
      return true
    }
    await waitFor(matches, timeout, () => `${JSON.stringify(expected)}; it is ${JSON.stringify(snapshot())}`)
    return snapshot()
  },
  wait_denied: async ({ count = 1, timeout = 10 }) => {
    await waitFor(() => history.denied.length >= count, timeout, () => `${count} permission-denied messages`)
    return snapshot()
  }
}

serveCommands(commands, provider)
