// One open document, the negotiation room: the Y.Doc with its socket and its copy in this browser,
// the live notices, who is here, and the views of the document (draft with its review pane, the
// consensus matrix, the compilation text, the chair's console).
import * as Y from 'yjs'
import * as api from './api.js'
import { byId, h, say } from './dom.js'
import { plural, t } from './i18n.js'
import { connect } from './connection.js'
import { keepOffline } from './offline.js'
import { listen } from './live.js'
import { DraftView } from './draft.js'
import { announce, showOthers } from './presence.js'
import { markDirtyFields, renderPane } from './reviewpane.js'
import { silenceBanner } from './silence.js'
import { renderMatrix } from './matrix.js'
import { renderCompilation } from './compilationview.js'
import { renderConsole } from './console.js'
import { canEdit, isChair } from './roles.js'
import { announcement } from './announcements.js'
import { BilingualView, languagesOf } from './bilingual.js'
import { MEMORY_VIEWS, renderMemory } from './memoryviews.js'

// The views of a document, in tab order; the historical memory's (revisions, time slider, audit trail)
// come from memoryviews.js.
const VIEWS = [
  { name: 'draft', label: 'tabs.draft', shown: () => true },
  { name: 'languages', label: 'languages.tab', shown: (me, room) => languagesOf(room.ydoc) !== null },
  { name: 'compilation', label: 'tabs.compilation', shown: () => true },
  { name: 'matrix', label: 'tabs.matrix', shown: (me) => !isChair(me) },
  { name: 'console', label: 'tabs.console', shown: (me) => isChair(me) },
  ...MEMORY_VIEWS
]

const CONNECTION_TEXT = {
  connecting: 'connection.connecting',
  connected: 'connection.connected',
  reconnecting: 'connection.reconnecting',
  closed: 'connection.closed'
}

export class Room {
  constructor (documentId, { me, listed, onSignedOut }) {
    this.documentId = documentId
    this.me = me
    this.listed = listed
    this.onSignedOut = onSignedOut
    this.view = 'draft'
    this.threads = []
    this.positions = []
    this.silenceRecord = null
    this.observersMayComment = false
    this.selectedParagraph = null
    this.selection = null
    this.activeComment = null
    this.lastChanges = new Map()
    this.anchors = new Map() // comment id → [Y.RelativePosition start, end]
    this.adoptedHash = null
    this.connectionState = 'connecting'
    this.pendingOffline = 0
    this.open = true
    this.lastEdited = null

    this.pane = byId('review-pane')
    this.container = byId('paragraphs')
    this.container.replaceChildren()
    this.container.setAttribute('aria-busy', 'true')
    this.pane.replaceChildren()
    byId('announcements').replaceChildren()
    say(byId('notice'), '')
    markDirtyFields(this.pane)

    this.ydoc = new Y.Doc()
    const info = this.ydoc.getMap('info')
    this.draft = new DraftView(this.ydoc, this.container, this, (summary) => this.showSummary(summary))
    info.observeDeep(() => this.onInfoChanged())

    this.offline = keepOffline(this.ydoc, `consenso-u${me.id}-d${documentId}`,
      (origin) => origin !== this.provider,
      (count) => { this.pendingOffline = count; this.showConnection() })
    this.provider = connect(this.ydoc, documentId, {
      status: (state) => {
        this.connectionState = state
        if (state !== 'connected') this.offline.disconnected()
        this.showConnection()
      },
      synced: () => {
        const first = !this.synced
        this.synced = true
        if (first) this.draft.refresh() // comment phrases can be placed now
        this.offline.synced()
        this.container.setAttribute('aria-busy', 'false')
        document.body.dataset.synced = 'true'
      },
      denied: (reason) => this.onDenied(reason),
      closed: (code, reason) => say(byId('notice'), t('connection.closed_by_server', { reason: reason || String(code) }), 'error'),
      dropped: () => this.explainDrop()
    })
    announce(this.provider.awareness, me)
    this.awareness = this.provider.awareness
    this.stopOthers = showOthers(this.awareness, byId('others'), (id) => this.labelOf(id), (places) => this.draft.showPlaces(places))
    this.onFocus = () => {
      const id = this.draft.focusedParagraph()
      this.awareness.setLocalStateField('paragraph', id)
      if (id !== null) {
        this.lastEdited = id
        if (id !== this.selectedParagraph) this.select(id, null)
      }
    }
    this.container.addEventListener('focusin', this.onFocus)
    this.stopLive = listen(documentId, (kind, payload) => this.onNotice(kind, payload), () => this.reloadAll())
    this.countdown = setInterval(() => this.banner?.tick(), 1000)
    window.consenso = { ydoc: this.ydoc, provider: this.provider, room: this } // for tests, benchmarks and the curious
    this.showHeader()
    this.reloadAll()
  }

  // -- what the views ask ---------------------------------------------------------------------------

  documentInfo () { return this.draft.documentInfo() }
  silence () { return this.silenceRecord }
  /** Who last changed paragraph `id`'s status or lock, and why: from the live notice, else from `info`. */
  lastChange (id) {
    const info = this.draft.paragraphInfo(id)
    return this.lastChanges.get(id) ?? (info.changed_by ? { by: info.changed_by, reason: info.reason } : null)
  }

  labelOf (id) {
    const info = this.draft.paragraphInfo(id)
    return info.label || t(`kind.${info.kind ?? 'operative'}`)
  }

  counts (id) {
    return {
      comments: this.threads.filter((c) => c.paragraph.id === id && c.resolved_at === null).length,
      positions: this.positions.filter((p) => p.paragraph_id === id && p.submitted && !p.submitted.withdrawn).length
    }
  }

  /** The open threads' phrases in paragraph `id`, where they are now (relative positions follow edits). */
  commentSpans (id) {
    const ytext = this.ydoc.getMap('paragraphs').get(id)
    if (!ytext) return []
    const spans = []
    for (const comment of this.threads) {
      if (comment.paragraph.id !== id || comment.resolved_at !== null) continue
      const anchor = this.anchorOf(comment, ytext)
      if (!anchor) continue
      const from = Y.createAbsolutePositionFromRelativePosition(anchor[0], this.ydoc)
      const to = Y.createAbsolutePositionFromRelativePosition(anchor[1], this.ydoc)
      if (from && to && from.type === ytext && to.index > from.index) spans.push({ from: from.index, to: to.index, active: comment.id === this.activeComment })
    }
    return spans
  }

  /** A thread's phrase as two relative positions, placed once this copy holds the server's text. */
  anchorOf (comment, ytext) {
    if (this.anchors.has(comment.id)) return this.anchors.get(comment.id)
    const span = comment.span
    if (!this.synced || !span || span.detached || span.start === null || span.end > ytext.length) return null
    const anchor = [
      Y.createRelativePositionFromTypeIndex(ytext, span.start, 0),
      Y.createRelativePositionFromTypeIndex(ytext, span.end, -1)
    ]
    this.anchors.set(comment.id, anchor)
    return anchor
  }

  select (id, span, { openPane = false } = {}) {
    const changed = id !== this.selectedParagraph
    if (changed) this.draft.view(this.selectedParagraph)?.setSelected(false)
    this.selectedParagraph = id
    this.draft.view(id)?.setSelected(true)
    const hadSpan = this.selection !== null
    // The editor reports every change of its selection: a collapsed one means no phrase is chosen.
    this.selection = span ? { paragraphId: id, span } : null
    if (changed || span || hadSpan) this.renderPane()
    if (openPane) this.pane.querySelector('.pane-title')?.focus()
  }

  activateComment (commentId) {
    this.activeComment = commentId
    this.draft.refresh()
    this.renderPane()
  }

  say (text) {
    const list = byId('announcements')
    list.prepend(h('p', { class: 'announcement' }, text))
    while (list.children.length > 3) list.lastChild.remove()
  }

  // -- loading --------------------------------------------------------------------------------------

  async reloadAll () {
    await Promise.all([this.reloadComments(), this.reloadPositions(), this.reloadSilence(), this.reloadSettings()])
  }

  /** Runs a reload; a failure of the network or the server is retried a few times, then logged. */
  async guarded (work, attempts = 4) {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work()
      } catch (error) {
        if (error instanceof api.ApiError && error.status === 401) return this.onSignedOut()
        const passing = error instanceof api.NetworkError || (error instanceof api.ApiError && error.status >= 500)
        if (!passing || attempt >= attempts || !this.open) {
          console.error(error)
          return
        }
        await new Promise((resolve) => setTimeout(resolve, 500 * attempt))
      }
    }
  }

  reloadComments () {
    return this.guarded(async () => {
      this.threads = await api.listComments(this.documentId)
      this.draft.refresh()
      this.renderPane()
    })
  }

  reloadPositions () {
    return this.guarded(async () => {
      this.positions = await api.listPositions(this.documentId)
      this.draft.refresh()
      this.renderPane()
      if (this.view !== 'draft') this.renderSecondary()
    })
  }

  reloadSilence () {
    return this.guarded(async () => {
      this.silenceRecord = await api.showSilence(this.documentId)
      this.showHeader()
      this.draft.refresh()
    })
  }

  reloadSettings () {
    return this.guarded(async () => {
      this.observersMayComment = (await api.commentSettings(this.documentId)).observers_may_comment
      this.renderPane()
    })
  }

  // -- live -----------------------------------------------------------------------------------------

  onNotice (kind, payload) {
    const text = announcement(kind, payload, this)
    if (text) this.say(text)
    if (kind === 'comment') this.reloadComments()
    else if (kind === 'position') this.reloadPositions()
    else if (kind === 'paragraph_status') {
      this.lastChanges.set(payload.id, { by: payload.by, reason: payload.reason })
      this.draft.view(payload.id)?.update(this.draft.paragraphInfo(payload.id))
      this.renderPane()
      if (this.view !== 'draft') this.renderSecondary()
    } else if (kind === 'silence' || kind === 'silence_broken') {
      this.reloadSilence()
      if (this.view !== 'draft') this.renderSecondary()
    } else if (kind === 'comment_settings') {
      this.observersMayComment = payload.observers_may_comment === true
      this.renderPane()
      if (this.view === 'console') this.renderSecondary()
    } else if (kind === 'adopted') {
      this.adoptedHash = payload.sha256
      this.reloadSilence()
    }
  }

  onInfoChanged () {
    this.showHeader()
    if (this.selectedParagraph) this.renderPane()
    if (this.view === 'console') this.renderSecondary()
  }

  onDenied (reason) {
    const view = this.draft.view(this.lastEdited)
    const explained = view?.readOnlyReason
    const text = explained ?? t('refusal.server', { reason: reason || t('refusal.server_unknown') })
    if (view) view.showRefusal(text)
    else say(byId('notice'), text, 'error')
  }

  async explainDrop () {
    if (this.asked || !this.open) return
    this.asked = true
    try {
      await api.showDocument(this.documentId)
    } catch (error) {
      if (!(error instanceof api.ApiError) || !this.open) return // the network itself: y-websocket keeps retrying
      if (error.status === 401) return this.onSignedOut()
      this.provider.disconnect()
      this.connectionState = 'closed'
      this.showConnection()
      say(byId('notice'), error.status === 404 ? t('document.missing') : t('document.not_participant'), 'error')
    }
  }

  // -- rendering ------------------------------------------------------------------------------------

  showConnection () {
    if (this.connectionState === 'connected') this.asked = false
    const el = byId('connection')
    el.dataset.state = this.connectionState
    const offline = this.connectionState !== 'connected' && this.pendingOffline > 0
    el.dataset.offline = String(offline)
    el.textContent = offline
      ? plural('connection.offline_kept', this.pendingOffline)
      : t(CONNECTION_TEXT[this.connectionState])
  }

  showSummary (summary) {
    this.summaryCache = summary
    const brackets = byId('brackets')
    const total = summary.brackets + summary.bracketedParagraphs
    brackets.hidden = false
    brackets.textContent = total === 0 ? t('brackets.none') : plural('brackets.remaining', total)
    brackets.title = t('brackets.detail', { inText: summary.brackets, paragraphs: summary.bracketedParagraphs })
  }

  showHeader () {
    const info = this.documentInfo()
    const title = info?.title ?? this.listed?.title ?? t('document.untitled', { id: this.documentId })
    byId('draft-title').textContent = title
    document.title = `${title} — Consenso`
    byId('draft-negotiation').textContent = this.listed?.negotiation?.title ?? ''
    const status = byId('draft-status')
    status.hidden = !info?.status
    status.dataset.status = info?.status ?? ''
    status.textContent = info?.status ? t(`document_status.${info.status}`) : ''
    this.banner = silenceBanner(this)
    byId('document-banner').replaceChildren(...(this.banner.el ? [this.banner.el] : []))
    const note = byId('role-note')
    const roleNote = this.me.role === 'observer' ? 'role_note.observer' : !canEdit(this.me) ? 'role_note.read_only' : null
    note.hidden = roleNote === null
    note.textContent = roleNote ? t(roleNote, { role: t(`role.${this.me.role}`) }) : ''
    document.body.dataset.role = this.me.role
    this.showTabs()
    this.showConnection()
    if (this.summaryCache) this.showSummary(this.summaryCache)
  }

  showTabs () {
    const tabs = byId('document-tabs')
    tabs.replaceChildren(...VIEWS.filter((view) => view.shown(this.me, this)).map((view) =>
      h('a', {
        href: `#/documents/${this.documentId}${view.name === 'draft' ? '' : `/${view.name}`}`,
        class: 'tab',
        'aria-current': view.name === this.view ? 'page' : false
      }, t(view.label))))
  }

  renderPane () {
    if (this.view === 'draft') renderPane(this.pane, this)
  }

  /** Shows `view` ("draft", "matrix", "compilation", "console"); `paragraphId` selects one in the draft. */
  show (view, paragraphId = null) {
    this.view = VIEWS.some((v) => v.name === view && v.shown(this.me, this)) ? view : 'draft'
    byId('draft-layout').hidden = this.view !== 'draft'
    byId('secondary-view').hidden = this.view === 'draft'
    this.showTabs()
    if (this.view === 'draft') {
      this.renderPane()
      if (paragraphId) {
        this.select(paragraphId, null)
        this.draft.view(paragraphId)?.el.scrollIntoView({ block: 'center' })
      }
    } else {
      this.renderSecondary()
    }
  }

  renderSecondary () {
    const section = byId('secondary-view')
    const heading = h('h2', { class: 'section-title' }, t(VIEWS.find((v) => v.name === this.view).label))
    const body = h('div', { class: 'secondary-body' })
    if (this.view === 'console') {
      section.replaceChildren(body)
      return renderConsole(body, this)
    }
    if (this.view === 'languages') {
      if (this.bilingual?.open()) return // live already: keep what the Secretariat is typing
      this.bilingual?.destroy()
      section.replaceChildren(heading, body)
      this.bilingual = new BilingualView(body, this)
      return
    }
    section.replaceChildren(heading, body)
    if (renderMemory(this.view, body, this)) return
    return this.view === 'matrix' ? renderMatrix(body, this) : renderCompilation(body, this)
  }

  /** Language changed: everything drawn from the catalogue is drawn again. */
  refresh () {
    this.bilingual?.destroy() // drawn again in the new language
    this.bilingual = null
    this.showHeader()
    this.draft.refresh()
    this.show(this.view)
  }

  close () {
    this.open = false
    clearInterval(this.countdown)
    this.container.removeEventListener('focusin', this.onFocus)
    this.stopLive()
    this.stopOthers()
    this.draft.destroy()
    this.bilingual?.destroy()
    this.provider.destroy()
    this.offline.destroy()
    this.ydoc.destroy()
    if (window.consenso?.room === this) delete window.consenso
  }
}
