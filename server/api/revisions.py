"""REST for a document's named revisions: list, make (the Secretariat or the PPT), read one, compare two or
a revision with the live text (JSON, and HTML inline or side by side), restore a paragraph or a whole
revision as a new change on top (the PPT, through the room and the consensus rule), and the adopted text
with its SHA-256."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Any

from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from auth.policy import Action
from drafting import comparison, comparison_html, revisions
from drafting.clock import as_utc
from drafting.consensus.records import adoption_of
from drafting.errors import NotFound
from drafting.rendered import RenderedText, as_json, render
from drafting.revision_models import Revision
from server.api.pipeline import DOCUMENT, Call, endpoint
from server.api.schema import ANY_OBJECT, BOOLEAN, INTEGER, STRING, Bounds, array, nullable, obj
from server.consensus import memory

REVISION = obj(
    id=INTEGER,
    document_id=INTEGER,
    number=INTEGER,
    name=STRING,
    final=BOOLEAN,
    seq=INTEGER,
    made_by=nullable(INTEGER),
    made_at=STRING,
    sha256=STRING,
    previous=STRING,
    log_digest=STRING,
)
REVISION_WITH_TEXT = {**REVISION, "properties": {**REVISION["properties"], "text": ANY_OBJECT}}
REVISION_WITH_TEXT["required"] = [*REVISION["required"], "text"]
Number = Annotated[int, Bounds(minimum=0, maximum=10**9)]
RevisionName = Annotated[str, Bounds(min_length=1, max_length=revisions.NAME_LIMIT)]
ParagraphId = Annotated[str, Bounds(min_length=1, max_length=64)]
LIVE = "live text"


@dataclass(frozen=True)
class NewRevision:
    name: RevisionName | None = None  # default: Zero draft, Rev.1, Rev.2 …


@dataclass(frozen=True)
class Compared:
    from_: Number
    to: Number | None = None  # None: the live text


class Layout(StrEnum):
    INLINE = "inline"
    SIDE_BY_SIDE = "side_by_side"


@dataclass(frozen=True)
class ComparedPage:
    from_: Number
    to: Number | None = None
    layout: Layout = Layout.INLINE


@dataclass(frozen=True)
class Restoring:
    paragraph_id: ParagraphId | None = None  # None: the whole revision


def _revision(call: Call) -> int:
    number: int = call.path["revision"]
    return number


@endpoint(
    "GET", DOCUMENT + "/revisions", Action.READ, "The document's named revisions, oldest first",
    response=array(REVISION),
)  # fmt: skip
async def list_revisions(call: Call) -> list[dict[str, Any]]:
    document_id = call.document_id
    return await call.read(
        lambda session: [revisions.revision_json(r) for r in revisions.revisions_of(session, document_id)]
    )


@endpoint(
    "POST",
    DOCUMENT + "/revisions",
    Action.CREATE_REVISION,
    "Make the next named revision of the live text (the Secretariat, or the PPT): bis/ter labels are "
    "renumbered, then the text is archived, hash-chained to the revision before it",
    body=NewRevision,
    body_required=False,
    response=REVISION,
    status=201,
    errors=(409,),
)
async def make_revision(call: Call) -> dict[str, Any]:
    return await memory.revise(call.services.consensus, call.document_id, call.principal, call.body.name)


@endpoint(
    "GET",
    DOCUMENT + "/revisions/{revision}",
    Action.READ,
    "One revision: who made it and when, its hashes, and its text with labels and statuses",
    response=REVISION_WITH_TEXT,
)
async def get_revision(call: Call) -> dict[str, Any]:
    document_id, number = call.document_id, _revision(call)

    def work(session: Session) -> dict[str, Any]:
        revision = revisions.revision_by_number(session, document_id, number)
        return {**revisions.revision_json(revision), "text": as_json(revisions.rendered_of(revision))}

    return await call.read(work)


async def _texts(call: Call, before: int, after: int | None) -> tuple[RenderedText, str, RenderedText, str]:
    document_id = call.document_id

    def work(session: Session) -> list[Revision]:
        numbers = [before] if after is None else [before, after]
        return [revisions.revision_by_number(session, document_id, n) for n in numbers]

    found = await call.read(work)
    old = found[0]
    if after is None:
        return revisions.rendered_of(old), old.name, render(await call.doc()), LIVE
    return revisions.rendered_of(old), old.name, revisions.rendered_of(found[1]), found[1].name


async def _comparison(call: Call) -> comparison.Comparison:
    query = call.query
    before, before_name, after, after_name = await _texts(call, query.from_, query.to)
    return comparison.compare(before, after, before_name=before_name, after_name=after_name)


@endpoint(
    "GET",
    DOCUMENT + "/comparison",
    Action.READ,
    "Compare revision `from` with revision `to`, or with the live text: paragraphs matched by id (moved, "
    "renumbered, added, deleted), word-level differences and status changes",
    query=Compared,
    response=obj(
        before=STRING, after=STRING, document=ANY_OBJECT, counts=ANY_OBJECT, paragraphs=array(ANY_OBJECT)
    ),
)
async def compare_revisions(call: Call) -> dict[str, Any]:
    return (await _comparison(call)).as_json()


@endpoint(
    "GET",
    DOCUMENT + "/comparison.html",
    Action.READ,
    "The same comparison as a page: inline (insertions and deletions in one text) or side by side",
    query=ComparedPage,
    response=STRING,
    media_type="text/html",
)
async def compare_revisions_html(call: Call) -> HTMLResponse:
    compared = await _comparison(call)
    if call.query.layout is Layout.SIDE_BY_SIDE:
        return HTMLResponse(comparison_html.side_by_side_html(compared))
    return HTMLResponse(comparison_html.inline_html(compared))


@endpoint(
    "POST",
    DOCUMENT + "/revisions/{revision}/restore",
    Action.RESTORE,
    "Restore a paragraph of the revision, or the whole revision, as a new change on top of the live text "
    "(the PPT): locks, silence and adoption hold, and history is never rewritten",
    body=Restoring,
    body_required=False,
    response=obj(
        revision=INTEGER,
        name=STRING,
        paragraph_id=nullable(STRING),
        edited=array(STRING),
        deleted=array(STRING),
        reinserted=ANY_OBJECT,
        changed=BOOLEAN,
    ),
    errors=(409,),
)
async def restore_revision(call: Call) -> dict[str, Any]:
    workflow = call.services.consensus
    return await memory.restore(
        workflow, call.document_id, _revision(call), call.body.paragraph_id, call.principal
    )


@endpoint(
    "GET",
    DOCUMENT + "/adopted",
    Action.READ,
    "The adopted text and its SHA-256 (recompute it over `text` to verify), and its final revision",
    response=obj(
        adopted_at=STRING,
        adopted_by=nullable(INTEGER),
        sha256=STRING,
        text=STRING,
        revision=nullable(REVISION),
    ),
)
async def adopted_text(call: Call) -> dict[str, Any]:
    document_id = call.document_id

    def work(session: Session) -> dict[str, Any]:
        adoption = adoption_of(session, document_id)
        if adoption is None:
            raise NotFound("adopted text of document", document_id)
        final = revisions.latest_revision(session, document_id)
        return {
            "adopted_at": as_utc(adoption.adopted_at).isoformat(),
            "adopted_by": adoption.adopted_by,
            "sha256": adoption.sha256,
            "text": adoption.final_text,
            "revision": revisions.revision_json(final) if final is not None and final.final else None,
        }

    return await call.read(work)


endpoints = [
    list_revisions,
    make_revision,
    compare_revisions,
    compare_revisions_html,
    adopted_text,
    get_revision,
    restore_revision,
]
