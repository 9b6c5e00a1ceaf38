// The drafting page: the documents list, or one negotiation room, chosen by the URL hash:
//   #/                                 documents
//   #/documents/{id}[/draft/{paragraph}] the draft (a paragraph selected)
//   #/documents/{id}/compilation | /matrix | /console | /languages | /revisions | /history | /audit
//   #/secretariat[/negotiations|/delegations|/users] the Secretariat's administration (secretariat.js)
import { ApiError, currentUser, listDocuments, showSilence, signOut } from './api.js'
import { byId, say } from './dom.js'
import { onLanguage, t } from './i18n.js'
import { languageSwitch } from './languageswitch.js'
import { explain } from './errors.js'
import { renderDocuments } from './documents.js'
import { Room } from './room.js'
import { mayAdminister, renderSecretariat, secretariatView } from './secretariat.js'

// The top navigation; each entry's view is shown by route() below.
const NAVIGATION = [
  { id: 'nav-documents', shown: () => true },
  { id: 'nav-secretariat', shown: mayAdminister }
]

let me = null
let documents = []
let room = null

function goToSignIn () {
  location.assign('/signin')
}

function parseHash () {
  const match = /^#\/documents\/(\d+)(?:\/(draft|compilation|matrix|console|languages|revisions|history|audit)(?:\/([\w-]+))?)?$/.exec(location.hash)
  return match ? { documentId: Number(match[1]), view: match[2] ?? 'draft', paragraphId: match[3] ?? null } : null
}

function route () {
  const target = parseHash()
  if (room && (target === null || target.documentId !== room.documentId)) {
    room.close()
    room = null
  }
  const administration = target === null && mayAdminister(me) ? secretariatView(location.hash) : undefined
  byId('secretariat-view').hidden = administration === undefined
  byId('nav-secretariat').setAttribute('aria-current', administration === undefined ? 'false' : 'page')
  byId('documents-view').hidden = target !== null || administration !== undefined
  byId('draft-view').hidden = target === null
  if (administration !== undefined) {
    renderSecretariat(administration, { me, documents: () => documents, reloadDocuments: loadDocuments })
  } else if (target === null) {
    document.title = `${t('documents.heading')} — Consenso`
    renderDocuments(byId('document-list'), documents)
  } else {
    if (room === null) {
      const listed = documents.find((doc) => doc.id === target.documentId)
      room = new Room(target.documentId, { me, listed, onSignedOut: goToSignIn })
    }
    room.show(target.view, target.paragraphId)
  }
  if (target === null || target.view !== 'draft' || !target.paragraphId) byId('main').focus({ preventScroll: true })
}

async function signOutAndLeave () {
  try {
    await signOut()
  } catch (error) {
    say(byId('notice-page'), explain(error), 'error')
    return
  }
  room?.close()
  goToSignIn()
}

async function loadDocuments () {
  documents = await listDocuments()
  await Promise.all(documents.filter((doc) => doc.status === 'under_silence').map(async (doc) => {
    doc.silence = await showSilence(doc.id)
  }))
}

async function start () {
  languageSwitch()
  byId('sign-out').addEventListener('click', signOutAndLeave)
  try {
    me = await currentUser()
    if (me === null) return goToSignIn()
    await loadDocuments()
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) return goToSignIn()
    say(byId('notice-page'), explain(error), 'error')
    throw error
  }
  const showMe = () => {
    const role = t(`role.${me.role}`)
    byId('me').textContent = [me.name, me.delegation, role === me.name ? null : role].filter(Boolean).join(' · ')
    for (const entry of NAVIGATION) byId(entry.id).hidden = !entry.shown(me)
  }
  showMe()
  onLanguage(() => {
    showMe()
    if (room) room.refresh()
    else route()
  })
  window.addEventListener('hashchange', route)
  route()
  document.body.dataset.ready = 'true'
}

start()
