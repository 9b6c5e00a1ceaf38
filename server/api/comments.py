"""REST for comments on paragraphs: threads, replies, edits with their history, resolution, and the
PPT's setting that opens comments to observers. A new comment, reply or resolution is published as a
notice (delegation-only notes reach only that delegation). Span offsets count UTF-16 code units, as yjs
in the browser does (docs/decisions/0006-positions-in-utf16.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from sqlalchemy.orm import Session

from auth.policy import Action
from drafting import comments
from drafting.errors import NotFound, NotPermitted
from drafting.kinds import Visibility
from drafting.models import User
from server.api.pipeline import DOCUMENT, Call, Endpoint, endpoint
from server.api.schema import (
    BOOLEAN,
    INTEGER,
    STRING,
    Bounds,
    Count,
    array,
    enum,
    nullable,
    obj,
)

COMMENT_LIMIT = comments.BODY_LIMIT
ParagraphId = Annotated[str, Bounds(min_length=1, max_length=64)]
CommentText = Annotated[str, Bounds(min_length=1, max_length=COMMENT_LIMIT)]

SPAN = obj(
    quote=STRING,
    start=nullable(INTEGER),
    end=nullable(INTEGER),
    text=nullable(STRING),
    detached=BOOLEAN,
)
COMMENT = obj(
    id=INTEGER,
    thread_id=nullable(INTEGER),
    paragraph=obj(id=STRING, label=nullable(STRING), present=BOOLEAN),
    author=obj(id=INTEGER, name=STRING),
    delegation=nullable(STRING),
    by_observer=BOOLEAN,
    visibility=enum(Visibility),
    body=STRING,
    span=nullable(SPAN),
    created_at=STRING,
    edited_at=nullable(STRING),
    resolved_at=nullable(STRING),
    resolved_by=nullable(STRING),
)
THREAD = {**COMMENT, "properties": {**COMMENT["properties"], "replies": array(COMMENT)}}
SETTINGS = obj(observers_may_comment=BOOLEAN)
COMMENT_PATH = DOCUMENT + "/comments/{comment_id}"


@dataclass(frozen=True)
class Span:
    start: Count
    end: Count


@dataclass(frozen=True)
class NewComment:
    paragraph_id: ParagraphId
    body: CommentText
    visibility: Visibility = Visibility.PARTICIPANTS
    span: Span | None = None  # the phrase commented on, in UTF-16 units of the paragraph's text


@dataclass(frozen=True)
class CommentBody:
    body: CommentText


@dataclass(frozen=True)
class ParagraphFilter:
    paragraph: ParagraphId | None = None


@dataclass(frozen=True)
class CommentSettings:
    observers_may_comment: bool


def _audience(visibility: Visibility, delegation_id: int | None) -> int | None:
    return delegation_id if visibility is Visibility.DELEGATION else None


@endpoint(
    "GET",
    DOCUMENT + "/comments",
    Action.READ,
    "The comment threads the caller may see, with their replies; ?paragraph=ID for one paragraph's",
    query=ParagraphFilter,
    response=array(THREAD),
)
async def list_comments(call: Call) -> list[dict[str, Any]]:
    doc = await call.doc()
    paragraph_id = call.query.paragraph
    return await call.write(
        lambda s, u: comments.threads(s, doc, call.document_id, u.delegation_id, paragraph_id)
    )


@endpoint(
    "POST",
    DOCUMENT + "/comments",
    Action.COMMENT,
    "Start a comment thread on a paragraph, on a phrase of it if a span is given",
    body=NewComment,
    response=COMMENT,
    status=201,
)
async def create_comment(call: Call) -> dict[str, Any]:
    body: NewComment = call.body
    anchor = (body.span.start, body.span.end) if body.span is not None else None
    doc = await call.doc()

    def work(session: Session, user: User) -> tuple[dict[str, Any], int | None]:
        made = comments.add_comment(
            session, doc, call.document_id, user, body.paragraph_id, body.body, body.visibility, anchor
        )
        return comments.comment_json(made, doc), _audience(made.visibility, made.delegation_id)

    payload, audience = await call.write(work)
    call.publish("comment", {"event": "created", "comment": payload}, audience)
    return payload


@endpoint(
    "POST",
    COMMENT_PATH + "/replies",
    Action.COMMENT,
    "Reply to a thread",
    body=CommentBody,
    response=COMMENT,
    status=201,
)
async def reply_comment(call: Call) -> dict[str, Any]:
    body: CommentBody = call.body
    thread_id: int = call.path["comment_id"]
    doc = await call.doc()

    def work(session: Session, user: User) -> tuple[dict[str, Any], int | None]:
        made = comments.reply(session, call.document_id, thread_id, user, body.body)
        return comments.comment_json(made, doc), _audience(made.visibility, made.delegation_id)

    payload, audience = await call.write(work)
    call.publish("comment", {"event": "replied", "comment": payload}, audience)
    return payload


@endpoint(
    "PATCH",
    COMMENT_PATH,
    Action.COMMENT,
    "Edit one's own comment (the former text is kept)",
    body=CommentBody,
    response=COMMENT,
)
async def edit_comment(call: Call) -> dict[str, Any]:
    body: CommentBody = call.body
    comment_id: int = call.path["comment_id"]
    doc = await call.doc()

    def work(session: Session, user: User) -> tuple[dict[str, Any], int | None]:
        found = comments.comment_by_id(session, call.document_id, comment_id)
        if not comments.visible_to(found, user.delegation_id):
            raise NotFound("comment", comment_id)
        if found.author_id != user.id:
            raise NotPermitted("only the author of a comment may edit it", code="not_the_author")
        edited = comments.edit(session, call.document_id, comment_id, user, body.body)
        return comments.comment_json(edited, doc), _audience(edited.visibility, edited.delegation_id)

    payload, audience = await call.write(work)
    call.publish("comment", {"event": "edited", "comment": payload}, audience)
    return payload


@endpoint(
    "GET",
    COMMENT_PATH + "/history",
    Action.READ,
    "Every text a comment has had, oldest first",
    response=array(obj(body=STRING, written_at=STRING)),
)
async def comment_history(call: Call) -> list[dict[str, Any]]:
    comment_id: int = call.path["comment_id"]
    return await call.write(lambda s, u: comments.history(s, call.document_id, comment_id, u.delegation_id))


def _resolution(resolved: bool) -> Endpoint:
    verb = "resolve" if resolved else "reopen"

    async def handler(call: Call) -> dict[str, Any]:
        thread_id: int = call.path["comment_id"]
        doc = await call.doc()

        def work(session: Session, user: User) -> tuple[dict[str, Any], int | None]:
            thread = comments.resolve(session, call.document_id, thread_id, user, resolved=resolved)
            return comments.comment_json(thread, doc), _audience(thread.visibility, thread.delegation_id)

        payload, audience = await call.write(work)
        call.publish(
            "comment", {"event": "resolved" if resolved else "reopened", "comment": payload}, audience
        )
        return payload

    handler.__name__ = handler.__qualname__ = f"{verb}_thread"
    declare: Callable[[Any], Endpoint] = endpoint(
        "POST",
        COMMENT_PATH + "/" + verb,
        Action.COMMENT,
        f"{verb.capitalize()} a thread (its first comment)",
        response=COMMENT,
        errors=(409, 422),
    )
    return declare(handler)


@endpoint(
    "GET",
    DOCUMENT + "/comment-settings",
    Action.READ,
    "Whether observers may comment on this document",
    response=SETTINGS,
)
async def show_comment_settings(call: Call) -> dict[str, Any]:
    assert call.scope is not None
    return {"observers_may_comment": call.scope.observers_may_comment}


@endpoint(
    "PUT",
    DOCUMENT + "/comment-settings",
    Action.OPEN_COMMENTS,
    "Open or close comments to observers (the PPT)",
    body=CommentSettings,
    response=SETTINGS,
)
async def change_comment_settings(call: Call) -> dict[str, Any]:
    allowed: bool = call.body.observers_may_comment
    await call.write(lambda s, u: comments.set_observers_may_comment(s, call.document_id, allowed, u))
    call.publish("comment_settings", {"observers_may_comment": allowed})
    return {"observers_may_comment": allowed}


endpoints = [
    list_comments,
    create_comment,
    edit_comment,
    comment_history,
    reply_comment,
    _resolution(True),
    _resolution(False),
    show_comment_settings,
    change_comment_settings,
]
