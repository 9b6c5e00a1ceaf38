// Comment threads on one paragraph: anchored phrases, replies, resolve and reopen, and a new thread on
// the phrase selected in the editor, for all participants or for one's own delegation only.
import * as api from './api.js'
import { h } from './dom.js'
import { formatMoment, t } from './i18n.js'
import { explain } from './errors.js'
import { canComment } from './roles.js'

function thread (room, comment) {
  const resolved = comment.resolved_at !== null
  const who = (c) => [c.author.name, c.delegation].filter(Boolean).join(' · ')
  const replyBox = h('textarea', { class: 'field', rows: '2', 'aria-label': t('comments.reply_label', { name: comment.author.name }) })
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true })
  const act = async (work) => {
    error.hidden = true
    try { await work() } catch (failure) {
      error.textContent = explain(failure)
      error.hidden = false
    }
  }
  const replyButton = h('button', { type: 'submit', class: 'button-quiet' }, t('comments.reply'))
  const toggle = h('button', { type: 'button', class: 'button-quiet' }, resolved ? t('comments.reopen') : t('comments.resolve'))
  toggle.addEventListener('click', () => act(async () => {
    await (resolved ? api.reopenComment : api.resolveComment)(room.documentId, comment.id)
    await room.reloadComments()
  }))
  const replyForm = h('form', { class: 'reply-form' }, replyBox, h('div', { class: 'actions' }, replyButton, toggle))
  replyForm.addEventListener('submit', (event) => {
    event.preventDefault()
    const body = replyBox.value.trim()
    if (!body) return
    act(async () => {
      await api.replyComment(room.documentId, comment.id, body)
      replyBox.value = ''
      await room.reloadComments()
    })
  })
  const span = comment.span
  const anchorButton = span && !span.detached
    ? h('button', { type: 'button', class: 'comment-quote', translate: 'no' }, `«${span.text ?? span.quote}»`)
    : span ? h('p', { class: 'comment-quote is-detached' }, t('comments.detached', { quote: span.quote })) : null
  anchorButton?.addEventListener?.('click', () => room.activateComment(comment.id))
  const mayWrite = canComment(room.me, room.observersMayComment)
  return h('li', { class: `thread${resolved ? ' is-resolved' : ''}${room.activeComment === comment.id ? ' is-active' : ''}`, 'data-comment': String(comment.id) },
    h('div', { class: 'thread-head' },
      h('span', { class: 'comment-author', translate: 'no' }, who(comment)),
      h('span', { class: `badge badge-visibility badge-${comment.visibility}` }, t(`comments.visibility.${comment.visibility}`)),
      resolved ? h('span', { class: 'badge badge-status' }, t('comments.resolved')) : null),
    anchorButton,
    h('p', { class: 'comment-body', translate: 'no' }, comment.body),
    h('p', { class: 'comment-when' }, formatMoment(comment.created_at)),
    comment.replies.length > 0
      ? h('ul', { class: 'replies' }, comment.replies.map((reply) =>
        h('li', { class: 'reply' },
          h('span', { class: 'comment-author', translate: 'no' }, who(reply)),
          h('p', { class: 'comment-body', translate: 'no' }, reply.body),
          h('p', { class: 'comment-when' }, formatMoment(reply.created_at)))))
      : null,
    mayWrite ? replyForm : null,
    error)
}

function newThreadForm (room, paragraphId) {
  const selection = room.selection?.paragraphId === paragraphId ? room.selection.span : null
  const body = h('textarea', { class: 'field', rows: '3', id: 'new-comment-body', required: true })
  const visibility = h('select', { class: 'field', id: 'new-comment-visibility' },
    h('option', { value: 'participants' }, t('comments.visibility.participants')),
    room.me.delegation && room.me.role !== 'observer'
      ? h('option', { value: 'delegation' }, t('comments.visibility.delegation_of', { delegation: room.me.delegation }))
      : null)
  const error = h('p', { class: 'form-error', role: 'alert', hidden: true })
  const form = h('form', { class: 'new-thread', 'aria-labelledby': 'new-comment-heading' },
    h('h4', { id: 'new-comment-heading' }, t('comments.new')),
    selection
      ? h('p', { class: 'comment-quote', translate: 'no' }, t('comments.on_phrase', { phrase: selection.text }))
      : h('p', { class: 'hint' }, t('comments.select_hint')),
    h('label', { for: 'new-comment-body' }, t('comments.body')),
    body,
    h('label', { for: 'new-comment-visibility' }, t('comments.visibility')),
    visibility,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'button-primary' }, t('comments.add'))),
    error)
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    const text = body.value.trim()
    if (!text) return
    error.hidden = true
    const request = { paragraph_id: paragraphId, body: text, visibility: visibility.value }
    if (selection) request.span = { start: selection.from, end: selection.to }
    try {
      await api.createComment(room.documentId, request)
      body.value = ''
      room.selection = null
      await room.reloadComments()
    } catch (failure) {
      error.textContent = explain(failure)
      error.hidden = false
    }
  })
  return form
}

/** The comments section of the review pane for `paragraphId`. */
export function commentsSection (room, paragraphId) {
  const threads = room.threads.filter((c) => c.paragraph.id === paragraphId)
  const open = threads.filter((c) => c.resolved_at === null)
  const resolved = threads.filter((c) => c.resolved_at !== null)
  return h('section', { class: 'pane-section', 'aria-labelledby': 'comments-heading' },
    h('h3', { id: 'comments-heading' }, t('comments.heading')),
    threads.length === 0 ? h('p', { class: 'hint' }, t('comments.none')) : null,
    open.length > 0 ? h('ul', { class: 'threads' }, open.map((c) => thread(room, c))) : null,
    resolved.length > 0
      ? h('details', { class: 'resolved-threads' },
        h('summary', {}, t('comments.resolved_count', { count: resolved.length })),
        h('ul', { class: 'threads' }, resolved.map((c) => thread(room, c))))
      : null,
    canComment(room.me, room.observersMayComment) ? newThreadForm(room, paragraphId) : h('p', { class: 'hint' }, t(room.me.role === 'observer' ? 'comments.observers_closed' : 'comments.not_allowed')))
}
