"""Positions per delegation per paragraph: a working draft inside the delegation, and submitted versions.

Delegates draft (only their delegation sees the draft); the head submits, revises or withdraws, and
every submission is a new immutable version recording who, when and the paragraph text it was written
against. A revision names the version it revises: if another has been submitted since, it is stale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pycrdt import Doc
from sqlalchemy import select
from sqlalchemy.orm import Session

from drafting import audit
from drafting.clock import utcnow
from drafting.consensus.info import document_status
from drafting.consensus.rules import check_new_position
from drafting.deliberation_models import Incorporation, Position, PositionVersion
from drafting.errors import Conflict, InvalidInput, NotFound
from drafting.kinds import AmendmentKind, Stance
from drafting.layout import Paragraph, read_paragraphs
from drafting.layout_contract import DEFAULT_LIMITS, LayoutLimits, check_paragraph_length
from drafting.models import User
from drafting.textdiff import word_diff

JUSTIFICATION_LIMIT = 10_000


@dataclass(frozen=True)
class Proposal:
    stance: Stance
    amendment: AmendmentKind | None = None
    text: str | None = None
    justification: str = ""

    def checked(self, limits: LayoutLimits = DEFAULT_LIMITS) -> Proposal:
        """The proposal if it is complete and within the limits; InvalidInput naming what is wrong. A
        proposed text meets the paragraph-length limit (`limits`): it is to become a paragraph's text."""
        justification = self.justification.strip()
        if len(justification) > JUSTIFICATION_LIMIT:
            raise InvalidInput(f"a justification holds at most {JUSTIFICATION_LIMIT} characters")
        if self.stance is not Stance.AMEND:
            if self.amendment is not None or self.text is not None:
                raise InvalidInput(f"only an amendment proposes text; the stance is {self.stance.value}")
            return Proposal(self.stance, None, None, justification)
        if self.amendment is None:
            raise InvalidInput("an amendment says what it does: replace, delete or new_paragraph")
        if self.amendment is AmendmentKind.DELETE:
            if self.text:
                raise InvalidInput("a proposed deletion carries no text")
            return Proposal(self.stance, self.amendment, None, justification)
        text = (self.text or "").strip()
        if not text:
            raise InvalidInput(
                f"a {self.amendment.value.replace('_', ' ')} amendment needs the proposed text"
            )
        check_paragraph_length(
            text, limits, "the proposed text", "shorten it, or propose it in two paragraphs"
        )
        return Proposal(self.stance, self.amendment, text, justification)


def find_paragraph(doc: Doc[Any], paragraph_id: str) -> Paragraph:
    for paragraph in read_paragraphs(doc):
        if paragraph.id == paragraph_id:
            return paragraph
    raise NotFound("paragraph", paragraph_id)


def position_of(
    session: Session, document_id: int, paragraph_id: str, delegation_id: int, *, create: bool = False
) -> Position | None:
    position = session.scalar(
        select(Position).where(
            Position.document_id == document_id,
            Position.paragraph_id == paragraph_id,
            Position.delegation_id == delegation_id,
        )
    )
    if position is None and create:
        position = Position(
            document_id=document_id,
            paragraph_id=paragraph_id,
            delegation_id=delegation_id,
            draft_justification="",
            latest_version=0,
        )
        session.add(position)
        session.flush()
    return position


def save_draft(
    session: Session,
    doc: Doc[Any],
    document_id: int,
    paragraph_id: str,
    member: User,
    proposal: Proposal,
    *,
    limits: LayoutLimits = DEFAULT_LIMITS,
) -> Position:
    """Write the delegation's working draft (replacing the previous draft)."""
    check_new_position(document_status(doc))
    paragraph = find_paragraph(doc, paragraph_id)
    if member.delegation_id is None:
        raise InvalidInput("positions belong to delegations; you are not in one")
    checked = proposal.checked(limits)
    position = position_of(session, document_id, paragraph_id, member.delegation_id, create=True)
    assert position is not None
    position.draft_stance = checked.stance
    position.draft_amendment = checked.amendment
    position.draft_text = checked.text
    position.draft_justification = checked.justification
    position.draft_base = paragraph.text
    position.draft_by_id = member.id
    position.draft_at = utcnow()
    session.flush()
    _audited(session, position, member.id, "position_drafted", f"draft: {checked.stance.value}")
    return position


def submit(
    session: Session,
    doc: Doc[Any],
    document_id: int,
    paragraph_id: str,
    head: User,
    revises: int,
    proposal: Proposal | None = None,
    *,
    limits: LayoutLimits = DEFAULT_LIMITS,
) -> PositionVersion:
    """Submit `proposal` (or the delegation's draft, if none) as the next version.

    `revises` is the number of the version this one replaces, 0 for the first submission.
    """
    check_new_position(document_status(doc))
    paragraph = find_paragraph(doc, paragraph_id)
    if head.delegation_id is None:
        raise InvalidInput("positions belong to delegations; you are not in one")
    position = position_of(session, document_id, paragraph_id, head.delegation_id, create=True)
    assert position is not None
    base = paragraph.text
    if proposal is None:
        if position.draft_stance is None:
            raise InvalidInput("there is no draft to submit: send the position, or draft it first")
        proposal = Proposal(
            position.draft_stance, position.draft_amendment, position.draft_text, position.draft_justification
        )
        base = position.draft_base if position.draft_base is not None else paragraph.text
    checked = proposal.checked(limits)
    version = PositionVersion(
        position=position,
        number=_next_number(position, revises),
        stance=checked.stance,
        amendment=checked.amendment,
        proposed_text=checked.text,
        justification=checked.justification,
        base_text=base,
        withdrawn=False,
        submitted_by=head,
        submitted_at=utcnow(),
    )
    session.add(version)
    _clear_draft(position)
    session.flush()
    _audited(
        session, position, head.id, "position_submitted", f"version {version.number}: {checked.stance.value}"
    )
    return version


def withdraw(
    session: Session, doc: Doc[Any], document_id: int, paragraph_id: str, head: User, revises: int
) -> PositionVersion:
    """Withdraw the submitted position: a new version with no stance."""
    check_new_position(document_status(doc))
    if head.delegation_id is None:
        raise InvalidInput("positions belong to delegations; you are not in one")
    position = position_of(session, document_id, paragraph_id, head.delegation_id)
    if position is None or position.latest_version == 0:
        raise NotFound("submitted position on paragraph", paragraph_id)
    current = version_number(session, position, position.latest_version)
    if current.withdrawn:
        raise Conflict("the position is already withdrawn", code="already_withdrawn")
    version = PositionVersion(
        position=position,
        number=_next_number(position, revises),
        stance=Stance.NONE,
        justification="",
        base_text=current.base_text,
        withdrawn=True,
        submitted_by=head,
        submitted_at=utcnow(),
    )
    session.add(version)
    session.flush()
    _audited(session, position, head.id, "position_withdrawn", f"version {version.number}: withdrawn")
    return version


def _audited(session: Session, position: Position, actor_id: int, action: str, detail: str) -> None:
    delegation = position.delegation.code if position.delegation is not None else position.delegation_id
    subject = f"document/{position.document_id}/paragraph/{position.paragraph_id}/position/{delegation}"
    audit.record(session, actor_id, action, subject, detail)


def _next_number(position: Position, revises: int) -> int:
    if revises != position.latest_version:
        raise Conflict(
            f"stale position: you revised version {revises}, but version {position.latest_version} "
            "has been submitted since; reload it and revise that",
            code="stale_version",
            latest=position.latest_version,
        )
    position.latest_version += 1
    return position.latest_version


def _clear_draft(position: Position) -> None:
    position.draft_stance = None
    position.draft_amendment = None
    position.draft_text = None
    position.draft_justification = ""
    position.draft_base = None


def version_number(session: Session, position: Position, number: int) -> PositionVersion:
    version = session.scalar(
        select(PositionVersion).where(
            PositionVersion.position_id == position.id, PositionVersion.number == number
        )
    )
    if version is None:
        raise NotFound("position version", number)
    return version


def version_by_id(session: Session, document_id: int, version_id: int) -> PositionVersion:
    version = session.get(PositionVersion, version_id)
    if version is None or version.position.document_id != document_id:
        raise NotFound("position version", version_id)
    return version


def is_latest(version: PositionVersion) -> bool:
    return version.number == version.position.latest_version


def incorporation_of(session: Session, version: PositionVersion) -> Incorporation | None:
    return session.get(Incorporation, version.id)


def latest_versions(session: Session, document_id: int) -> list[PositionVersion]:
    """Each delegation's newest submitted version on each paragraph (withdrawn ones included)."""
    query = (
        select(PositionVersion)
        .join(Position)
        .where(Position.document_id == document_id, PositionVersion.number == Position.latest_version)
        .order_by(Position.paragraph_id, Position.delegation_id)
    )
    return list(session.scalars(query))


def positions_of(session: Session, document_id: int, paragraph_id: str | None = None) -> list[Position]:
    query = select(Position).where(Position.document_id == document_id).order_by(Position.id)
    if paragraph_id is not None:
        query = query.where(Position.paragraph_id == paragraph_id)
    return list(session.scalars(query))


# -- as people read them ----------------------------------------------------------------------------


def effective_text(version: PositionVersion) -> str:
    """The paragraph as this version would have it ("" for a deletion; unchanged for other stances)."""
    if version.stance is Stance.AMEND and version.amendment is AmendmentKind.REPLACE:
        return version.proposed_text or ""
    if version.stance is Stance.AMEND and version.amendment is AmendmentKind.DELETE:
        return ""
    return version.base_text


def compare(older: PositionVersion, newer: PositionVersion) -> dict[str, Any]:
    """What changed between two versions: stance, amendment, justification, and the proposed text."""
    return {
        "from": version_json(older),
        "to": version_json(newer),
        "stance_changed": older.stance != newer.stance,
        "text": [c.as_json() for c in word_diff(_compared_text(older), _compared_text(newer))],
        "justification": [c.as_json() for c in word_diff(older.justification, newer.justification)],
    }


def _compared_text(version: PositionVersion) -> str:
    if version.stance is Stance.AMEND and version.amendment is AmendmentKind.NEW_PARAGRAPH:
        return version.proposed_text or ""
    return effective_text(version)


def version_json(version: PositionVersion, incorporation: Incorporation | None = None) -> dict[str, Any]:
    position = version.position
    result: dict[str, Any] = {
        "id": version.id,
        "number": version.number,
        "paragraph_id": position.paragraph_id,
        "delegation": position.delegation.code,
        "stance": version.stance.value,
        "amendment": version.amendment.value if version.amendment else None,
        "proposed_text": version.proposed_text,
        "justification": version.justification,
        "written_against": version.base_text,
        "withdrawn": version.withdrawn,
        "submitted_by": {"id": version.submitted_by.id, "name": version.submitted_by.name},
        "submitted_at": version.submitted_at.isoformat(),
        "latest": is_latest(version),
    }
    if version.stance is Stance.AMEND and version.amendment is AmendmentKind.REPLACE:
        result["changes"] = [c.as_json() for c in word_diff(version.base_text, version.proposed_text or "")]
    if incorporation is not None:
        result["incorporated"] = {
            "at": incorporation.incorporated_at.isoformat(),
            "by": incorporation.incorporated_by.name,
        }
    return result


def draft_json(position: Position) -> dict[str, Any] | None:
    if position.draft_stance is None:
        return None
    return {
        "stance": position.draft_stance.value,
        "amendment": position.draft_amendment.value if position.draft_amendment else None,
        "proposed_text": position.draft_text,
        "justification": position.draft_justification,
        "written_against": position.draft_base,
        "updated_at": position.draft_at.isoformat() if position.draft_at else None,
    }


def position_json(session: Session, position: Position, reader_delegation_id: int | None) -> dict[str, Any]:
    """A position as `reader_delegation_id` may see it: the draft only inside its own delegation."""
    own = reader_delegation_id is not None and reader_delegation_id == position.delegation_id
    latest = version_number(session, position, position.latest_version) if position.latest_version else None
    return {
        "paragraph_id": position.paragraph_id,
        "delegation": position.delegation.code,
        "latest_version": position.latest_version,
        "submitted": version_json(latest, incorporation_of(session, latest)) if latest else None,
        **({"draft": draft_json(position)} if own else {}),
    }
