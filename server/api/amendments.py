"""REST for incorporating an amendment into the live text (the PPT): a preview, then the commit.

The amendment is re-applied to the current text and written into the CRDT as an ordinary edit through
the room, so every client sees it live; a patch that no longer applies is refused whole (409)."""

from __future__ import annotations

from typing import Any

from pycrdt import Doc
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from auth.policy import Action
from drafting import amendments, positions
from drafting.deliberation_models import AmendmentKind, Incorporation, PositionVersion, Stance
from drafting.errors import Conflict
from drafting.models import User
from server.api.pipeline import PREFIX, context, json_response, openapi
from server.routing import requires


def _incorporable(session: Session, document_id: int, version_id: int) -> dict[str, Any]:
    version = positions.version_by_id(session, document_id, version_id)
    if version.stance is not Stance.AMEND:
        raise Conflict(f"version {version_id} is not an amendment ({version.stance.value})")
    if not positions.is_latest(version):
        raise Conflict(f"version {version_id} has been revised or withdrawn since: incorporate the newest")
    if positions.incorporation_of(session, version) is not None:
        raise Conflict(f"version {version_id} has already been incorporated")
    return {
        "paragraph_id": version.position.paragraph_id,
        "kind": version.amendment or AmendmentKind.REPLACE,
        "base": version.base_text,
        "proposed": version.proposed_text or "",
        "delegation": version.position.delegation.code,
    }


def _outcome(doc: Doc[Any], plan: dict[str, Any]) -> tuple[str, str | None]:
    """(current text, text after) of the paragraph; raises AmendmentConflict, NotFound or Conflict."""
    found = amendments.paragraph(doc, plan["paragraph_id"])
    if plan["kind"] is not AmendmentKind.NEW_PARAGRAPH:
        amendments.check_amendable(found)
    if plan["kind"] is AmendmentKind.REPLACE:
        return found.text, amendments.rebase_or_refuse(plan["base"], plan["proposed"], found.text)
    return found.text, None if plan["kind"] is AmendmentKind.DELETE else found.text


@requires(Action.INCORPORATE)
@openapi("Preview an amendment incorporated into the current text", ok="the result or the conflict")
async def preview_incorporation(request: Request) -> Response:
    ctx = await context(request, Action.INCORPORATE)
    version_id = int(request.path_params["version_id"])
    plan = await ctx.write(lambda s, _u: _incorporable(s, ctx.document_id, version_id))
    found = amendments.paragraph(await ctx.doc(), plan["paragraph_id"])
    preview: dict[str, Any] = {"kind": plan["kind"].value, "locked": found.locked, "current": found.text}
    if plan["kind"] is AmendmentKind.REPLACE:
        preview.update(amendments.rebase(plan["base"], plan["proposed"], found.text).as_json())
    else:
        preview.update(
            {"clean": True, "result": None if plan["kind"] is AmendmentKind.DELETE else found.text}
        )
        preview["new_paragraph"] = plan["proposed"] if plan["kind"] is AmendmentKind.NEW_PARAGRAPH else None
    return json_response(preview)


@requires(Action.INCORPORATE)
@openapi("Incorporate an amendment into the live text (the PPT)", ok="the incorporation", errors="409")
async def incorporate(request: Request) -> Response:
    ctx = await context(request, Action.INCORPORATE)
    version_id = int(request.path_params["version_id"])
    async with ctx.services.incorporation_lock(ctx.document_id):
        plan = await ctx.write(lambda s, _u: _incorporable(s, ctx.document_id, version_id))
        assert ctx.services.rooms is not None
        room = await ctx.services.rooms.open(ctx.document_id)
        try:
            before, after = _outcome(room.doc, plan)  # no await between this check and the edit
            created: list[str] = []

            def change(doc: Doc[Any]) -> None:
                if plan["kind"] is AmendmentKind.REPLACE:
                    assert after is not None
                    amendments.replace_text(doc, plan["paragraph_id"], before, after)
                elif plan["kind"] is AmendmentKind.DELETE:
                    amendments.delete_paragraph(doc, plan["paragraph_id"])
                else:
                    created.append(
                        amendments.insert_paragraph_after(doc, plan["paragraph_id"], plan["proposed"])
                    )

            await room.edit(change)
        finally:
            ctx.services.rooms.left(room)

        def record(session: Session, user: User) -> dict[str, Any]:
            version = session.get(PositionVersion, version_id)
            assert version is not None
            session.add(
                Incorporation(
                    version_id=version_id,
                    incorporated_by=user,
                    text_before=before,
                    text_after=after,
                    new_paragraph_id=created[0] if created else None,
                )
            )
            session.flush()
            return positions.version_json(version, positions.incorporation_of(session, version))

        payload = await ctx.write(record)
    payload["text"] = after
    payload["new_paragraph_id"] = created[0] if created else None
    ctx.publish("position", {"event": "incorporated", "version": payload})
    return json_response(payload)


routes: list[BaseRoute] = [
    Route(
        PREFIX + "/position-versions/{version_id:int}/incorporation", preview_incorporation, methods=["GET"]
    ),
    Route(PREFIX + "/position-versions/{version_id:int}/incorporation", incorporate, methods=["POST"]),
]
