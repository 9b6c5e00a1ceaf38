"""REST for the Secretariat's negotiations: list and create them, admit a delegation, and create a document
in one, empty, from given paragraphs, or imported from an uploaded .txt or .docx file.

Every act is recorded in the negotiation's audit trail (drafting/audit.py)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Annotated, Any

from sqlalchemy.orm import Session

from auth.policy import Action
from drafting import audit
from drafting.catalogue import (
    admit_delegation,
    create_document,
    create_negotiation,
    negotiation_by_id,
    negotiations_for,
)
from drafting.clock import as_utc
from drafting.errors import InvalidInput
from drafting.importing import ZIP_SIGNATURE, classify, paragraphs_from_file
from drafting.kinds import DocumentKind, ParagraphKind
from drafting.languages import choose_languages
from drafting.layout_contract import MOST_PARAGRAPH_CHARS, check_paragraph_length
from drafting.models import Negotiation, User
from server.api.documents import DOCUMENT_SUMMARY, document_summary
from server.api.pipeline import Call, Upload, endpoint
from server.api.schema import INTEGER, STRING, Bounds, Name, array, obj

NEGOTIATIONS = "/api/negotiations"
NEGOTIATION = NEGOTIATIONS + "/{negotiation_id}"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
DelegationCode = Annotated[
    str,
    Bounds(min_length=1, max_length=16, pattern=r"[A-Za-z0-9_-]{1,16}", description="a delegation's code"),
]
Language = Annotated[
    str, Bounds(min_length=2, max_length=8, pattern=r"[a-z]{2,3}", description="a language code")
]
DELEGATION_REF = obj(code=STRING, name=STRING)
NEGOTIATION_SUMMARY = obj(
    id=INTEGER, title=STRING, chair=DELEGATION_REF, participants=array(DELEGATION_REF), created_at=STRING
)


@dataclass(frozen=True)
class NewNegotiation:
    title: Name
    chair: DelegationCode
    # The delegations taking part (the chair always does); none given: every delegation registered.
    participants: Annotated[list[DelegationCode], Bounds(max_length=500)] | None = None


@dataclass(frozen=True)
class Admission:
    delegation: DelegationCode


@dataclass(frozen=True)
class GivenParagraph:
    text: Annotated[str, Bounds(min_length=1, max_length=MOST_PARAGRAPH_CHARS)]
    kind: ParagraphKind | None = None  # none: guessed as an import guesses it


@dataclass(frozen=True)
class NewDocument:
    title: Name
    kind: DocumentKind
    paragraphs: Annotated[list[GivenParagraph], Bounds(max_length=100_000)] = field(default_factory=list)
    source_language: Language | None = None  # one of CONSENSO_LANGUAGES; none: the first of them


@dataclass(frozen=True)
class ImportQuery:
    title: Name
    kind: DocumentKind = DocumentKind.DECLARATION
    source_language: Language | None = None


def negotiation_summary(negotiation: Negotiation) -> dict[str, Any]:
    return {
        "id": negotiation.id,
        "title": negotiation.title,
        "chair": {"code": negotiation.chair.code, "name": negotiation.chair.name},
        "participants": [
            {"code": d.code, "name": d.name} for d in sorted(negotiation.participants, key=lambda d: d.code)
        ],
        "created_at": as_utc(negotiation.created_at).isoformat(),
    }


@endpoint(
    "GET",
    NEGOTIATIONS,
    Action.BROWSE,
    "The negotiations the caller takes part in (every one, for the Secretariat)",
    response=array(NEGOTIATION_SUMMARY),
)
async def list_negotiations(call: Call) -> list[dict[str, Any]]:
    user_id = call.principal.user_id

    def work(session: Session) -> list[dict[str, Any]]:
        user = session.get(User, user_id)
        return [negotiation_summary(n) for n in negotiations_for(session, user)] if user else []

    return await call.read(work)


@endpoint(
    "POST",
    NEGOTIATIONS,
    Action.CREATE_NEGOTIATION,
    "Create a negotiation with its chair delegation and the delegations taking part",
    body=NewNegotiation,
    response=NEGOTIATION_SUMMARY,
    status=201,
    errors=(404,),  # a chair or participant not registered
)
async def add_negotiation(call: Call) -> dict[str, Any]:
    body: NewNegotiation = call.body

    def work(session: Session, user: User) -> dict[str, Any]:
        negotiation = create_negotiation(session, body.title, body.chair, body.participants)
        audit.record(
            session, user.id, "negotiation_created", f"negotiation/{negotiation.id}", negotiation.title
        )
        return negotiation_summary(negotiation)

    return await call.write(work)


@endpoint(
    "POST",
    NEGOTIATION + "/participants",
    Action.MANAGE_DELEGATIONS,
    "Admit a delegation to a negotiation (one already taking part stays as it is)",
    body=Admission,
    response=NEGOTIATION_SUMMARY,
)
async def add_participant(call: Call) -> dict[str, Any]:
    body: Admission = call.body
    negotiation_id: int = call.path["negotiation_id"]

    def work(session: Session, user: User) -> dict[str, Any]:
        negotiation = negotiation_by_id(session, negotiation_id)
        if admit_delegation(session, negotiation, body.delegation):
            audit.record(
                session, user.id, "delegation_admitted", f"negotiation/{negotiation.id}", body.delegation
            )
        return negotiation_summary(negotiation)

    return await call.write(work)


async def _create(
    call: Call,
    title: str,
    kind: DocumentKind,
    paragraphs: list[tuple[ParagraphKind, str]],
    how: str,
    source_language: str | None,
) -> dict[str, Any]:
    """Create the document in the working languages (its paragraphs in the source, the others stale)."""
    negotiation_id: int = call.path["negotiation_id"]
    languages = choose_languages(call.services.settings.languages, source_language)

    def work(session: Session, user: User) -> dict[str, Any]:
        document = create_document(
            session, negotiation_id, kind, title, paragraphs, created_by=user.id, languages=languages
        )
        detail = f"{kind.value} {document.title!r}: {len(paragraphs)} paragraphs {how}"
        audit.record(session, user.id, "document_created", f"document/{document.id}", detail)
        return document_summary(session, document)

    return await call.write(work)


def _within_limit(call: Call, count: int) -> None:
    limit = call.services.settings.layout.max_paragraphs
    if count > limit:
        raise InvalidInput(
            f"{count} paragraphs are more than the {limit} a document may hold",
            code="too_many_paragraphs",
            paragraphs=count,
            limit=limit,
        )


@endpoint(
    "POST",
    NEGOTIATION + "/documents",
    Action.CREATE_DOCUMENT,
    "Create a document in a negotiation, empty or with its paragraphs (kinds guessed where not given)",
    body=NewDocument,
    response=DOCUMENT_SUMMARY,
    status=201,
)
async def add_document(call: Call) -> dict[str, Any]:
    body: NewDocument = call.body
    _within_limit(call, len(body.paragraphs))
    stored = [" ".join(given.text.split()) for given in body.paragraphs]  # as stored: spacing folded
    for number, text in enumerate(stored, start=1):
        check_paragraph_length(text, call.services.settings.layout, f"paragraph {number}", "shorten it")
    guessed = classify(stored, call.services.settings.layout)
    paragraphs = [
        (given.kind or kind, text) for given, (kind, text) in zip(body.paragraphs, guessed, strict=True)
    ]
    return await _create(call, body.title, body.kind, paragraphs, "given", body.source_language)


@endpoint(
    "POST",
    NEGOTIATION + "/documents/import",
    Action.CREATE_DOCUMENT,
    "Create a document from a draft sent as the body: a Word .docx file or UTF-8 plain text "
    "(?title=…&kind=…&source_language=…); one paragraph per .docx paragraph or blank-line-separated block",
    query=ImportQuery,
    uploads=("text/plain", DOCX, "application/octet-stream"),
    response=DOCUMENT_SUMMARY,
    status=201,
)
async def import_document(call: Call) -> dict[str, Any]:
    query: ImportQuery = call.query
    upload: Upload = call.body
    # Reading a .docx takes a while: in a thread, so that no socket of this instance waits for it.
    paragraphs = await asyncio.to_thread(paragraphs_from_file, upload.data, call.services.settings.layout)
    how = "imported from .docx" if upload.data.startswith(ZIP_SIGNATURE) else "imported from text"
    return await _create(call, query.title, query.kind, paragraphs, how, query.source_language)


endpoints = [list_negotiations, add_negotiation, add_participant, add_document, import_document]
