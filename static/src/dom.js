// Tiny DOM helpers: build elements without innerHTML, so no text is ever parsed as markup.

/**
 * h('a', { href: '#/', class: 'link' }, 'text', child) → element
 * Attribute values of `true` set a boolean attribute; `false`, null and undefined are skipped.
 */
export function h (tag, attrs = {}, ...children) {
  const el = document.createElement(tag)
  for (const [name, value] of Object.entries(attrs)) {
    if (value === false || value === null || value === undefined) continue
    el.setAttribute(name, value === true ? '' : String(value))
  }
  el.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false))
  return el
}

export function byId (id) {
  const el = document.getElementById(id)
  if (el === null) throw new Error(`#${id} is missing from the page`)
  return el
}

/** Shows one message in a live region; `kind` is "info" or "error". An empty text hides it. */
export function say (el, text, kind = 'info') {
  el.textContent = text
  el.dataset.kind = kind
  el.hidden = text === ''
}

/** "agreed_ad_ref" → "agreed ad ref": server enum values as words (CSS capitalizes the first letter). */
export function humanize (value) {
  return String(value ?? '').replaceAll('_', ' ')
}
