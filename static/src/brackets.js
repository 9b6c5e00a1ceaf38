// Square brackets as negotiators use them: [disputed words], nested [a [b] c] too.
// Pure functions over a paragraph's text; positions are UTF-16 units, as in JS strings and Yjs.

/**
 * The bracketed passages of `text`: [{from, to, depth}], `to` just after the closing bracket,
 * depth 1 for the outermost. An unmatched "[" runs to the end of the text (still disputed);
 * an unmatched "]" is ignored.
 */
export function bracketRanges (text) {
  const open = []
  const ranges = []
  for (let index = 0; index < text.length; index++) {
    const char = text.charCodeAt(index)
    if (char === 91) { // [
      open.push(index)
    } else if (char === 93 && open.length > 0) { // ]
      const from = open.pop()
      ranges.push({ from, to: index + 1, depth: open.length + 1 })
    }
  }
  while (open.length > 0) {
    const from = open.pop()
    ranges.push({ from, to: text.length, depth: open.length + 1, unclosed: true })
  }
  return ranges.sort((a, b) => a.from - b.from || b.to - a.to)
}

/** How many brackets (opened passages, nested ones included) remain in `text`. */
export function countBrackets (text) {
  let count = 0
  for (let index = 0; index < text.length; index++) if (text.charCodeAt(index) === 91) count++
  return count
}
