"""Amendments into the text: a diff-match-patch patch, re-applied to a text that may have moved on.

The patch goes from the text a position was written against to the text it proposes. Each hunk (the
words it changes with a few characters of context) must be found unchanged in the current text, nearest
to where it is expected; a hunk that is not found is a conflict, and then nothing is applied. Unlike
`patch_apply`, no hunk is applied fuzzily: the PPT never gets a text nobody proposed.

Writing the result into the CRDT goes through drafting.compensate.restore_content: minimal edits at UTF-8
byte positions for pycrdt, which keep the formatting of the words the amendment does not change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from diff_match_patch import diff_match_patch
from pycrdt import Doc, Text
from sqlalchemy.orm import Session

from drafting import audit, positions
from drafting.compensate import restore_content
from drafting.consensus.info import document_status
from drafting.consensus.rules import ParagraphState, TextChange, check_text_change
from drafting.deliberation_models import Incorporation, PositionVersion
from drafting.errors import Conflict, NotFound
from drafting.kinds import AmendmentKind, Stance
from drafting.layout import Paragraph, bind, label_unlabelled, new_paragraph_id, read_paragraphs
from drafting.models import User
from drafting.structure import delete_paragraph
from drafting.textdiff import Change, word_diff


@dataclass(frozen=True)
class Hunk:
    expected: str  # the context and the words the hunk replaces, as written against
    replacement: str  # what the hunk puts in their place
    applied: bool

    def as_json(self) -> dict[str, Any]:
        return {"expected": self.expected, "replacement": self.replacement, "applied": self.applied}


@dataclass(frozen=True)
class Rebased:
    """The outcome of re-applying an amendment to the current text."""

    current: str
    result: str | None  # None when a hunk conflicts
    hunks: list[Hunk] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return self.result is not None

    def explanation(self) -> str:
        failed = [hunk for hunk in self.hunks if not hunk.applied]
        if not failed:
            return "the amendment applies cleanly"
        where = "; ".join(repr(hunk.expected) for hunk in failed)
        return (
            f"{len(failed)} of {len(self.hunks)} changes no longer apply: the text they were written "
            f"against has since been edited ({where} is no longer in the paragraph)"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "clean": self.clean,
            "explanation": self.explanation(),
            "current": self.current,
            "result": self.result,
            "changes": [c.as_json() for c in word_diff(self.current, self.result)] if self.result else None,
            "hunks": [hunk.as_json() for hunk in self.hunks],
        }


class AmendmentConflict(Conflict):
    def __init__(self, rebased: Rebased) -> None:
        super().__init__(rebased.explanation(), code="amendment_conflict")
        self.rebased = rebased


def rebase(base: str, proposed: str, current: str) -> Rebased:
    """Re-apply the change `base` → `proposed` to `current`; all hunks or none."""
    matcher = diff_match_patch()
    patches = matcher.patch_make(base, proposed)
    text = current
    offset = 0  # how far the current text has moved relative to `proposed` at the hunk reached
    hunks: list[Hunk] = []
    clean = True
    for patch in patches:
        expected = matcher.diff_text1(patch.diffs)
        replacement = matcher.diff_text2(patch.diffs)
        location = _nearest(text, expected, patch.start2 + offset)
        if location is None:
            hunks.append(Hunk(expected, replacement, applied=False))
            clean = False
            continue
        text = text[:location] + replacement + text[location + len(expected) :]
        offset = location - patch.start2
        hunks.append(Hunk(expected, replacement, applied=True))
    return Rebased(current, text if clean else None, hunks)


def _nearest(text: str, pattern: str, expected: int) -> int | None:
    """Where `pattern` occurs in `text` nearest to `expected` (code points), or None."""
    if not pattern:
        return max(0, min(expected, len(text)))
    best: int | None = None
    start = text.find(pattern)
    while start != -1:
        if best is None or abs(start - expected) < abs(best - expected):
            best = start
        start = text.find(pattern, start + 1)
    return best


def rebase_or_refuse(base: str, proposed: str, current: str) -> str:
    rebased = rebase(base, proposed, current)
    if rebased.result is None:
        raise AmendmentConflict(rebased)
    return rebased.result


def proposed_changes(base: str, proposed: str, current: str) -> tuple[list[Change], bool]:
    """The amendment as word changes against the current text (and whether it still applies);
    against the text it was written against when it no longer does."""
    rebased = rebase(base, proposed, current)
    if rebased.result is None:
        return word_diff(base, proposed), False
    return word_diff(current, rebased.result), True


def paragraph(doc: Doc[Any], paragraph_id: str) -> Paragraph:
    for found in read_paragraphs(doc):
        if found.id == paragraph_id:
            return found
    raise NotFound("paragraph", paragraph_id)


# -- incorporating an amendment into the live text (the PPT) -----------------------------------------


@dataclass(frozen=True)
class Plan:
    """A submitted amendment that may be incorporated: what it changes, and whose it is."""

    version_id: int
    paragraph_id: str
    kind: AmendmentKind
    base: str
    proposed: str
    delegation: str
    delegation_id: int


CHANGE_OF: dict[AmendmentKind, TextChange] = {
    AmendmentKind.REPLACE: TextChange.EDIT,
    AmendmentKind.DELETE: TextChange.DELETE,
    AmendmentKind.NEW_PARAGRAPH: TextChange.INSERT,
}


def incorporable(session: Session, document_id: int, version_id: int) -> Plan:
    """The plan for incorporating version `version_id`: the newest version of an amendment, not yet
    incorporated. Conflict otherwise."""
    version = positions.version_by_id(session, document_id, version_id)
    if version.stance is not Stance.AMEND:
        raise Conflict(
            f"version {version_id} is not an amendment ({version.stance.value})", code="not_an_amendment"
        )
    if not positions.is_latest(version):
        raise Conflict(
            f"version {version_id} has been revised or withdrawn since: incorporate the newest",
            code="stale_version",
        )
    if positions.incorporation_of(session, version) is not None:
        raise Conflict(f"version {version_id} has already been incorporated", code="already_incorporated")
    return Plan(
        version_id,
        version.position.paragraph_id,
        version.amendment or AmendmentKind.REPLACE,
        version.base_text,
        version.proposed_text or "",
        version.position.delegation.code,
        version.position.delegation_id,
    )


def outcome(doc: Doc[Any], plan: Plan) -> tuple[str, str | None]:
    """(current text, text after) of the paragraph, if the consensus rule lets the amendment in now:
    NotFound, a Conflict (adopted, under silence, locked) or an AmendmentConflict otherwise."""
    found = paragraph(doc, plan.paragraph_id)
    state = ParagraphState(found.status, found.locked)
    check_text_change(CHANGE_OF[plan.kind], document_status(doc), state, found.label or found.id)
    if plan.kind is AmendmentKind.REPLACE:
        return found.text, rebase_or_refuse(plan.base, plan.proposed, found.text)
    return found.text, None if plan.kind is AmendmentKind.DELETE else found.text


def incorporate(doc: Doc[Any], plan: Plan, before: str, after: str | None) -> str | None:
    """Write the amendment into the document (inside the caller's transaction); the new paragraph's id."""
    if plan.kind is AmendmentKind.REPLACE:
        assert after is not None
        replace_text(doc, plan.paragraph_id, before, after)
        return None
    if plan.kind is AmendmentKind.DELETE:
        delete_paragraph(doc, plan.paragraph_id)
        return None
    return insert_paragraph_after(doc, plan.paragraph_id, plan.proposed)


def record_incorporation(
    session: Session, plan: Plan, by: User, before: str, after: str | None, new_paragraph_id: str | None
) -> dict[str, Any]:
    """The record an incorporation leaves: who, when, the text before and after; the version as JSON."""
    version = session.get(PositionVersion, plan.version_id)
    if version is None:
        raise NotFound("position version", plan.version_id)
    session.add(
        Incorporation(
            version_id=plan.version_id,
            incorporated_by=by,
            text_before=before,
            text_after=after,
            new_paragraph_id=new_paragraph_id,
        )
    )
    session.flush()
    audit.record(
        session,
        by.id,
        "amendment_incorporated",
        f"document/{version.position.document_id}/paragraph/{plan.paragraph_id}",
        f"{plan.kind.value} by {plan.delegation} (position version {plan.version_id})",
    )
    return positions.version_json(version, positions.incorporation_of(session, version))


def replace_text(doc: Doc[Any], paragraph_id: str, expected: str, result: str) -> None:
    """Write `result` into the paragraph with minimal edits, keeping its formatting; the caller commits.

    `expected` is the text the result was computed from: if the paragraph moved on in between, refuse.
    """
    text = bind(doc)[1].get(paragraph_id)
    if not isinstance(text, Text):
        raise NotFound("paragraph", paragraph_id)
    if str(text) != expected:
        raise Conflict(
            "the paragraph changed while the amendment was being applied; try again", code="concurrent_change"
        )
    restore_content(text, [(result, {})] if result else [])


def insert_paragraph_after(doc: Doc[Any], after_id: str, content: str) -> str:
    """Insert a new paragraph after `after_id`; it is labelled like a client's insertion (OP7bis)."""
    order, texts, _ = bind(doc)
    ids = list(order)
    if after_id not in ids:
        raise NotFound("paragraph", after_id)
    new_id = new_paragraph_id()
    texts[new_id] = Text(content)
    order.insert(ids.index(after_id) + 1, new_id)
    label_unlabelled(doc)
    return new_id
