// What the Node test clients share: waiting on their document, and the line-by-line command loop
// through which a Python test drives them (one JSON command per line in, one JSON reply per line out).
import readline from 'node:readline'

// Resolves once predicate() holds, re-checked after every transaction and sync; rejects after `timeout` s
// with describe()'s account of what was awaited and, if given, context()'s of where the client stands.
export const waitOn = (doc, provider, context = () => '') => (predicate, timeout, describe) => new Promise((resolve, reject) => {
  const check = () => {
    if (!predicate()) return false
    clearTimeout(timer)
    doc.off('afterTransaction', check)
    provider.off('sync', check)
    resolve()
    return true
  }
  const timer = setTimeout(() => {
    doc.off('afterTransaction', check)
    provider.off('sync', check)
    reject(new Error(`timed out after ${timeout}s waiting for ${describe()}${context()}`))
  }, timeout * 1000)
  doc.on('afterTransaction', check)
  provider.on('sync', check)
  check()
})

// Runs commands[command.op] for each line, one after another (anything started in the background, such
// as typing, goes on between them); at the end of input, destroys the provider and exits.
export const serveCommands = (commands, provider) => {
  const reply = (message) => process.stdout.write(JSON.stringify(message) + '\n')
  const lines = readline.createInterface({ input: process.stdin })
  let queue = Promise.resolve()
  lines.on('line', (line) => {
    queue = queue.then(async () => {
      try {
        const command = JSON.parse(line)
        const run = commands[command.op]
        if (!run) throw new Error(`unknown op ${JSON.stringify(command.op)}`)
        reply({ ok: true, ...(await run(command)) })
      } catch (error) {
        reply({ ok: false, error: error.message })
      }
    })
  })
  lines.on('close', () => {
    queue.then(() => {
      provider.destroy()
      process.exit(0)
    })
  })
}
