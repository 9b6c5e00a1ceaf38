"""Every change the server makes to a document's text, for the PPT: incorporating an amendment, and
inserting, moving and deleting paragraphs. Each passes the one consensus rule (drafting.consensus.rules
.check_text_change: locks, silence, adoption) under the document's lock, with no await between the check
and the edit, and reaches every client as an ordinary edit through the room."""

from __future__ import annotations

from typing import Any

from pycrdt import Doc
from sqlalchemy.orm import Session

from auth.principal import Principal
from drafting import amendments, structure
from drafting.consensus.info import document_status, label_of, paragraph_meta, paragraph_state
from drafting.consensus.rules import TextChange, check_text_change
from drafting.errors import NotFound
from drafting.kinds import AmendmentKind, ParagraphKind, UpdateOrigin
from drafting.layout_contract import check_paragraph_length
from drafting.models import User
from drafting.senders import Sender
from server.consensus.workflow import ConsensusWorkflow, by


def _check(doc: Doc[Any], change: TextChange, paragraph_id: str | None) -> None:
    if paragraph_id is None:
        check_text_change(change, document_status(doc))
        return
    meta = paragraph_meta(doc, paragraph_id)
    check_text_change(change, document_status(doc), paragraph_state(meta), label_of(meta, paragraph_id))


def _structure(actor: Principal) -> Sender:
    return Sender.server(UpdateOrigin.STRUCTURE, actor.user_id)


def _user(session: Session, principal: Principal) -> User:
    user = session.get(User, principal.user_id)
    if user is None:
        raise NotFound("user", principal.user_id)
    return user


async def incorporate(
    workflow: ConsensusWorkflow, document_id: int, version_id: int, actor: Principal
) -> dict[str, Any]:
    """Incorporate a submitted amendment into the live text; a patch that no longer applies is refused
    whole."""
    async with workflow.locked_room(document_id) as room:
        plan = await workflow.in_session(
            lambda session: amendments.incorporable(session, document_id, version_id)
        )
        before, after = amendments.outcome(room.doc, plan)  # no await between this check and the edit
        written = plan.proposed if plan.kind is AmendmentKind.NEW_PARAGRAPH else after
        if written is not None:
            check_paragraph_length(
                written,
                workflow.layout,
                "the paragraph this amendment writes",
                "the proposal must be shorter",
            )
        created: list[str | None] = []
        sender = Sender.amendment(actor.user_id, plan.delegation_id, plan.version_id)
        await room.edit(lambda doc: created.append(amendments.incorporate(doc, plan, before, after)), sender)
        new_id = created[0]
        payload = await workflow.in_session(
            lambda session: amendments.record_incorporation(
                session, plan, _user(session, actor), before, after, new_id
            )
        )
    payload["text"] = after
    payload["new_paragraph_id"] = new_id
    workflow.publish(document_id, "position", {"event": "incorporated", "version": payload, "by": by(actor)})
    return payload


async def insert_paragraph(
    workflow: ConsensusWorkflow,
    document_id: int,
    after_id: str | None,
    kind: ParagraphKind,
    text: str,
    actor: Principal,
) -> dict[str, Any]:
    check_paragraph_length(text, workflow.layout, "the new paragraph", "shorten it or insert two paragraphs")
    async with workflow.locked_room(document_id) as room:
        if after_id is not None:
            paragraph_meta(room.doc, after_id)  # NotFound if there is no such paragraph
        _check(room.doc, TextChange.INSERT, None)
        created: list[str] = []
        await room.edit(
            lambda doc: created.append(structure.insert_paragraph(doc, after_id, kind, text)),
            _structure(actor),
        )
        meta = paragraph_meta(room.doc, created[0])
    answer = _structure_answer(created[0], meta, after_id)
    workflow.publish(document_id, "structure", {"event": "inserted", **answer, "by": by(actor)})
    return answer


async def move_paragraph(
    workflow: ConsensusWorkflow, document_id: int, paragraph_id: str, after_id: str | None, actor: Principal
) -> dict[str, Any]:
    async with workflow.locked_room(document_id) as room:
        _check(room.doc, TextChange.MOVE, paragraph_id)
        if after_id is not None:
            paragraph_meta(room.doc, after_id)
        await room.edit(lambda doc: structure.move_paragraph(doc, paragraph_id, after_id), _structure(actor))
        meta = paragraph_meta(room.doc, paragraph_id)
    answer = _structure_answer(paragraph_id, meta, after_id)
    workflow.publish(document_id, "structure", {"event": "moved", **answer, "by": by(actor)})
    return answer


async def delete_paragraph(
    workflow: ConsensusWorkflow, document_id: int, paragraph_id: str, actor: Principal
) -> dict[str, Any]:
    async with workflow.locked_room(document_id) as room:
        _check(room.doc, TextChange.DELETE, paragraph_id)
        meta = paragraph_meta(room.doc, paragraph_id)
        await room.edit(lambda doc: structure.delete_paragraph(doc, paragraph_id), _structure(actor))
    answer = _structure_answer(paragraph_id, meta, None)
    workflow.publish(document_id, "structure", {"event": "deleted", **answer, "by": by(actor)})
    return answer


def _structure_answer(paragraph_id: str, meta: dict[str, Any], after_id: str | None) -> dict[str, Any]:
    return {
        "id": paragraph_id,
        "label": label_of(meta, paragraph_id),
        "kind": meta.get("kind"),
        "after": after_id,
    }
