"""REST for positions per delegation: drafts inside the delegation, submitted versions (immutable, each a
new row), withdrawal, a delegation's history on a paragraph and the word-level comparison of two versions.
A head revises by naming the version revised; a stale number is refused with 409."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from auth.policy import Action
from drafting import positions
from drafting.deliberation_models import AmendmentKind, Stance
from drafting.errors import InvalidInput, NotFound
from drafting.models import Delegation, User
from server.api.pipeline import PREFIX, body_of, choice, context, field, json_response, openapi
from server.routing import requires


def proposal_of(body: dict[str, Any]) -> positions.Proposal:
    stance = choice(Stance, body.get("stance"), "stance")
    amendment = body.get("amendment")
    text = body.get("text")
    if text is not None and not isinstance(text, str):
        raise InvalidInput("'text' must be a string")
    justification = body.get("justification", "")
    if not isinstance(justification, str):
        raise InvalidInput("'justification' must be a string")
    kind = choice(AmendmentKind, amendment, "amendment") if amendment is not None else None
    return positions.Proposal(stance, kind, text, justification)


@requires(Action.READ)
@openapi("Positions on the document: submitted ones, and the caller's delegation's drafts", ok="positions")
async def list_positions(request: Request) -> Response:
    ctx = await context(request, Action.READ)
    paragraph_id = request.query_params.get("paragraph")

    def work(session: Session, user: User) -> list[dict[str, Any]]:
        found = positions.positions_of(session, ctx.document_id, paragraph_id)
        own = user.delegation_id
        shown = [p for p in found if p.latest_version or p.delegation_id == own]
        return [positions.position_json(session, p, own) for p in shown]

    return json_response(await ctx.write(work))


@requires(Action.DRAFT_POSITION)
@openapi(
    "Write the delegation's draft position on a paragraph (seen only inside the delegation)",
    body="{stance, amendment?: replace|delete|new_paragraph, text?, justification?}",
    ok="the position with its draft",
    errors="422",
)
async def save_draft(request: Request) -> Response:
    ctx = await context(request, Action.DRAFT_POSITION)
    proposal = proposal_of(await body_of(request))
    paragraph_id = request.path_params["paragraph_id"]
    doc = await ctx.doc()

    def work(session: Session, user: User) -> dict[str, Any]:
        saved = positions.save_draft(session, doc, ctx.document_id, paragraph_id, user, proposal)
        return positions.position_json(session, saved, user.delegation_id)

    payload = await ctx.write(work)
    ctx.publish("position", {"event": "drafted", "position": payload}, ctx.principal.delegation_id)
    return json_response(payload)


@requires(Action.SUBMIT_POSITION)
@openapi(
    "Submit or revise the delegation's position (the head); without a stance, the draft is submitted",
    body="{revises: number of the version revised (0 at first), stance?, amendment?, text?, justification?}",
    ok="the new version",
    errors="409 422",
)
async def submit_position(request: Request) -> Response:
    ctx = await context(request, Action.SUBMIT_POSITION)
    body = await body_of(request)
    revises = field(body, "revises", int, 0)
    proposal = proposal_of(body) if "stance" in body else None
    paragraph_id = request.path_params["paragraph_id"]
    doc = await ctx.doc()

    def work(session: Session, user: User) -> dict[str, Any]:
        made = positions.submit(session, doc, ctx.document_id, paragraph_id, user, revises, proposal)
        return positions.version_json(made)

    payload = await ctx.write(work)
    ctx.publish("position", {"event": "submitted", "version": payload})
    return json_response(payload, 201)


@requires(Action.SUBMIT_POSITION)
@openapi("Withdraw the delegation's submitted position", body="{revises}", ok="the new version", errors="409")
async def withdraw_position(request: Request) -> Response:
    ctx = await context(request, Action.SUBMIT_POSITION)
    revises = field(await body_of(request), "revises", int)
    paragraph_id = request.path_params["paragraph_id"]

    def work(session: Session, user: User) -> dict[str, Any]:
        made = positions.withdraw(session, ctx.document_id, paragraph_id, user, revises)
        return positions.version_json(made)

    payload = await ctx.write(work)
    ctx.publish("position", {"event": "withdrawn", "version": payload})
    return json_response(payload, 201)


@requires(Action.READ)
@openapi("A delegation's submitted versions on a paragraph, oldest first", ok="versions")
async def list_versions(request: Request) -> Response:
    ctx = await context(request, Action.READ)
    paragraph_id, code = request.path_params["paragraph_id"], request.path_params["delegation"]

    def work(session: Session, _user: User) -> list[dict[str, Any]]:
        delegation = session.scalar(select(Delegation).where(Delegation.code == code.upper()))
        if delegation is None:
            raise NotFound("delegation", code)
        position = positions.position_of(session, ctx.document_id, paragraph_id, delegation.id)
        versions = position.versions if position is not None else []
        return [positions.version_json(v, positions.incorporation_of(session, v)) for v in versions]

    return json_response(await ctx.write(work))


@requires(Action.READ)
@openapi("Compare two submitted versions word by word", ok="{from, to, text: changes}", errors="422")
async def compare_versions(request: Request) -> Response:
    ctx = await context(request, Action.READ)
    try:
        older, newer = int(request.query_params["from"]), int(request.query_params["to"])
    except (KeyError, ValueError) as exc:
        raise InvalidInput("name the two version ids: ?from=ID&to=ID") from exc

    def work(session: Session, _user: User) -> dict[str, Any]:
        return positions.compare(
            positions.version_by_id(session, ctx.document_id, older),
            positions.version_by_id(session, ctx.document_id, newer),
        )

    return json_response(await ctx.write(work))


routes: list[BaseRoute] = [
    Route(f"{PREFIX}/positions", list_positions, methods=["GET"]),
    Route(PREFIX + "/paragraphs/{paragraph_id}/position/draft", save_draft, methods=["PUT"]),
    Route(PREFIX + "/paragraphs/{paragraph_id}/position/versions", submit_position, methods=["POST"]),
    Route(PREFIX + "/paragraphs/{paragraph_id}/position/withdrawal", withdraw_position, methods=["POST"]),
    Route(
        PREFIX + "/paragraphs/{paragraph_id}/positions/{delegation}/versions", list_versions, methods=["GET"]
    ),
    Route(f"{PREFIX}/position-versions/compare", compare_versions, methods=["GET"]),
]
