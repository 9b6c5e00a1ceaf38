// What a person reads when something failed: the server's stable error code mapped to a catalogue
// entry (error.<code>, with its params), else a sentence for the HTTP status with the server's own words.
import { ApiError, NetworkError } from './api.js'
import { has, t } from './i18n.js'
import { h } from './dom.js'

const STATUSES = [400, 401, 403, 404, 409, 413, 422, 429, 500, 503]

export function explain (error) {
  if (error instanceof NetworkError) return t('error.network')
  if (!(error instanceof ApiError)) return t('error.unexpected')
  if (error.code && has(`error.${error.code}`)) return t(`error.${error.code}`, error.params)
  const status = STATUSES.includes(error.status) ? error.status : error.status >= 500 ? 500 : 400
  const sentence = t(`error.status.${status}`)
  return error.serverMessage ? t('error.with_detail', { sentence, detail: error.serverMessage }) : sentence
}

/** What `load()` answers, or null after saying in `container` why it could not be loaded. */
export async function loadInto (container, load) {
  try {
    return await load()
  } catch (failure) {
    container.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, explain(failure)))
    return null
  }
}
