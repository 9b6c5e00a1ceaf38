// Small form pieces for the Secretariat's views: labelled fields, selects and the run of one act, whose
// failure is said beside the form in the reader's language.
import { h, say } from './dom.js'
import { explain } from './errors.js'

/** A label and its control, tied by the control's id. */
export function field (label, control, hint = null) {
  return h('div', { class: 'form-field' },
    h('label', { for: control.id }, label),
    control,
    hint ? h('p', { class: 'hint', id: `${control.id}-hint` }, hint) : null)
}

export function input (id, attrs = {}) {
  return h('input', { class: 'field', id, name: id, ...attrs })
}

/** A select of [value, text, name] options, `chosen` selected; `name` true: the text is a proper name
 * (a delegation's), left as it is written in every language. */
export function select (id, options, chosen = null, attrs = {}) {
  return h('select', { class: 'field', id, name: id, ...attrs },
    options.map(([value, text, name]) => h('option', { value, selected: value === chosen, translate: name ? 'no' : false }, text)))
}

/** `delegations` as select options, "Name (CODE)" (`codeFirst`: "CODE — Name", for narrow columns), proper names. */
export const delegationOptions = (delegations, { codeFirst = false } = {}) =>
  delegations.map((d) => [d.code, codeFirst ? `${d.code} — ${d.name}` : `${d.name} (${d.code})`, true])

/** Runs `work`; says `done(result)` in `status` when it succeeds, or why it failed. Returns its result or null. */
export async function run (status, work, done) {
  say(status, '')
  try {
    const result = await work()
    if (done) say(status, done(result), 'info')
    return result
  } catch (failure) {
    say(status, explain(failure), 'error')
    return null
  }
}

/** A line that says what an act did or why it failed, announced to screen readers. */
export const statusLine = () => h('p', { class: 'form-status', role: 'status', 'aria-live': 'polite', hidden: true })

/** The view's notice line: it says what the last act did once the view is drawn again, and takes focus. */
export function noticeLine () {
  const line = statusLine()
  line.classList.add('register-notice')
  line.tabIndex = -1
  return line
}

/** What draws a view again with `render` and then says `said` (texts or nodes) in its notice line. */
export function redrawer (container, render, context) {
  return async (...said) => {
    await render(container, context)
    const line = container.querySelector('.register-notice')
    if (line === null) return
    line.hidden = false
    line.dataset.kind = 'info'
    line.replaceChildren(...said)
    line.focus()
  }
}
