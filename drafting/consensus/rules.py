"""Consensus rules: paragraph statuses and locks, the silence procedure, and adoption. Pure functions.

A paragraph's state is its status and whether it is locked. `agreed_ad_ref` and `agreed` are always
locked; an open or bracketed paragraph may be locked by the PPT too. The PPT may reopen `agreed_ad_ref`
text, giving a reason; `agreed` text is closed. While the document is under silence procedure or
adopted, no paragraph changes except through the procedure itself (a head of delegation breaking
silence reopens the paragraphs named). Nothing changes an adopted document.

Refused transitions raise Conflict; malformed requests (no reason where one is needed, a deadline in
the past) raise InvalidInput.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from drafting.clock import as_utc
from drafting.errors import Conflict, InvalidInput
from drafting.kinds import DocumentStatus, ParagraphKind, ParagraphStatus

DEFAULT_SILENCE = timedelta(hours=72)
ALWAYS_LOCKED = frozenset({ParagraphStatus.AGREED_AD_REF, ParagraphStatus.AGREED})
REASON_LIMIT = 2000


@dataclass(frozen=True)
class ParagraphState:
    status: ParagraphStatus
    locked: bool


@dataclass(frozen=True)
class FinalParagraph:
    id: str
    label: str
    kind: ParagraphKind
    text: str
    translations: tuple[tuple[str, str], ...] = ()  # (language, text) of each language version


@dataclass(frozen=True)
class FinalText:
    """An adopted document's text, in a canonical form, and its SHA-256."""

    text: str
    sha256: str


# -- paragraphs -------------------------------------------------------------------------------------


def reason_of(reason: str | None, *, required: bool) -> str:
    cleaned = (reason or "").strip()
    if required and not cleaned:
        raise InvalidInput(
            "give a reason: it goes to the record and to every participant", code="reason_required"
        )
    if len(cleaned) > REASON_LIMIT:
        raise InvalidInput(f"a reason has at most {REASON_LIMIT} characters", code="reason_too_long")
    return cleaned


def _check_open_document(document: DocumentStatus) -> None:
    if document is DocumentStatus.ADOPTED:
        raise Conflict("the document is adopted: nothing in it changes any more", code="document_adopted")
    if document is DocumentStatus.UNDER_SILENCE:
        raise Conflict(
            "the document is under silence procedure: cancel it before changing paragraphs",
            code="document_under_silence",
        )


# -- the text: one rule for every change the server makes to it -------------------------------------


class TextChange(StrEnum):
    EDIT = "edit"  # a paragraph's words: an incorporated amendment, a restored text
    INSERT = "insert"  # a new paragraph
    MOVE = "move"
    DELETE = "delete"


# Document statuses that freeze the whole text, and how a refusal names them (the guard says the same).
FROZEN_TEXT: dict[DocumentStatus, str] = {
    DocumentStatus.ADOPTED: "adopted",
    DocumentStatus.UNDER_SILENCE: "under silence procedure",
}


def check_text_change(
    change: TextChange, document: DocumentStatus, paragraph: ParagraphState | None = None, label: str = ""
) -> None:
    """May the server make `change` to the text? Incorporation, paragraph insert/move/delete and restore
    all ask here first. An adopted document never changes; under silence the text is frozen (only the
    procedure itself changes anything, and it changes statuses, not words); a locked paragraph's words
    stay as they are and it is not deleted. Clients' updates meet the same rule in the guard."""
    if document is DocumentStatus.ADOPTED:
        raise Conflict("the document is adopted: its text never changes", code="document_adopted")
    if document is DocumentStatus.UNDER_SILENCE:
        raise Conflict(
            "the document is under silence procedure: its text is frozen until the deadline, unless a head "
            "of delegation breaks silence or the PPT cancels the procedure",
            code="document_under_silence",
        )
    if paragraph is not None and paragraph.locked and change in (TextChange.EDIT, TextChange.DELETE):
        raise Conflict(
            f"{label or 'the paragraph'} is locked ({_words(paragraph.status)}): "
            "the PPT must unlock it before its text can change",
            code="paragraph_locked",
            label=label,
            status=paragraph.status.value,
        )


def check_new_position(document: DocumentStatus) -> None:
    """Positions are taken on a text under negotiation; an adopted document takes none."""
    if document is DocumentStatus.ADOPTED:
        raise Conflict(
            "the document is adopted: it takes no new positions, drafts or withdrawals",
            code="document_adopted",
        )


def change_status(
    current: ParagraphState, target: ParagraphStatus, document: DocumentStatus, reason: str | None
) -> ParagraphState:
    """The state after the PPT sets a paragraph's status to `target`.

    Forward moves (to brackets, to agreed ad ref, to agreed) need no reason; reopening agreed ad ref
    text does. Agreed text is closed.
    """
    _check_open_document(document)
    if current.status is ParagraphStatus.AGREED:
        raise Conflict(
            "the paragraph is agreed: agreed text is closed and cannot change status", code="paragraph_agreed"
        )
    if target is current.status:
        raise Conflict(
            f"the paragraph is already {_words(target)}", code="already_in_status", status=target.value
        )
    if target in ALWAYS_LOCKED:
        reason_of(reason, required=False)
        return ParagraphState(target, locked=True)
    if current.status is ParagraphStatus.AGREED_AD_REF:
        reason_of(reason, required=True)
        return ParagraphState(target, locked=False)
    reason_of(reason, required=False)
    return replace(current, status=target)


def lock(current: ParagraphState, document: DocumentStatus, reason: str | None) -> ParagraphState:
    _check_open_document(document)
    if current.locked:
        raise Conflict(f"the paragraph is already locked ({_words(current.status)})", code="already_locked")
    reason_of(reason, required=False)
    return replace(current, locked=True)


def unlock(current: ParagraphState, document: DocumentStatus, reason: str | None) -> ParagraphState:
    """Unlocking agreed ad ref text reopens it (status open); agreed text stays closed."""
    _check_open_document(document)
    if current.status is ParagraphStatus.AGREED:
        raise Conflict(
            "the paragraph is agreed: agreed text is closed and cannot be unlocked", code="paragraph_agreed"
        )
    if not current.locked:
        raise Conflict("the paragraph is not locked", code="not_locked")
    reason_of(reason, required=True)
    status = ParagraphStatus.OPEN if current.status is ParagraphStatus.AGREED_AD_REF else current.status
    return ParagraphState(status, locked=False)


def reopen_on_break(current: ParagraphState, label: str) -> ParagraphState:
    """A paragraph named by a head of delegation breaking silence reopens, unless agreed (closed)."""
    if current.status is ParagraphStatus.AGREED:
        raise Conflict(
            f"{label} is agreed: agreed text is closed, silence cannot be broken on it",
            code="paragraph_agreed",
            label=label,
        )
    return ParagraphState(ParagraphStatus.OPEN, locked=False)


def _words(status: ParagraphStatus) -> str:
    return status.value.replace("_", " ")


# -- the document and its silence procedure ---------------------------------------------------------


def silence_deadline(now: datetime, requested: datetime | None, default: timedelta) -> datetime:
    """The deadline of a silence procedure started at `now`: the one requested, or now + default."""
    if requested is None:
        return as_utc(now) + default
    if requested.tzinfo is None:
        raise InvalidInput(
            "the deadline needs a time zone (for example 2025-11-20T18:00:00-06:00)",
            code="deadline_without_zone",
        )
    if as_utc(requested) <= as_utc(now):
        raise InvalidInput("the deadline must be in the future", code="deadline_in_the_past")
    return as_utc(requested)


def start_silence(document: DocumentStatus) -> DocumentStatus:
    if document is DocumentStatus.ADOPTED:
        raise Conflict("the document is adopted: nothing in it changes any more", code="document_adopted")
    if document is DocumentStatus.UNDER_SILENCE:
        raise Conflict("the document is already under silence procedure", code="already_under_silence")
    return DocumentStatus.UNDER_SILENCE


def end_silence(document: DocumentStatus) -> DocumentStatus:
    """Cancelled or broken: back to draft."""
    if document is not DocumentStatus.UNDER_SILENCE:
        raise Conflict(
            f"the document is not under silence procedure (it is {document.value})", code="not_under_silence"
        )
    return DocumentStatus.DRAFT


def check_break(document: DocumentStatus, deadline: datetime, now: datetime) -> None:
    end_silence(document)
    if as_utc(now) >= as_utc(deadline):
        raise Conflict(
            "the silence procedure's deadline has passed: the document is being adopted",
            code="deadline_passed",
        )


def is_due(deadline: datetime, now: datetime) -> bool:
    return as_utc(now) >= as_utc(deadline)


def seconds_until(deadline: datetime, now: datetime) -> float:
    return max(0.0, (as_utc(deadline) - as_utc(now)).total_seconds())


def adopt(document: DocumentStatus, *, by_silence: bool = False) -> DocumentStatus:
    """The PPT adopts a draft; a silence procedure that ends unbroken adopts what was under silence."""
    if document is DocumentStatus.ADOPTED:
        raise Conflict("the document is already adopted", code="document_adopted")
    if document is DocumentStatus.UNDER_SILENCE and not by_silence:
        raise Conflict(
            "the document is under silence procedure: it is adopted when the deadline passes",
            code="document_under_silence",
        )
    if document is DocumentStatus.DRAFT and by_silence:
        raise Conflict("the document is not under silence procedure", code="not_under_silence")
    return DocumentStatus.ADOPTED


ADOPTED_PARAGRAPH = ParagraphState(ParagraphStatus.AGREED, locked=True)


def final_text(paragraphs: Sequence[FinalParagraph]) -> FinalText:
    """The adopted text as canonical JSON (paragraphs in order: id, label, kind, text, and the text in each
    language version where there are some) and its SHA-256."""
    canonical = json.dumps(
        [
            {"id": p.id, "label": p.label, "kind": p.kind.value, "text": p.text}
            | ({"translations": dict(p.translations)} if p.translations else {})
            for p in paragraphs
        ],
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )
    return FinalText(canonical, hashlib.sha256(canonical.encode("utf-8")).hexdigest())
