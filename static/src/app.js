// The drafting page: the documents list, or one live draft, chosen by the URL hash.
import { ApiError, currentUser, listDocuments, signOut } from './api.js'
import { byId, say } from './dom.js'
import { renderDocuments } from './documents.js'
import { openDraft } from './draftpage.js'

let me = null
let documents = []
let draft = null // the open draft's { close }, if one is on screen

function goToSignIn () {
  location.assign('/signin')
}

function documentIdFromHash () {
  const match = /^#\/documents\/(\d+)$/.exec(location.hash)
  return match ? Number(match[1]) : null
}

function route () {
  draft?.close()
  draft = null
  const documentId = documentIdFromHash()
  byId('documents-view').hidden = documentId !== null
  byId('draft-view').hidden = documentId === null
  if (documentId === null) {
    document.title = 'Documents — Consenso'
    renderDocuments(byId('document-list'), documents)
  } else {
    const listed = documents.find((doc) => doc.id === documentId)
    draft = openDraft(documentId, { me, listed, onSignedOut: goToSignIn })
  }
  byId('main').focus({ preventScroll: true })
}

async function signOutAndLeave () {
  try {
    await signOut()
  } catch (error) {
    say(byId('notice-page'), 'Signing out failed. Check your connection and try again.', 'error')
    throw error
  }
  draft?.close()
  goToSignIn()
}

async function start () {
  byId('sign-out').addEventListener('click', signOutAndLeave)
  try {
    me = await currentUser()
    if (me === null) return goToSignIn()
    documents = await listDocuments()
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return goToSignIn()
    say(byId('notice-page'), 'The server could not be reached. Reload the page to try again.', 'error')
    throw error
  }
  byId('me').textContent = me.delegation ? `${me.name} · ${me.delegation}` : me.name
  window.addEventListener('hashchange', route)
  route()
  document.body.dataset.ready = 'true'
}

start()
