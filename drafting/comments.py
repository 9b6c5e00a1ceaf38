"""Comments on paragraphs: threads, replies, edits with their history, resolution, visibility.

A comment keys on the paragraph's stable id, so it stays with its paragraph through edits, renumbering
and moves; the label is looked up when comments are read. A comment may also mark a span of the
paragraph with two Yjs relative positions (stored as the binary of `Y.encodeRelativePosition`), which
follow the words as the text is edited. The API counts span offsets in UTF-16 code units, as yjs in the
browser does; pycrdt counts UTF-8 bytes, so every offset is converted here (drafting.textpos).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from pycrdt import Assoc, Doc, StickyIndex, Text
from sqlalchemy import select
from sqlalchemy.orm import Session

from drafting import audit
from drafting.clock import utcnow
from drafting.deliberation_models import Comment, CommentEdit, CommentSettings
from drafting.errors import Conflict, InvalidInput, NotFound, NotPermitted
from drafting.kinds import Role, Visibility
from drafting.layout import bind, read_paragraphs
from drafting.models import User
from drafting.textpos import codepoint_to_utf16, utf8_offset, utf8_to_codepoint, utf16_to_codepoint
from drafting.updates import is_engine_panic

T = TypeVar("T")
BODY_LIMIT = 10_000  # code points


# -- the PPT's setting ------------------------------------------------------------------------------


def observers_may_comment(session: Session, document_id: int) -> bool:
    settings = session.get(CommentSettings, document_id)
    return settings is not None and settings.observers_may_comment


def set_observers_may_comment(session: Session, document_id: int, allowed: bool, by: User) -> None:
    settings = session.get(CommentSettings, document_id)
    if settings is None:
        settings = CommentSettings(document_id=document_id)
        session.add(settings)
    settings.observers_may_comment = allowed
    settings.changed_at = utcnow()
    settings.changed_by_id = by.id
    session.flush()
    audit.record(
        session,
        by.id,
        "comments_observers_" + ("opened" if allowed else "closed"),
        f"document/{document_id}",
        "observers may comment" if allowed else "observers may not comment",
    )


# -- writing ----------------------------------------------------------------------------------------


def add_comment(
    session: Session,
    doc: Doc[Any],
    document_id: int,
    author: User,
    paragraph_id: str,
    body: str,
    visibility: Visibility,
    span: tuple[int, int] | None = None,
) -> Comment:
    """Start a thread on a paragraph; `span` is (start, end) in UTF-16 units of its current text."""
    text = _paragraph_text(doc, paragraph_id)
    if visibility is Visibility.DELEGATION and author.delegation_id is None:
        raise InvalidInput("only members of a delegation can write delegation-only notes")
    comment = Comment(
        document_id=document_id,
        paragraph_id=paragraph_id,
        author=author,
        delegation_id=author.delegation_id,
        visibility=visibility,
        by_observer=author.role is Role.OBSERVER,
        body=_checked_body(body),
        created_at=utcnow(),
    )
    if span is not None:
        comment.span_start, comment.span_end, comment.quote = _anchor(text, *span)
    session.add(comment)
    session.flush()
    _audited(session, comment, "comment_added", f"a thread ({visibility.value})")
    return comment


def reply(session: Session, document_id: int, thread_id: int, author: User, body: str) -> Comment:
    """Answer a thread; the reply shares the thread's paragraph and visibility."""
    thread = comment_by_id(session, document_id, thread_id)
    if thread.thread_id is not None:
        raise InvalidInput("reply to the thread's first comment")
    if not visible_to(thread, author.delegation_id):
        raise NotFound("comment", thread_id)
    answer = Comment(
        document_id=document_id,
        paragraph_id=thread.paragraph_id,
        thread_id=thread.id,
        author=author,
        delegation_id=author.delegation_id,
        visibility=thread.visibility,
        by_observer=author.role is Role.OBSERVER,
        body=_checked_body(body),
        created_at=utcnow(),
    )
    session.add(answer)
    session.flush()
    _audited(session, answer, "comment_replied", f"a reply to comment {thread.id}")
    return answer


def edit(session: Session, document_id: int, comment_id: int, editor: User, body: str) -> Comment:
    """Change a comment's text, keeping the former text in its history. Only its author may."""
    comment = comment_by_id(session, document_id, comment_id)
    if comment.author_id != editor.id:
        raise NotPermitted("only the author of a comment may edit it", code="not_the_author")
    body = _checked_body(body)
    if body == comment.body:
        return comment
    now = utcnow()
    written_at = comment.edited_at or comment.created_at
    session.add(CommentEdit(comment_id=comment.id, body=comment.body, written_at=written_at, replaced_at=now))
    comment.body = body
    comment.edited_at = now
    session.flush()
    _audited(session, comment, "comment_edited", "its text changed; the former text is kept")
    return comment


def resolve(
    session: Session, document_id: int, thread_id: int, by: User, *, resolved: bool = True
) -> Comment:
    """Resolve a thread, or reopen it (`resolved=False`)."""
    thread = comment_by_id(session, document_id, thread_id)
    if thread.thread_id is not None:
        raise InvalidInput("resolve or reopen the thread's first comment, not a reply")
    if not visible_to(thread, by.delegation_id):
        raise NotFound("comment", thread_id)
    if resolved == (thread.resolved_at is not None):
        raise Conflict(
            f"the thread is already {'resolved' if resolved else 'open'}",
            code="already_resolved" if resolved else "already_open",
        )
    thread.resolved_at = utcnow() if resolved else None
    thread.resolved_by_id = by.id if resolved else None
    session.flush()
    _audited(session, thread, "comment_resolved" if resolved else "comment_reopened", "", actor_id=by.id)
    return thread


def _audited(
    session: Session, comment: Comment, action: str, detail: str, *, actor_id: int | None = None
) -> None:
    """The audit trail's entry of a comment act (who, which comment; not its words, which stay with it)."""
    subject = f"document/{comment.document_id}/paragraph/{comment.paragraph_id}/comment/{comment.id}"
    audit.record(session, actor_id or comment.author_id, action, subject, detail)


# -- reading ----------------------------------------------------------------------------------------


def comment_by_id(session: Session, document_id: int, comment_id: int) -> Comment:
    comment = session.get(Comment, comment_id)
    if comment is None or comment.document_id != document_id:
        raise NotFound("comment", comment_id)
    return comment


def visible_to(comment: Comment, delegation_id: int | None) -> bool:
    return comment.visibility is Visibility.PARTICIPANTS or (
        delegation_id is not None and comment.delegation_id == delegation_id
    )


def threads(
    session: Session,
    doc: Doc[Any],
    document_id: int,
    reader_delegation_id: int | None,
    paragraph_id: str | None = None,
) -> list[dict[str, Any]]:
    """The threads a reader may see, in reading order of their paragraphs, each with its replies."""
    query = select(Comment).where(Comment.document_id == document_id).order_by(Comment.id)
    if paragraph_id is not None:
        query = query.where(Comment.paragraph_id == paragraph_id)
    comments = [c for c in session.scalars(query) if visible_to(c, reader_delegation_id)]
    paragraphs = {p.id: (position, p.label) for position, p in enumerate(read_paragraphs(doc))}
    replies: dict[int, list[Comment]] = {}
    for comment in comments:
        if comment.thread_id is not None:
            replies.setdefault(comment.thread_id, []).append(comment)
    heads = [c for c in comments if c.thread_id is None]
    heads.sort(key=lambda c: (paragraphs.get(c.paragraph_id, (len(paragraphs), ""))[0], c.id))
    result = []
    for head in heads:
        entry = comment_json(head, doc)
        entry["replies"] = [comment_json(r, doc) for r in replies.get(head.id, [])]
        result.append(entry)
    return result


def history(
    session: Session, document_id: int, comment_id: int, reader_delegation_id: int | None
) -> list[dict[str, Any]]:
    """Every text the comment has had, oldest first, the current one last."""
    comment = comment_by_id(session, document_id, comment_id)
    if not visible_to(comment, reader_delegation_id):
        raise NotFound("comment", comment_id)
    edits: Sequence[CommentEdit] = list(
        session.scalars(
            select(CommentEdit).where(CommentEdit.comment_id == comment.id).order_by(CommentEdit.id)
        )
    )
    past = [{"body": e.body, "written_at": e.written_at.isoformat()} for e in edits]
    current_at = comment.edited_at or comment.created_at
    return [*past, {"body": comment.body, "written_at": current_at.isoformat()}]


def comment_json(comment: Comment, doc: Doc[Any]) -> dict[str, Any]:
    labels = {p.id: p.label for p in read_paragraphs(doc)}
    delegation = comment.delegation
    return {
        "id": comment.id,
        "thread_id": comment.thread_id,
        "paragraph": {
            "id": comment.paragraph_id,
            "label": labels.get(comment.paragraph_id),
            "present": comment.paragraph_id in labels,
        },
        "author": {"id": comment.author.id, "name": comment.author.name},
        "delegation": delegation.code if delegation is not None else None,
        "by_observer": comment.by_observer,
        "visibility": comment.visibility.value,
        "body": comment.body,
        "span": span_now(comment, doc),
        "created_at": comment.created_at.isoformat(),
        "edited_at": comment.edited_at.isoformat() if comment.edited_at else None,
        "resolved_at": comment.resolved_at.isoformat() if comment.resolved_at else None,
        "resolved_by": comment.resolved_by.name if comment.resolved_by else None,
    }


def span_now(comment: Comment, doc: Doc[Any]) -> dict[str, Any] | None:
    """Where the comment's span is in the paragraph's current text (UTF-16 offsets), and its words.

    `detached` is true once every word of the span has been deleted. Where pycrdt cannot place an anchor
    (see _sticky), the span is found by its quoted words instead.
    """
    if comment.quote is None:
        return None
    text = bind(doc)[1].get(comment.paragraph_id)
    result: dict[str, Any] = {"quote": comment.quote}
    if not isinstance(text, Text):
        return {**result, "start": None, "end": None, "text": None, "detached": True}
    content = str(text)
    found = _resolve(comment, text, content)
    if found is None or found[0] > found[1]:
        return {**result, "start": None, "end": None, "text": None, "detached": True}
    first, last = found
    return {
        **result,
        "start": codepoint_to_utf16(content, first),
        "end": codepoint_to_utf16(content, last),
        "text": content[first:last],
        "detached": first == last,
    }


def _resolve(comment: Comment, text: Text, content: str) -> tuple[int, int] | None:
    anchored = _anchored(comment, text, content)
    if anchored is not None:
        return anchored
    at = content.find(comment.quote or "")
    return (at, at + len(comment.quote or "")) if at >= 0 and comment.quote else None


def _anchored(comment: Comment, text: Text, content: str) -> tuple[int, int] | None:
    if comment.span_start is None or comment.span_end is None:
        return None
    start_anchor, end_anchor = comment.span_start, comment.span_end
    try:
        start = _sticky(lambda: StickyIndex.decode(start_anchor, text).get_index())
        end = _sticky(lambda: StickyIndex.decode(end_anchor, text).get_index())
        if start is None or end is None:
            return None
        return utf8_to_codepoint(content, start), utf8_to_codepoint(content, end)
    except (ValueError, RuntimeError, IndexError):  # lost (the Y.Text was replaced) or misplaced anchors
        return None


def _sticky(compute: Callable[[], T]) -> T | None:
    """pycrdt 0.14 panics (a BaseException) placing or reading a sticky index near the end of a text
    whose last block came from another client and holds non-ASCII characters; None then."""
    try:
        return compute()
    except BaseException as exc:
        if not is_engine_panic(exc):
            raise
        return None


# -- helpers ----------------------------------------------------------------------------------------


def _paragraph_text(doc: Doc[Any], paragraph_id: str) -> Text:
    text = bind(doc)[1].get(paragraph_id)
    if not isinstance(text, Text) or paragraph_id not in list(bind(doc)[0]):
        raise NotFound("paragraph", paragraph_id)
    return text


def _anchor(text: Text, start: int, end: int) -> tuple[bytes | None, bytes | None, str]:
    content = str(text)
    try:
        first, last = utf16_to_codepoint(content, start), utf16_to_codepoint(content, end)
    except IndexError as exc:
        raise InvalidInput(f"span: {exc}") from exc
    if first >= last:
        raise InvalidInput("a span must cover at least one character (start < end, UTF-16 offsets)")
    # The start sticks to the first character of the span, the end to the last: words typed at
    # either edge stay outside it.
    head = _sticky(lambda: text.sticky_index(utf8_offset(content, first), Assoc.AFTER).encode())
    tail = _sticky(lambda: text.sticky_index(utf8_offset(content, last), Assoc.BEFORE).encode())
    if head is None or tail is None:
        return None, None, content[first:last]  # found by its words when read (see span_now)
    return head, tail, content[first:last]


def _checked_body(body: str) -> str:
    body = body.strip()
    if not body:
        raise InvalidInput("a comment needs some text")
    if len(body) > BODY_LIMIT:
        raise InvalidInput(f"a comment holds at most {BODY_LIMIT} characters; this one has {len(body)}")
    return body
