// Edits kept in this browser (y-indexeddb) across a reload and a lost connection, and merged with the
// server's on reconnect (the sync protocol sends what the server lacks). Counts the changes typed while
// the server had not confirmed them, so the page can say "offline: N changes kept on this device".
import { IndexeddbPersistence } from 'y-indexeddb'

/** `name` keys the store by user and document: a shared computer never mixes two people's edits. */
export function keepOffline (ydoc, name, isLocal, onCount) {
  const persistence = new IndexeddbPersistence(name, ydoc)
  const counterKey = `consenso.pending.${name}`
  let pending = Number(readCounter(counterKey)) || 0
  let online = false
  const onUpdate = (_update, origin) => {
    if (online || origin === persistence || !isLocal(origin)) return
    pending++
    writeCounter(counterKey, pending)
    onCount(pending)
  }
  ydoc.on('update', onUpdate)
  onCount(pending)
  return {
    whenLoaded: persistence.whenSynced,
    /** The server has the whole local state (a sync completed while connected). */
    synced () {
      online = true
      pending = 0
      writeCounter(counterKey, 0)
      onCount(0)
    },
    disconnected () { online = false },
    get pending () { return pending },
    destroy () {
      ydoc.off('update', onUpdate)
      return persistence.destroy()
    }
  }
}

function readCounter (key) {
  try { return localStorage.getItem(key) } catch { return null }
}

function writeCounter (key, value) {
  try {
    if (value === 0) localStorage.removeItem(key)
    else localStorage.setItem(key, String(value))
  } catch { /* storage refused: the count is only shown, the edits are in IndexedDB */ }
}
