"""REST for the PPT's work on paragraphs: locks, statuses, and inserting, moving and deleting paragraphs.

Each goes through the consensus workflow (server/consensus/): decided on the live `info` under the
document's lock, recorded, written through the room and announced. Bad input and refused transitions
change nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from auth.policy import Action
from drafting.consensus import rules
from drafting.consensus.rules import ParagraphState
from drafting.kinds import DocumentStatus, ParagraphKind, ParagraphStatus
from server.api.pipeline import DOCUMENT, PARAGRAPH, Call, endpoint
from server.api.schema import BOOLEAN, STRING, Bounds, ParagraphText, Reason, enum, nullable, obj
from server.consensus import text_changes

ParagraphId = Annotated[str, Bounds(min_length=1, max_length=64)]
PARAGRAPH_STATE = obj(
    id=STRING, label=STRING, kind=nullable(STRING), status=enum(ParagraphStatus), locked=BOOLEAN
)
STRUCTURE = obj(id=STRING, label=STRING, kind=nullable(STRING), after=nullable(STRING))


@dataclass(frozen=True)
class Because:
    reason: Reason | None = None


@dataclass(frozen=True)
class RequiredReason:
    reason: Annotated[str, Bounds(min_length=1, max_length=rules.REASON_LIMIT)]


@dataclass(frozen=True)
class StatusChange:
    status: ParagraphStatus
    reason: Reason | None = None


@dataclass(frozen=True)
class NewParagraph:
    kind: ParagraphKind
    text: ParagraphText = ""
    after: ParagraphId | None = None  # the paragraph it follows; none: it comes first


@dataclass(frozen=True)
class Move:
    after: ParagraphId | None = None  # the paragraph it will follow; none: it comes first


async def _change(call: Call, cause: str, decide: Any, reason: str | None) -> dict[str, Any]:
    paragraph_id: str = call.path["paragraph_id"]
    return await call.services.consensus.change_paragraph(
        call.document_id, paragraph_id, call.principal, cause, decide, reason
    )


@endpoint(
    "POST",
    PARAGRAPH + "/lock",
    Action.LOCK,
    "Lock a paragraph (the PPT): its text can no longer change",
    body=Because,
    body_required=False,
    response=PARAGRAPH_STATE,
    errors=(409,),
)
async def lock_paragraph(call: Call) -> dict[str, Any]:
    return await _change(call, "lock", rules.lock, call.body.reason)


@endpoint(
    "POST",
    PARAGRAPH + "/unlock",
    Action.LOCK,
    "Unlock a paragraph (the PPT), giving a reason; agreed ad ref text reopens (open); agreed text "
    "stays closed",
    body=RequiredReason,
    response=PARAGRAPH_STATE,
    errors=(409,),
)
async def unlock_paragraph(call: Call) -> dict[str, Any]:
    return await _change(call, "unlock", rules.unlock, call.body.reason)


@endpoint(
    "POST",
    PARAGRAPH + "/status",
    Action.LOCK,
    "Set a paragraph's status (the PPT): agreed_ad_ref and agreed lock it; reopening agreed_ad_ref text "
    "needs a reason; agreed text is closed",
    body=StatusChange,
    response=PARAGRAPH_STATE,
    errors=(409,),
)
async def set_paragraph_status(call: Call) -> dict[str, Any]:
    body: StatusChange = call.body

    def decide(before: ParagraphState, document: DocumentStatus, reason: str | None) -> ParagraphState:
        return rules.change_status(before, body.status, document, reason)

    return await _change(call, "status", decide, body.reason)


@endpoint(
    "POST",
    DOCUMENT + "/paragraphs",
    Action.RESTRUCTURE,
    "Insert a paragraph of a chosen kind (the PPT); it is labelled like an insertion (OP7bis) until the "
    "next revision renumbers the text",
    body=NewParagraph,
    response=STRUCTURE,
    status=201,
    errors=(409,),
)
async def insert_paragraph(call: Call) -> dict[str, Any]:
    body: NewParagraph = call.body
    return await text_changes.insert_paragraph(
        call.services.consensus, call.document_id, body.after, body.kind, body.text, call.principal
    )


@endpoint(
    "POST",
    PARAGRAPH + "/move",
    Action.RESTRUCTURE,
    "Move a paragraph to just after another (the PPT); its id and label stay",
    body=Move,
    body_required=False,
    response=STRUCTURE,
    errors=(409,),
)
async def move_paragraph(call: Call) -> dict[str, Any]:
    paragraph_id: str = call.path["paragraph_id"]
    return await text_changes.move_paragraph(
        call.services.consensus, call.document_id, paragraph_id, call.body.after, call.principal
    )


@endpoint(
    "DELETE",
    PARAGRAPH,
    Action.RESTRUCTURE,
    "Delete a paragraph (the PPT); a locked paragraph cannot be deleted",
    response=STRUCTURE,
    errors=(409,),
)
async def delete_paragraph(call: Call) -> dict[str, Any]:
    paragraph_id: str = call.path["paragraph_id"]
    return await text_changes.delete_paragraph(
        call.services.consensus, call.document_id, paragraph_id, call.principal
    )


endpoints = [
    lock_paragraph,
    unlock_paragraph,
    set_paragraph_status,
    insert_paragraph,
    move_paragraph,
    delete_paragraph,
]
