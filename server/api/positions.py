"""REST for positions per delegation: drafts inside the delegation, submitted versions (immutable, each a
new row), withdrawal, a delegation's history on a paragraph and the word-level comparison of two versions.
A head revises by naming the version revised; a stale number is refused with 409."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from sqlalchemy.orm import Session

from auth.policy import Action
from drafting import positions
from drafting.catalogue import delegation_by_code
from drafting.kinds import AmendmentKind, Stance
from drafting.layout_contract import MOST_PARAGRAPH_CHARS
from drafting.models import User
from server.api.pipeline import DOCUMENT, PARAGRAPH, Call, endpoint
from server.api.schema import (
    ANY_OBJECT,
    BOOLEAN,
    INTEGER,
    STRING,
    Bounds,
    Count,
    Id,
    array,
    enum,
    nullable,
    obj,
)

# The configured paragraph limit is checked in drafting.positions; the schema bounds what it may ever be.
ProposedText = Annotated[str, Bounds(max_length=MOST_PARAGRAPH_CHARS)]
Justification = Annotated[str, Bounds(max_length=positions.JUSTIFICATION_LIMIT)]

CHANGE = {"type": "object", "properties": {"op": STRING, "text": STRING}, "required": ["op", "text"]}
VERSION: dict[str, Any] = {
    "type": "object",
    "properties": {
        "id": INTEGER,
        "number": INTEGER,
        "paragraph_id": STRING,
        "delegation": STRING,
        "stance": {"type": "string", "enum": [s.value for s in Stance]},
        "amendment": nullable(enum(AmendmentKind)),
        "proposed_text": nullable(STRING),
        "justification": STRING,
        "written_against": STRING,
        "withdrawn": BOOLEAN,
        "submitted_by": obj(id=INTEGER, name=STRING),
        "submitted_at": STRING,
        "latest": BOOLEAN,
        "changes": array(ANY_OBJECT),
        "incorporated": obj(at=STRING, by=STRING),
    },
    "required": ["id", "number", "paragraph_id", "delegation", "stance", "submitted_at", "latest"],
}
POSITION: dict[str, Any] = {
    "type": "object",
    "properties": {
        "paragraph_id": STRING,
        "delegation": STRING,
        "latest_version": nullable(INTEGER),
        "submitted": nullable(VERSION),
        "draft": nullable(ANY_OBJECT),
    },
    "required": ["paragraph_id", "delegation", "latest_version", "submitted"],
}
POSITION_PATH = PARAGRAPH + "/position"


@dataclass(frozen=True)
class Proposal:
    stance: Stance
    amendment: AmendmentKind | None = None
    text: ProposedText | None = None
    justification: Justification = ""

    def as_domain(self) -> positions.Proposal:
        return positions.Proposal(self.stance, self.amendment, self.text, self.justification)


@dataclass(frozen=True)
class Submission:
    revises: Count = 0  # the number of the version revised (0: the first submission)
    stance: Stance | None = None  # without one, the delegation's draft is submitted
    amendment: AmendmentKind | None = None
    text: ProposedText | None = None
    justification: Justification = ""

    def proposal(self) -> positions.Proposal | None:
        if self.stance is None:
            return None
        return positions.Proposal(self.stance, self.amendment, self.text, self.justification)


@dataclass(frozen=True)
class Withdrawal:
    revises: Count


@dataclass(frozen=True)
class ParagraphFilter:
    paragraph: Annotated[str, Bounds(min_length=1, max_length=64)] | None = None


@dataclass(frozen=True)
class Comparison:
    from_: Id
    to: Id


@endpoint(
    "GET",
    DOCUMENT + "/positions",
    Action.READ,
    "Positions on the document: submitted ones, and the caller's delegation's drafts",
    query=ParagraphFilter,
    response=array(POSITION),
)
async def list_positions(call: Call) -> list[dict[str, Any]]:
    paragraph_id = call.query.paragraph

    def work(session: Session, user: User) -> list[dict[str, Any]]:
        found = positions.positions_of(session, call.document_id, paragraph_id)
        own = user.delegation_id
        shown = [p for p in found if p.latest_version or p.delegation_id == own]
        return [positions.position_json(session, p, own) for p in shown]

    return await call.write(work)


@endpoint(
    "PUT",
    POSITION_PATH + "/draft",
    Action.DRAFT_POSITION,
    "Write the delegation's draft position on a paragraph (seen only inside the delegation)",
    body=Proposal,
    response=POSITION,
    errors=(409,),
)
async def save_draft(call: Call) -> dict[str, Any]:
    proposal = call.body.as_domain()
    paragraph_id: str = call.path["paragraph_id"]
    doc = await call.doc()

    def work(session: Session, user: User) -> dict[str, Any]:
        saved = positions.save_draft(
            session, doc, call.document_id, paragraph_id, user, proposal, limits=call.services.settings.layout
        )
        return positions.position_json(session, saved, user.delegation_id)

    payload = await call.write(work)
    call.publish("position", {"event": "drafted", "position": payload}, call.principal.delegation_id)
    return payload


@endpoint(
    "POST",
    POSITION_PATH + "/versions",
    Action.SUBMIT_POSITION,
    "Submit or revise the delegation's position (the head); without a stance, the draft is submitted",
    body=Submission,
    body_required=False,
    response=VERSION,
    status=201,
    errors=(409,),
)
async def submit_position(call: Call) -> dict[str, Any]:
    body: Submission = call.body
    paragraph_id: str = call.path["paragraph_id"]
    doc = await call.doc()

    def work(session: Session, user: User) -> dict[str, Any]:
        made = positions.submit(
            session,
            doc,
            call.document_id,
            paragraph_id,
            user,
            body.revises,
            body.proposal(),
            limits=call.services.settings.layout,
        )
        return positions.version_json(made)

    payload = await call.write(work)
    call.publish("position", {"event": "submitted", "version": payload})
    return payload


@endpoint(
    "POST",
    POSITION_PATH + "/withdrawal",
    Action.SUBMIT_POSITION,
    "Withdraw the delegation's submitted position (the head)",
    body=Withdrawal,
    response=VERSION,
    status=201,
    errors=(409,),
)
async def withdraw_position(call: Call) -> dict[str, Any]:
    revises: int = call.body.revises
    paragraph_id: str = call.path["paragraph_id"]
    doc = await call.doc()

    def work(session: Session, user: User) -> dict[str, Any]:
        made = positions.withdraw(session, doc, call.document_id, paragraph_id, user, revises)
        return positions.version_json(made)

    payload = await call.write(work)
    call.publish("position", {"event": "withdrawn", "version": payload})
    return payload


@endpoint(
    "GET",
    PARAGRAPH + "/positions/{delegation}/versions",
    Action.READ,
    "A delegation's submitted versions on a paragraph, oldest first",
    response=array(VERSION),
)
async def list_versions(call: Call) -> list[dict[str, Any]]:
    paragraph_id: str = call.path["paragraph_id"]
    code: str = call.path["delegation"]

    def work(session: Session, _user: User) -> list[dict[str, Any]]:
        delegation = delegation_by_code(session, code)
        position = positions.position_of(session, call.document_id, paragraph_id, delegation.id)
        versions = position.versions if position is not None else []
        return [positions.version_json(v, positions.incorporation_of(session, v)) for v in versions]

    return await call.write(work)


@endpoint(
    "GET",
    DOCUMENT + "/position-versions/compare",
    Action.READ,
    "Compare two submitted versions word by word: ?from=ID&to=ID",
    query=Comparison,
    response=obj(
        **{"from": VERSION, "to": VERSION},
        stance_changed=BOOLEAN,
        text=array(ANY_OBJECT),
        justification=array(ANY_OBJECT),
    ),
)
async def compare_versions(call: Call) -> dict[str, Any]:
    older, newer = call.query.from_, call.query.to

    def work(session: Session, _user: User) -> dict[str, Any]:
        return positions.compare(
            positions.version_by_id(session, call.document_id, older),
            positions.version_by_id(session, call.document_id, newer),
        )

    return await call.write(work)


endpoints = [
    list_positions,
    save_draft,
    submit_position,
    withdraw_position,
    list_versions,
    compare_versions,
]
