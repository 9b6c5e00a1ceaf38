"""REST for consensus: paragraph locks and statuses, the silence procedure, adoption.

Each endpoint asks the policy, then, under the document's lock, decides with drafting.consensus.rules on the
state the room's `info` holds, records the change (drafting.consensus.records, the audit trail), writes
it into `info` through the room (committed, then broadcast to every client) and notifies participants.
Bad input and refused transitions change nothing.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from auth.policy import Action
from auth.principal import Principal
from drafting.consensus import rules
from drafting.consensus.info import (
    document_status,
    label_of,
    paragraph_meta,
    paragraph_state,
    write_document_status,
    write_paragraph,
    write_paragraphs,
)
from drafting.consensus.records import (
    ParagraphChange,
    Silence,
    begin_silence,
    finish_silence,
    latest_silence,
    record_paragraph_changes,
    running_silence,
)
from drafting.consensus.rules import ParagraphState, SilenceState
from drafting.errors import Conflict
from drafting.kinds import DocumentStatus, ParagraphStatus
from server.access import document_scope, require
from server.api.documents import services_of, signed_in
from server.consensus.clock import SilenceClock, clock_of
from server.errors import Refused
from server.notices import Notice
from server.routing import requires
from server.services import Services

Decide = Callable[[ParagraphState, DocumentStatus, str | None], ParagraphState]


# -- request plumbing -------------------------------------------------------------------------------


async def _authorized(request: Request, action: Action) -> tuple[Principal, Services, int]:
    principal = await signed_in(request)
    services = services_of(request)
    document_id = int(request.path_params["document_id"])
    require(principal, action, await document_scope(services, document_id))
    return principal, services, document_id


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError as exc:
        raise Refused(400, f"the body must be a JSON object: {exc}") from exc
    if not isinstance(value, dict):
        raise Refused(400, "the body must be a JSON object")
    return value


def _text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise Refused(422, f"`{name}` must be a string")
    return value


def _paragraph_json(paragraph_id: str, meta: dict[str, Any], state: ParagraphState) -> dict[str, Any]:
    return {
        "id": paragraph_id,
        "label": label_of(meta, paragraph_id),
        "kind": meta.get("kind"),
        "status": state.status.value,
        "locked": state.locked,
    }


def _silence_json(silence: Silence) -> dict[str, Any]:
    return {
        "id": silence.id,
        "state": silence.state.value,
        "deadline": silence.deadline.isoformat(),
        "started_at": silence.started_at.isoformat(),
        "ended_at": silence.ended_at.isoformat() if silence.ended_at else None,
        "reason": silence.reason,
        "paragraphs": silence.paragraphs,
    }


def _by(principal: Principal) -> dict[str, Any]:
    return {"name": principal.name, "delegation": principal.delegation_code}


# -- paragraphs -------------------------------------------------------------------------------------


async def _change_paragraph(request: Request, cause: str, decide: Decide, reason: str | None) -> JSONResponse:
    principal, services, document_id = await _authorized(request, Action.LOCK)
    paragraph_id = str(request.path_params["paragraph_id"])
    clock = clock_of(services)
    async with clock.document_lock(document_id):
        room = await clock.room(document_id)
        try:
            meta = paragraph_meta(room.doc, paragraph_id)
            before = paragraph_state(meta)
            after = decide(before, document_status(room.doc), reason)
            cleaned = rules.reason_of(reason, required=False)
            change = ParagraphChange(paragraph_id, label_of(meta, paragraph_id), before, after)
            now = clock.now()
            await services.in_session(
                lambda session: record_paragraph_changes(
                    session, document_id, principal.user_id, [change], cause=cause, reason=cleaned, now=now
                )
            )
            await room.edit(lambda doc: write_paragraph(doc, paragraph_id, after))
        finally:
            clock.release(room)
    body = _paragraph_json(paragraph_id, meta, after)
    services.events.publish(
        document_id, Notice("paragraph_status", {**body, "reason": cleaned, "by": _by(principal)})
    )
    return JSONResponse(body)


@requires(Action.LOCK)
async def lock_paragraph(request: Request) -> JSONResponse:
    """
    summary: Lock a paragraph (the PPT); its text can no longer change.
    requestBody:
      content:
        application/json:
          schema: {type: object, properties: {reason: {type: string}}}
    responses:
      200: {description: "The paragraph: id, label, kind, status, locked."}
      403: {description: "Only the Presidency Pro-Tempore of this negotiation may lock."}
      404: {description: "No such document or paragraph."}
      409: {description: "Already locked; the document is under silence procedure or adopted."}
    """
    body = await _body(request)
    return await _change_paragraph(request, "lock", rules.lock, _text(body, "reason"))


@requires(Action.LOCK)
async def unlock_paragraph(request: Request) -> JSONResponse:
    """
    summary: Unlock a paragraph (the PPT), giving a reason; agreed ad ref text reopens (open).
    requestBody:
      required: true
      content:
        application/json:
          schema: {type: object, required: [reason], properties: {reason: {type: string}}}
    responses:
      200: {description: "The paragraph: id, label, kind, status, locked."}
      403: {description: "Only the Presidency Pro-Tempore of this negotiation may unlock."}
      404: {description: "No such document or paragraph."}
      409: {description: "Not locked; agreed (closed); under silence procedure or adopted."}
      422: {description: "No reason given."}
    """
    body = await _body(request)
    return await _change_paragraph(request, "unlock", rules.unlock, _text(body, "reason"))


@requires(Action.LOCK)
async def set_paragraph_status(request: Request) -> JSONResponse:
    """
    summary: Set a paragraph's status (the PPT). agreed_ad_ref and agreed lock it; reopening agreed_ad_ref
      text needs a reason; agreed text is closed.
    requestBody:
      required: true
      content:
        application/json:
          schema:
            type: object
            required: [status]
            properties:
              status: {type: string, enum: [open, bracketed, agreed_ad_ref, agreed]}
              reason: {type: string}
    responses:
      200: {description: "The paragraph: id, label, kind, status, locked."}
      403: {description: "Only the Presidency Pro-Tempore of this negotiation may set statuses."}
      404: {description: "No such document or paragraph."}
      409: {description: "A transition the current status does not allow."}
      422: {description: "Unknown status, or no reason where one is needed."}
    """
    body = await _body(request)
    raw = _text(body, "status")
    try:
        target = ParagraphStatus(raw or "")
    except ValueError:
        allowed = ", ".join(status.value for status in ParagraphStatus)
        raise Refused(422, f"`status` must be one of {allowed}, not {raw!r}") from None

    def decide(before: ParagraphState, document: DocumentStatus, reason: str | None) -> ParagraphState:
        return rules.change_status(before, target, document, reason)

    return await _change_paragraph(request, "status", decide, _text(body, "reason"))


# -- the silence procedure --------------------------------------------------------------------------


def _deadline(body: dict[str, Any]) -> datetime | None:
    raw = _text(body, "deadline")
    if raw is None:
        return None
    try:
        return datetime.fromisoformat(raw)
    except ValueError:
        raise Refused(422, f"`deadline` must be an ISO 8601 date and time, not {raw!r}") from None


@requires(Action.RUN_SILENCE)
async def start_silence(request: Request) -> JSONResponse:
    """
    summary: Put the document under silence procedure (the PPT); the whole text is locked until the
      deadline (default CONSENSO_SILENCE_HOURS, 72 h), when it is adopted unless silence was broken.
    requestBody:
      content:
        application/json:
          schema:
            type: object
            properties: {deadline: {type: string, format: date-time, description: "with a time zone"}}
    responses:
      201: {description: "The silence procedure: id, state, deadline, started_at."}
      403: {description: "Only the Presidency Pro-Tempore of this negotiation may run silence."}
      409: {description: "Already under silence procedure, or adopted."}
      422: {description: "A deadline without a time zone, or in the past."}
    """
    principal, services, document_id = await _authorized(request, Action.RUN_SILENCE)
    requested = _deadline(await _body(request))
    clock = clock_of(services)
    async with clock.document_lock(document_id):
        room = await clock.room(document_id)
        try:
            rules.start_silence(document_status(room.doc))
            now = clock.now()
            deadline = rules.silence_deadline(now, requested, clock.default_silence)

            def record(session: Session) -> Silence:
                if running_silence(session, document_id) is not None:
                    raise Conflict("the document is already under silence procedure")
                return begin_silence(session, document_id, principal.user_id, deadline, now)

            silence = await services.in_session(record)
            await room.edit(lambda doc: write_document_status(doc, DocumentStatus.UNDER_SILENCE))
        finally:
            clock.release(room)
    clock.wake()
    body = _silence_json(silence)
    services.events.publish(document_id, Notice("silence", {**body, "by": _by(principal)}))
    return JSONResponse(body, status_code=201)


@requires(Action.READ)
async def show_silence(request: Request) -> JSONResponse:
    """
    summary: The document's latest silence procedure (running, cancelled, broken or adopted).
    responses:
      200: {description: "The procedure: id, state, deadline, started_at, ended_at, reason, paragraphs."}
      404: {description: "No such document, or it was never under silence procedure."}
    """
    _, services, document_id = await _authorized(request, Action.READ)
    silence = await services.in_session(lambda session: latest_silence(session, document_id))
    if silence is None:
        raise Refused(404, "this document was never under silence procedure")
    return JSONResponse(_silence_json(silence))


@requires(Action.RUN_SILENCE)
async def cancel_silence(request: Request) -> JSONResponse:
    """
    summary: Cancel the silence procedure (the PPT); the document returns to draft.
    responses:
      200: {description: "The cancelled silence procedure."}
      403: {description: "Only the Presidency Pro-Tempore of this negotiation may run silence."}
      409: {description: "The document is not under silence procedure."}
    """
    principal, services, document_id = await _authorized(request, Action.RUN_SILENCE)
    reason = rules.reason_of(_text(await _body(request), "reason"), required=False)
    silence = await _end_silence(services, document_id, principal, SilenceState.CANCELLED, reason, [])
    body = _silence_json(silence)
    services.events.publish(document_id, Notice("silence", {**body, "by": _by(principal)}))
    return JSONResponse(body)


@requires(Action.BREAK_SILENCE)
async def break_silence(request: Request) -> JSONResponse:
    """
    summary: Break silence (a head of delegation) on named paragraphs, with a reason. They reopen, the
      document returns to draft and every participant is notified (silence_broken).
    requestBody:
      required: true
      content:
        application/json:
          schema:
            type: object
            required: [paragraphs, reason]
            properties:
              paragraphs: {type: array, items: {type: string}, minItems: 1}
              reason: {type: string}
    responses:
      200: {description: "The broken silence procedure and the reopened paragraphs."}
      403: {description: "Only heads of delegation (and the PPT) may break silence."}
      404: {description: "No such document or paragraph."}
      409: {description: "Not under silence procedure, its deadline passed, or a paragraph is agreed."}
      422: {description: "No paragraphs or no reason."}
    """
    principal, services, document_id = await _authorized(request, Action.BREAK_SILENCE)
    body = await _body(request)
    named = body.get("paragraphs")
    if not isinstance(named, list) or not named or not all(isinstance(p, str) for p in named):
        raise Refused(422, "`paragraphs` must be a non-empty list of paragraph ids")
    reason = rules.reason_of(_text(body, "reason"), required=True)
    silence = await _end_silence(
        services, document_id, principal, SilenceState.BROKEN, reason, list(dict.fromkeys(named))
    )
    reopened = [
        {"id": pid, "status": ParagraphStatus.OPEN.value, "locked": False} for pid in silence.paragraphs
    ]
    notice = {"paragraphs": silence.paragraphs, "reason": reason, "by": _by(principal)}
    services.events.publish(document_id, Notice("silence_broken", notice))
    return JSONResponse({"silence": _silence_json(silence), "reopened": reopened})


async def _end_silence(
    services: Services,
    document_id: int,
    principal: Principal,
    state: SilenceState,
    reason: str,
    named: list[str],
) -> Silence:
    clock = clock_of(services)
    async with clock.document_lock(document_id):
        room = await clock.room(document_id)
        try:
            silence = await _end_silence_locked(clock, room, principal, state, reason, named)
        finally:
            clock.release(room)
    clock.wake()
    return silence


async def _end_silence_locked(
    clock: SilenceClock, room: Any, principal: Principal, state: SilenceState, reason: str, named: list[str]
) -> Silence:
    document_id = room.document_id
    status = rules.end_silence(document_status(room.doc))
    changes = []
    for paragraph_id in named:
        meta = paragraph_meta(room.doc, paragraph_id)
        label = label_of(meta, paragraph_id)
        before = paragraph_state(meta)
        changes.append(ParagraphChange(paragraph_id, label, before, rules.reopen_on_break(before, label)))
    now = clock.now()

    def record(session: Session) -> Silence:
        silence = running_silence(session, document_id)
        if silence is None:
            raise Conflict("the document is not under silence procedure")
        if state is SilenceState.BROKEN:
            rules.check_break(DocumentStatus.UNDER_SILENCE, silence.deadline, now)
            record_paragraph_changes(
                session,
                document_id,
                principal.user_id,
                changes,
                cause="silence_broken",
                reason=reason,
                now=now,
            )
        return finish_silence(
            session, silence, state, principal.user_id, now, reason=reason, paragraphs=named
        )

    silence = await clock.services.in_session(record)

    def write(doc: Any) -> None:
        write_paragraphs(doc, [(change.paragraph_id, change.after) for change in changes])
        write_document_status(doc, status)

    await room.edit(write)
    return silence


# -- adoption ---------------------------------------------------------------------------------------


@requires(Action.ADOPT)
async def adopt_document(request: Request) -> JSONResponse:
    """
    summary: Adopt the document (the PPT). Every paragraph becomes agreed, the whole text is locked for
      good, and its final text and SHA-256 are stored.
    responses:
      200: {description: "status adopted, and the SHA-256 of the final text."}
      403: {description: "Only the Presidency Pro-Tempore of this negotiation may adopt."}
      409: {description: "Already adopted, or under silence procedure."}
    """
    principal, services, document_id = await _authorized(request, Action.ADOPT)
    final = await clock_of(services).adopt(document_id, principal.user_id)
    return JSONResponse({"status": DocumentStatus.ADOPTED.value, "sha256": final.sha256})


DOCUMENT = "/api/documents/{document_id:int}"
PARAGRAPH = DOCUMENT + "/paragraphs/{paragraph_id}"

routes: list[BaseRoute] = [
    Route(PARAGRAPH + "/lock", lock_paragraph, methods=["POST"]),
    Route(PARAGRAPH + "/unlock", unlock_paragraph, methods=["POST"]),
    Route(PARAGRAPH + "/status", set_paragraph_status, methods=["POST"]),
    Route(DOCUMENT + "/silence", start_silence, methods=["POST"]),
    Route(DOCUMENT + "/silence", show_silence, methods=["GET"]),
    Route(DOCUMENT + "/silence", cancel_silence, methods=["DELETE"]),
    Route(DOCUMENT + "/silence/break", break_silence, methods=["POST"]),
    Route(DOCUMENT + "/adopt", adopt_document, methods=["POST"]),
]
