// The colour of a delegation, the same in every browser: derived from its code, never taken from
// what another browser says about itself (awareness is not trusted beyond the server's stamp).
// Eight hues that stay readable as white text on the colour and as a light tint behind black text;
// each has a CSS class .person-N in style.css (no inline styles: the pages run under a strict CSP).
export const PALETTE_SIZE = 8

export function colourIndex (delegation) {
  const code = String(delegation ?? '')
  let hash = 2166136261
  for (let i = 0; i < code.length; i++) {
    hash ^= code.charCodeAt(i)
    hash = Math.imul(hash, 16777619) >>> 0
  }
  return code === '' ? 0 : hash % PALETTE_SIZE
}

export const colourClass = (delegation) => `person-${colourIndex(delegation)}`

// The same hues as hex, only for the `color`/`colorLight` fields a stock Yjs client reads from our awareness.
export const HEX = ['#1d4e89', '#b4460f', '#17693d', '#7b3fb0', '#b0243f', '#0b6b7d', '#8a5a00', '#4a4fb8']
