"""REST for incorporating an amendment into the live text (the PPT): a preview, then the commit.

The amendment is re-applied to the current text and written into the CRDT as an ordinary edit through
the room (server/consensus/text_changes.py), so every client sees it live; a patch that no longer applies
is refused whole (409), and so is one the consensus rule refuses (a locked paragraph, silence, adoption)."""

from __future__ import annotations

from typing import Any

from auth.policy import Action
from drafting import amendments
from drafting.kinds import AmendmentKind
from server.api.pipeline import DOCUMENT, Call, endpoint
from server.api.positions import VERSION
from server.api.schema import ANY_OBJECT, BOOLEAN, STRING, array, nullable
from server.consensus import text_changes

INCORPORATION = DOCUMENT + "/position-versions/{version_id}/incorporation"
PREVIEW = {
    "type": "object",
    "properties": {
        "kind": STRING,
        "locked": BOOLEAN,
        "current": STRING,
        "clean": BOOLEAN,
        "result": nullable(STRING),
        "explanation": STRING,
        "changes": nullable(array(ANY_OBJECT)),
        "hunks": array(ANY_OBJECT),
        "new_paragraph": nullable(STRING),
    },
    "required": ["kind", "locked", "current", "clean", "result"],
}
INCORPORATED: dict[str, Any] = {**VERSION, "properties": {**VERSION["properties"]}}
INCORPORATED["properties"].update(text=nullable(STRING), new_paragraph_id=nullable(STRING))


@endpoint(
    "GET",
    INCORPORATION,
    Action.INCORPORATE,
    "Preview an amendment incorporated into the current text: the result, or the conflict",
    response=PREVIEW,
    errors=(409,),
)
async def preview_incorporation(call: Call) -> dict[str, Any]:
    version_id: int = call.path["version_id"]
    document_id = call.document_id
    plan = await call.read(lambda session: amendments.incorporable(session, document_id, version_id))
    found = amendments.paragraph(await call.doc(), plan.paragraph_id)
    preview: dict[str, Any] = {"kind": plan.kind.value, "locked": found.locked, "current": found.text}
    if plan.kind is AmendmentKind.REPLACE:
        preview.update(amendments.rebase(plan.base, plan.proposed, found.text).as_json())
    else:
        preview.update({"clean": True, "result": None if plan.kind is AmendmentKind.DELETE else found.text})
        preview["new_paragraph"] = plan.proposed if plan.kind is AmendmentKind.NEW_PARAGRAPH else None
    return preview


@endpoint(
    "POST",
    INCORPORATION,
    Action.INCORPORATE,
    "Incorporate an amendment into the live text (the PPT)",
    response=INCORPORATED,
    errors=(409,),
)
async def incorporate(call: Call) -> dict[str, Any]:
    version_id: int = call.path["version_id"]
    return await text_changes.incorporate(
        call.services.consensus, call.document_id, version_id, call.principal
    )


endpoints = [preview_incorporation, incorporate]
