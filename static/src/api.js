// The JSON API of the Consenso server. Same-origin fetches: the session cookie goes along by itself,
// and every unsafe request carries the session's form token (CSRF protection), which /api/me hands out.

let formToken = null

export class ApiError extends Error {
  constructor (status, path) {
    super(`${path} answered ${status}`)
    this.status = status
  }
}

async function request (method, path, body) {
  const init = { method, headers: { Accept: 'application/json' }, credentials: 'same-origin' }
  if (method !== 'GET' && method !== 'HEAD' && formToken) init.headers['X-CSRF-Token'] = formToken
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json'
    init.body = JSON.stringify(body)
  }
  const response = await fetch(path, init)
  if (!response.ok) throw new ApiError(response.status, path)
  return response.status === 204 ? null : response.json()
}

/** The signed-in user, or null when nobody is signed in (401). */
export async function currentUser () {
  try {
    const user = await request('GET', '/api/me')
    formToken = user.csrf_token ?? null
    return user
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return null
    throw error
  }
}

export const listDocuments = () => request('GET', '/api/documents')
export const showDocument = (id) => request('GET', `/api/documents/${id}`)
export const signOut = () => request('POST', '/api/signout')

/** The demo users, or null when demo sign-in is off on this server (404). */
export async function demoUsers () {
  try {
    return await request('GET', '/api/demo/users')
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return null
    throw error
  }
}

/** The identity providers configured on this server: [{name, title, url}]. */
export const signInProviders = () => request('GET', '/api/signin/providers')

export const demoSignIn = (userId) => request('POST', '/api/demo/signin', { user_id: userId })
