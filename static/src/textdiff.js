// Pure string helpers for the text binding. Indices are UTF-16 code units, as in JS strings and Yjs.

const isHighSurrogate = (code) => code >= 0xd800 && code <= 0xdbff
const isLowSurrogate = (code) => code >= 0xdc00 && code <= 0xdfff

/**
 * The change turning `before` into `after`: { index, remove, insert }, or null when they are equal.
 * `caret` is where the caret stands in `after`: a single edit (typing, paste, deletion) ends there,
 * which settles ambiguous cases ("aa" → "aaa": which "a" is new?) the way the person meant.
 * The change never cuts a surrogate pair in half (the server counts UTF-8 bytes, where half an
 * emoji does not exist).
 */
export function diffStrings (before, after, caret = after.length) {
  if (before === after) return null
  const limit = Math.min(before.length, after.length)
  let suffix = 0
  const suffixLimit = Math.min(limit, after.length - Math.min(caret, after.length))
  while (
    suffix < suffixLimit &&
    before.charCodeAt(before.length - 1 - suffix) === after.charCodeAt(after.length - 1 - suffix)
  ) suffix++
  if (suffix > 0 && isLowSurrogate(after.charCodeAt(after.length - suffix))) suffix--
  let prefix = 0
  while (prefix < limit - suffix && before.charCodeAt(prefix) === after.charCodeAt(prefix)) prefix++
  if (prefix > 0 && isHighSurrogate(after.charCodeAt(prefix - 1))) prefix--
  return {
    index: prefix,
    remove: before.length - prefix - suffix,
    insert: after.slice(prefix, after.length - suffix)
  }
}

/**
 * Where `position` moves when a Yjs text delta ([{retain}|{insert}|{delete}]) is applied.
 * Text inserted exactly at the position goes after it: a caret stays glued to the character on
 * its left, so two people typing at the same place do not interleave their words.
 */
export function transformIndex (position, delta) {
  let cursor = 0
  let moved = position
  for (const op of delta) {
    if (cursor > moved) break
    if (op.retain !== undefined) {
      cursor += op.retain
    } else if (op.insert !== undefined) {
      const length = typeof op.insert === 'string' ? op.insert.length : 1
      if (cursor < moved) moved += length
      cursor += length
    } else if (op.delete !== undefined) {
      moved -= Math.min(op.delete, Math.max(0, moved - cursor))
    }
  }
  return moved
}
