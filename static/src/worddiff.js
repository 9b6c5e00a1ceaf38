// A word-level comparison of two texts, for showing a proposed amendment against the current text
// before it is saved. The server compares with diff-match-patch once a position is submitted;
// this one only has to read well: [{op: 'equal'|'insert'|'delete', text}].

const TOKENS = /\s+|[^\s\p{P}]+|\p{P}/gu

function tokens (text) {
  return text.match(TOKENS) ?? []
}

export function wordDiff (before, after) {
  const a = tokens(before)
  const b = tokens(after)
  let start = 0
  while (start < a.length && start < b.length && a[start] === b[start]) start++
  let endA = a.length
  let endB = b.length
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) { endA--; endB-- }
  const middle = lcsDiff(a.slice(start, endA), b.slice(start, endB))
  const changes = []
  const push = (op, text) => {
    if (text === '') return
    const last = changes[changes.length - 1]
    if (last && last.op === op) last.text += text
    else changes.push({ op, text })
  }
  push('equal', a.slice(0, start).join(''))
  for (const [op, text] of middle) push(op, text)
  push('equal', a.slice(endA).join(''))
  return changes
}

// Past this many token pairs the middle is shown as one replacement: still correct, less fine.
const LIMIT = 4_000_000

function lcsDiff (a, b) {
  if (a.length * b.length > LIMIT) return [['delete', a.join('')], ['insert', b.join('')]]
  const width = b.length + 1
  const table = new Uint32Array((a.length + 1) * width)
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      table[i * width + j] = a[i] === b[j]
        ? table[(i + 1) * width + j + 1] + 1
        : Math.max(table[(i + 1) * width + j], table[i * width + j + 1])
    }
  }
  const out = []
  let i = 0
  let j = 0
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) { out.push(['equal', a[i]]); i++; j++ } else if (table[(i + 1) * width + j] >= table[i * width + j + 1]) { out.push(['delete', a[i]]); i++ } else { out.push(['insert', b[j]]); j++ }
  }
  while (i < a.length) out.push(['delete', a[i++]])
  while (j < b.length) out.push(['insert', b[j++]])
  return out
}
