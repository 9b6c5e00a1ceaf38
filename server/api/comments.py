"""REST for comments on paragraphs: threads, replies, edits with their history, resolution, and the
PPT's setting that opens comments to observers. A new comment, reply or resolution is published as a
notice (delegation-only notes reach only that delegation)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from auth.policy import Action
from drafting import comments
from drafting.deliberation_models import Visibility
from drafting.errors import InvalidInput, NotFound
from drafting.models import User
from server.api.pipeline import PREFIX, body_of, choice, context, field, json_response, openapi
from server.errors import Refused
from server.routing import requires


@requires(Action.READ)
@openapi("The comment threads the caller may see", ok="threads with replies; spans in UTF-16 units")
async def list_comments(request: Request) -> Response:
    ctx = await context(request, Action.READ)
    doc = await ctx.doc()
    paragraph_id = request.query_params.get("paragraph")
    threads = await ctx.write(
        lambda s, u: comments.threads(s, doc, ctx.document_id, u.delegation_id, paragraph_id)
    )
    return json_response(threads)


@requires(Action.COMMENT)
@openapi(
    "Start a comment thread on a paragraph",
    body="{paragraph_id, body, visibility: delegation|participants, span?: {start, end} (UTF-16 units)}",
    ok="the comment",
    errors="422",
)
async def create_comment(request: Request) -> Response:
    ctx = await context(request, Action.COMMENT)
    body = await body_of(request)
    paragraph_id = field(body, "paragraph_id", str)
    visibility = choice(Visibility, body.get("visibility", "participants"), "visibility")
    span = body.get("span")
    anchor = None
    if span is not None:
        if not isinstance(span, dict):
            raise InvalidInput("'span' must be an object {start, end}")
        anchor = (field(span, "start", int), field(span, "end", int))
    doc = await ctx.doc()

    def work(session: Session, user: User) -> tuple[dict[str, Any], int | None]:
        made = comments.add_comment(
            session, doc, ctx.document_id, user, paragraph_id, field(body, "body", str), visibility, anchor
        )
        return comments.comment_json(made, doc), _audience(made.visibility, made.delegation_id)

    payload, audience = await ctx.write(work)
    ctx.publish("comment", {"event": "created", "comment": payload}, audience)
    return json_response(payload, 201)


@requires(Action.COMMENT)
@openapi("Reply to a thread", body="{body}", ok="the reply", errors="422")
async def reply_comment(request: Request) -> Response:
    ctx = await context(request, Action.COMMENT)
    body = await body_of(request)
    thread_id = int(request.path_params["comment_id"])
    doc = await ctx.doc()

    def work(session: Session, user: User) -> tuple[dict[str, Any], int | None]:
        made = comments.reply(session, ctx.document_id, thread_id, user, field(body, "body", str))
        return comments.comment_json(made, doc), _audience(made.visibility, made.delegation_id)

    payload, audience = await ctx.write(work)
    ctx.publish("comment", {"event": "replied", "comment": payload}, audience)
    return json_response(payload, 201)


@requires(Action.COMMENT)
@openapi("Edit one's own comment (the former text is kept)", body="{body}", ok="the comment", errors="422")
async def edit_comment(request: Request) -> Response:
    ctx = await context(request, Action.COMMENT)
    body = await body_of(request)
    comment_id = int(request.path_params["comment_id"])
    doc = await ctx.doc()

    def work(session: Session, user: User) -> tuple[dict[str, Any], int | None]:
        found = comments.comment_by_id(session, ctx.document_id, comment_id)
        if not comments.visible_to(found, user.delegation_id):
            raise NotFound("comment", comment_id)
        if found.author_id != user.id:
            raise Refused(403, "only the author of a comment may edit it")
        edited = comments.edit(session, ctx.document_id, comment_id, user, field(body, "body", str))
        return comments.comment_json(edited, doc), _audience(edited.visibility, edited.delegation_id)

    payload, audience = await ctx.write(work)
    ctx.publish("comment", {"event": "edited", "comment": payload}, audience)
    return json_response(payload)


@requires(Action.READ)
@openapi("Every text a comment has had, oldest first", ok="the history")
async def comment_history(request: Request) -> Response:
    ctx = await context(request, Action.READ)
    comment_id = int(request.path_params["comment_id"])
    return json_response(
        await ctx.write(lambda s, u: comments.history(s, ctx.document_id, comment_id, u.delegation_id))
    )


def _resolution(resolved: bool) -> Callable[[Request], Any]:
    @requires(Action.COMMENT)
    @openapi(
        ("Resolve" if resolved else "Reopen") + " a thread", ok="the thread's first comment", errors="409"
    )
    async def endpoint(request: Request) -> Response:
        ctx = await context(request, Action.COMMENT)
        thread_id = int(request.path_params["comment_id"])
        doc = await ctx.doc()

        def work(session: Session, user: User) -> tuple[dict[str, Any], int | None]:
            thread = comments.resolve(session, ctx.document_id, thread_id, user, resolved=resolved)
            return comments.comment_json(thread, doc), _audience(thread.visibility, thread.delegation_id)

        payload, audience = await ctx.write(work)
        ctx.publish(
            "comment", {"event": "resolved" if resolved else "reopened", "comment": payload}, audience
        )
        return json_response(payload)

    return endpoint


def _audience(visibility: Visibility, delegation_id: int | None) -> int | None:
    return delegation_id if visibility is Visibility.DELEGATION else None


@requires(Action.READ)
@openapi("Whether observers may comment on this document", ok="{observers_may_comment}")
async def show_comment_settings(request: Request) -> Response:
    ctx = await context(request, Action.READ)
    return json_response({"observers_may_comment": ctx.scope.observers_may_comment})


@requires(Action.OPEN_COMMENTS)
@openapi("Open or close comments to observers (the PPT)", body="{observers_may_comment}", errors="422")
async def change_comment_settings(request: Request) -> Response:
    ctx = await context(request, Action.OPEN_COMMENTS)
    allowed = field(await body_of(request), "observers_may_comment", bool)
    await ctx.write(lambda s, u: comments.set_observers_may_comment(s, ctx.document_id, allowed, u))
    return json_response({"observers_may_comment": allowed})


routes: list[BaseRoute] = [
    Route(f"{PREFIX}/comments", list_comments, methods=["GET"]),
    Route(f"{PREFIX}/comments", create_comment, methods=["POST"]),
    Route(PREFIX + "/comments/{comment_id:int}", edit_comment, methods=["PATCH"]),
    Route(PREFIX + "/comments/{comment_id:int}/history", comment_history, methods=["GET"]),
    Route(PREFIX + "/comments/{comment_id:int}/replies", reply_comment, methods=["POST"]),
    Route(PREFIX + "/comments/{comment_id:int}/resolve", _resolution(True), methods=["POST"]),
    Route(PREFIX + "/comments/{comment_id:int}/reopen", _resolution(False), methods=["POST"]),
    Route(f"{PREFIX}/comment-settings", show_comment_settings, methods=["GET"]),
    Route(f"{PREFIX}/comment-settings", change_comment_settings, methods=["PUT"]),
]
