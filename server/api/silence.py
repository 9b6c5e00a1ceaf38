"""REST for the silence procedure: the PPT starts and cancels it, a head of delegation breaks it, everyone
may read it. While it runs the whole text is frozen; at its deadline the silence clock adopts the text."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from starlette.responses import JSONResponse, Response

from auth.policy import Action
from drafting.consensus.records import latest_silence
from drafting.kinds import ParagraphStatus, SilenceState
from server.api.pipeline import DOCUMENT, Call, endpoint
from server.api.schema import BOOLEAN, STRING, Bounds, Reason, array, enum, nullable, obj
from server.consensus.workflow import silence_json

ParagraphId = Annotated[str, Bounds(min_length=1, max_length=64)]
SILENCE = obj(
    id={"type": "integer"},
    state=enum(SilenceState),
    deadline=STRING,
    started_at=STRING,
    ended_at=nullable(STRING),
    reason=nullable(STRING),
    paragraphs=array(STRING),
)
BROKEN = obj(silence=SILENCE, reopened=array(obj(id=STRING, status=enum(ParagraphStatus), locked=BOOLEAN)))


@dataclass(frozen=True)
class SilenceStart:
    deadline: datetime | None = None  # ISO 8601 with a time zone; default now + CONSENSO_SILENCE_HOURS


@dataclass(frozen=True)
class SilenceCancel:
    reason: Reason | None = None


@dataclass(frozen=True)
class SilenceBreak:
    paragraphs: Annotated[list[ParagraphId], Bounds(min_length=1, max_length=500)]
    reason: Annotated[str, Bounds(min_length=1, max_length=2000)]


@endpoint(
    "POST",
    DOCUMENT + "/silence",
    Action.RUN_SILENCE,
    "Put the document under silence procedure (the PPT): the whole text is frozen until the deadline "
    "(default CONSENSO_SILENCE_HOURS), when it is adopted unless silence was broken",
    body=SilenceStart,
    body_required=False,
    response=SILENCE,
    status=201,
    errors=(409,),
)
async def start_silence(call: Call) -> dict[str, Any]:
    silence = await call.services.consensus.start_silence(
        call.document_id, call.principal, call.body.deadline
    )
    return silence_json(silence)


@endpoint(
    "GET",
    DOCUMENT + "/silence",
    Action.READ,
    "The document's latest silence procedure (running, cancelled, broken or adopted); null if it never "
    "was under silence procedure",
    response=nullable(SILENCE),
)
async def show_silence(call: Call) -> Response:
    document_id = call.document_id
    silence = await call.read(lambda session: latest_silence(session, document_id))
    return JSONResponse(silence_json(silence) if silence is not None else None)


@endpoint(
    "DELETE",
    DOCUMENT + "/silence",
    Action.RUN_SILENCE,
    "Cancel the silence procedure (the PPT); the document returns to draft",
    body=SilenceCancel,
    body_required=False,
    response=SILENCE,
    errors=(409,),
)
async def cancel_silence(call: Call) -> dict[str, Any]:
    silence = await call.services.consensus.cancel_silence(call.document_id, call.principal, call.body.reason)
    return silence_json(silence)


@endpoint(
    "POST",
    DOCUMENT + "/silence/break",
    Action.BREAK_SILENCE,
    "Break silence (a head of delegation) on named paragraphs, with a reason: they reopen, the document "
    "returns to draft and every participant is told (silence_broken)",
    body=SilenceBreak,
    response=BROKEN,
    errors=(409,),
)
async def break_silence(call: Call) -> dict[str, Any]:
    body: SilenceBreak = call.body
    silence = await call.services.consensus.break_silence(
        call.document_id, call.principal, body.paragraphs, body.reason
    )
    reopened = [
        {"id": pid, "status": ParagraphStatus.OPEN.value, "locked": False} for pid in silence.paragraphs
    ]
    return {"silence": silence_json(silence), "reopened": reopened}


endpoints = [start_silence, show_silence, cancel_silence, break_silence]
