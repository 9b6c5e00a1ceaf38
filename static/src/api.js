// The JSON API of the Consenso server. Same-origin fetches: the session cookie goes along by itself,
// and every unsafe request carries the session's form token (CSRF protection), which /api/me hands out.
// An error body is {"error": message, "code"?: stable_code, "params"?: {...}}; ApiError keeps all three.

let formToken = null

export class ApiError extends Error {
  constructor (status, path, body = {}) {
    super(`${path} answered ${status}${body.error ? `: ${body.error}` : ''}`)
    this.status = status
    this.path = path
    this.serverMessage = typeof body.error === 'string' ? body.error : ''
    this.code = typeof body.code === 'string' ? body.code : null
    this.params = body.params && typeof body.params === 'object' ? body.params : {}
    this.body = body
  }
}

/** The network itself failed (offline, server down): no answer at all. */
export class NetworkError extends Error {}

async function request (method, path, body, file) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' }
  if (method !== 'GET' && method !== 'HEAD' && formToken) init.headers['X-CSRF-Token'] = formToken
  if (file !== undefined) {
    init.headers['Content-Type'] = file.type
    init.body = file.data
  } else if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  let response
  try {
    response = await fetch(path, init)
  } catch (error) {
    throw new NetworkError(String(error))
  }
  if (!response.ok) {
    let errorBody = {}
    try { errorBody = await response.json() } catch { errorBody = {} }
    throw new ApiError(response.status, path, errorBody && typeof errorBody === 'object' ? errorBody : {})
  }
  return response.status === 204 ? null : response.json()
}

const get = (path) => request('GET', path)
const post = (path, body = {}) => request('POST', path, body)
const put = (path, body) => request('PUT', path, body)
const doc = (id) => `/api/documents/${id}`
const para = (id, paragraphId) => `${doc(id)}/paragraphs/${encodeURIComponent(paragraphId)}`

/** The signed-in user, or null when nobody is signed in (401). */
export async function currentUser () {
  try {
    const user = await get('/api/me')
    formToken = user.csrf_token ?? null
    return user
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null
    throw error
  }
}

export const listDocuments = () => get('/api/documents')
export const showDocument = (id) => get(doc(id))
export const signOut = () => post('/api/signout')

// Consensus: statuses, locks, the silence procedure, adoption (the PPT; breaking silence: heads).
export const lockParagraph = (id, paragraphId, reason) => post(`${para(id, paragraphId)}/lock`, { reason })
export const unlockParagraph = (id, paragraphId, reason) => post(`${para(id, paragraphId)}/unlock`, { reason })
export const setStatus = (id, paragraphId, status, reason) =>
  post(`${para(id, paragraphId)}/status`, reason ? { status, reason } : { status })
export const startSilence = (id, deadline) => post(`${doc(id)}/silence`, deadline ? { deadline } : {})
export const cancelSilence = (id, reason) => request('DELETE', `${doc(id)}/silence`, reason ? { reason } : {})
export const breakSilence = (id, paragraphs, reason) => post(`${doc(id)}/silence/break`, { paragraphs, reason })
export const adopt = (id, asIs = []) => post(`${doc(id)}/adopt`, asIs.length ? { as_is: asIs } : {})
// The structure of the text (the PPT): insert after a paragraph, move after another (null: first), delete.
export const insertParagraph = (id, paragraph) => post(`${doc(id)}/paragraphs`, paragraph)
export const moveParagraph = (id, paragraphId, after) => post(`${para(id, paragraphId)}/move`, after ? { after } : {})
export const deleteParagraph = (id, paragraphId) => request('DELETE', para(id, paragraphId))

/** The latest silence procedure, or null when the document was never under silence (404). */
export async function showSilence (id) {
  try {
    return await get(`${doc(id)}/silence`)
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null
    throw error
  }
}

// Comments.
export const listComments = (id) => get(`${doc(id)}/comments`)
export const createComment = (id, comment) => post(`${doc(id)}/comments`, comment)
export const replyComment = (id, threadId, body) => post(`${doc(id)}/comments/${threadId}/replies`, { body })
export const resolveComment = (id, threadId) => post(`${doc(id)}/comments/${threadId}/resolve`)
export const reopenComment = (id, threadId) => post(`${doc(id)}/comments/${threadId}/reopen`)
export const commentSettings = (id) => get(`${doc(id)}/comment-settings`)
export const setObserversMayComment = (id, allowed) =>
  put(`${doc(id)}/comment-settings`, { observers_may_comment: allowed })

// Positions and amendments.
export const listPositions = (id) => get(`${doc(id)}/positions`)
export const saveDraftPosition = (id, paragraphId, proposal) => put(`${para(id, paragraphId)}/position/draft`, proposal)
export const submitPosition = (id, paragraphId, body) => post(`${para(id, paragraphId)}/position/versions`, body)
export const withdrawPosition = (id, paragraphId, revises) =>
  post(`${para(id, paragraphId)}/position/withdrawal`, { revises })
export const positionVersions = (id, paragraphId, delegation) =>
  get(`${para(id, paragraphId)}/positions/${encodeURIComponent(delegation)}/versions`)
export const previewIncorporation = (id, versionId) => get(`${doc(id)}/position-versions/${versionId}/incorporation`)
export const incorporate = (id, versionId) => post(`${doc(id)}/position-versions/${versionId}/incorporation`)

// The language versions (the Secretariat confirms a translation up to date with its source).
export const confirmTranslation = (id, paragraphId, language) =>
  post(`${para(id, paragraphId)}/translations/${encodeURIComponent(language)}/confirm`)
export const correctTranslation = (id, paragraphId, language, text, reason) =>
  put(`${para(id, paragraphId)}/translations/${encodeURIComponent(language)}`, { text, reason })

// The compilation text and the consensus matrix.
export const compilation = (id) => get(`${doc(id)}/compilation`)
export const consensusMatrix = (id) => get(`${doc(id)}/consensus-matrix`)

// The Secretariat's register: negotiations and their documents, delegations, users (admin: users).
export const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'
const negotiation = (id) => `/api/negotiations/${id}`
export const listNegotiations = () => get('/api/negotiations')
export const createNegotiation = (body) => post('/api/negotiations', body)
export const admitDelegation = (id, delegation) => post(`${negotiation(id)}/participants`, { delegation })
export const createDocument = (id, body) => post(`${negotiation(id)}/documents`, body)
/** A .docx or .txt File as the body; its type from its name when the browser gives none. */
export function importDocument (id, { title, kind, source_language: language }, file) {
  const type = file.name.toLowerCase().endsWith('.docx') ? DOCX : 'text/plain'
  const query = new URLSearchParams({ title, kind, ...(language ? { source_language: language } : {}) })
  return request('POST', `${negotiation(id)}/documents/import?${query}`, undefined, { type, data: file })
}
export const listDelegations = () => get('/api/delegations')
export const createDelegation = (body) => post('/api/delegations', body)
export const editDelegation = (id, body) => request('PATCH', `/api/delegations/${id}`, body)
export const listUsers = () => get('/api/users')
export const createUser = (body) => post('/api/users', body)
export const editUser = (id, body) => request('PATCH', `/api/users/${id}`, body)

/** The demo users, or null when demo sign-in is off on this server (404). */
export async function demoUsers () {
  try {
    return await get('/api/demo/users')
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null
    throw error
  }
}

/** The identity providers configured on this server: [{name, title, url}]. */
export const signInProviders = () => get('/api/signin/providers')
export const demoSignIn = (userId) => post('/api/demo/signin', { user_id: userId })

// The historical memory: revisions, comparisons, the time slider, restores, exports, the audit trail.
export const listRevisions = (id) => get(`${doc(id)}/revisions`)
export const makeRevision = (id, name) => post(`${doc(id)}/revisions`, name ? { name } : {})
export const compareRevisions = (id, from, to) =>
  get(`${doc(id)}/comparison?from=${from}${to === null || to === undefined ? '' : `&to=${to}`}`)
export const timeline = (id, after = 0, limit = 1000) => get(`${doc(id)}/timeline?after=${after}&limit=${limit}`)
// authorship 'without': only the text, quicker on a long history; 'with': who wrote each part of it too.
export const documentAt = (id, seq, authorship = 'with') => get(`${doc(id)}/history?seq=${seq}&authorship=${authorship}`)
export const documentAtMoment = (id, at, authorship = 'with') => get(`${doc(id)}/history?at=${encodeURIComponent(at)}&authorship=${authorship}`)
export const restoreRevision = (id, number, paragraphId) =>
  post(`${doc(id)}/revisions/${number}/restore`, paragraphId ? { paragraph_id: paragraphId } : {})
export const exportUrl = (id, number, extension) => `${doc(id)}/revisions/${number}/export.${extension}`
export const liveExportUrl = (id, extension) => `${doc(id)}/export.${extension}`
export const compilationDocxUrl = (id) => `${doc(id)}/compilation.docx`
export const editsByMinute = (id) => get(`${doc(id)}/edits`)
export const auditTrail = (negotiationId, query) => get(`/api/negotiations/${negotiationId}/audit?${query}`)
export const auditExportUrl = (negotiationId, extension, query) => `/api/negotiations/${negotiationId}/audit.${extension}?${query}`
