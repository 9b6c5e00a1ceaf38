"""REST for the documents under negotiation: the ones the caller can open, and one document's paragraphs."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from auth.policy import Action
from drafting.catalogue import document_by_id, documents_for
from drafting.consensus.records import latest_silence
from drafting.kinds import DocumentKind, DocumentStatus, ParagraphKind, ParagraphStatus, SilenceState
from drafting.layout import read_document_info, read_paragraphs
from drafting.models import Document, User
from server.api.pipeline import DOCUMENT, Call, endpoint
from server.api.schema import BOOLEAN, INTEGER, STRING, array, enum, nullable, obj

NEGOTIATION_REF = obj(id=INTEGER, title=STRING)
DOCUMENT_SUMMARY = obj(
    id=INTEGER,
    title=STRING,
    kind=enum(DocumentKind),
    status=enum(DocumentStatus),
    negotiation=NEGOTIATION_REF,
    chair=obj(code=STRING, name=STRING),
    silence=nullable(obj(state=enum(SilenceState), deadline=STRING)),
)
PARAGRAPH = obj(
    id=STRING,
    label=STRING,
    kind=enum(ParagraphKind),
    text=STRING,
    status=enum(ParagraphStatus),
    locked=BOOLEAN,
)
DOCUMENT_WITH_PARAGRAPHS = {
    **DOCUMENT_SUMMARY,
    "properties": {**DOCUMENT_SUMMARY["properties"], "paragraphs": array(PARAGRAPH)},
    "required": [*DOCUMENT_SUMMARY["required"], "paragraphs"],
}


def document_summary(session: Session, document: Document) -> dict[str, Any]:
    """A document as lists show it: with its negotiation's chair and its latest silence procedure."""
    chair = document.negotiation.chair
    silence = latest_silence(session, document.id)
    running = {"state": silence.state.value, "deadline": silence.deadline.isoformat()} if silence else None
    return {
        "id": document.id,
        "title": document.title,
        "kind": document.kind.value,
        "status": document.status.value,
        "negotiation": {"id": document.negotiation.id, "title": document.negotiation.title},
        "chair": {"code": chair.code, "name": chair.name},
        "silence": running,
    }


@endpoint(
    "GET",
    "/api/documents",
    Action.BROWSE,
    "The documents of the negotiations the caller takes part in (every one, for the Secretariat)",
    response=array(DOCUMENT_SUMMARY),
)
async def list_documents(call: Call) -> list[dict[str, Any]]:
    user_id = call.principal.user_id

    def work(session: Session) -> list[dict[str, Any]]:
        user = session.get(User, user_id)
        return [document_summary(session, d) for d in documents_for(session, user)] if user else []

    return await call.read(work)


@endpoint(
    "GET",
    DOCUMENT,
    Action.READ,
    "One document: its title, kind, status and paragraphs in reading order, as they are now",
    response=DOCUMENT_WITH_PARAGRAPHS,
)
async def show_document(call: Call) -> dict[str, Any]:
    document_id = call.document_id
    summary = await call.read(lambda session: document_summary(session, document_by_id(session, document_id)))
    doc = await call.doc()
    info = read_document_info(doc)
    if info.get("status") in {status.value for status in DocumentStatus}:
        summary["status"] = info["status"]
    summary["paragraphs"] = [
        {
            "id": p.id,
            "label": p.label,
            "kind": p.kind.value,
            "text": p.text,
            "status": p.status.value,
            "locked": p.locked,
        }
        for p in read_paragraphs(doc)
    ]
    return summary


endpoints = [list_documents, show_document]
