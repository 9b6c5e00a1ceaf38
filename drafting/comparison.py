"""Comparing two states of a document: two revisions, or a revision and the live text.

Paragraphs are matched by their stable id, never by position or wording, so a paragraph that moved, was
renumbered (OP7bis → OP8), reworded, added or deleted is recognised as such. Moves are the paragraphs
outside the longest common subsequence of the two orders (the fewest moves that explain the new order).
Wording changes are word-level diffs (drafting.textdiff: diff-match-patch with semantic clean-up).
Everything is JSON-able; drafting.comparison_html renders it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from drafting.layout import Paragraph
from drafting.rendered import RenderedText
from drafting.textdiff import Change, describe, is_unchanged, word_diff

# What can happen to a paragraph between two states, in the order a reader is told.
ADDED, DELETED, MOVED, RENUMBERED, EDITED, STATUS, LOCK, KIND = (
    "added",
    "deleted",
    "moved",
    "renumbered",
    "edited",
    "status",
    "lock",
    "kind",
)
KINDS_OF_CHANGE = (ADDED, DELETED, MOVED, RENUMBERED, EDITED, STATUS, LOCK, KIND)


@dataclass(frozen=True)
class Compared:
    """One paragraph in the comparison: as it was (None if added) and as it is (None if deleted)."""

    id: str
    before: Paragraph | None
    after: Paragraph | None
    position_before: int | None  # 1-based place in reading order
    position_after: int | None
    changes: tuple[str, ...]
    diff: tuple[Change, ...] = ()

    @property
    def unchanged(self) -> bool:
        return not self.changes

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "changes": list(self.changes),
            "before": _paragraph_json(self.before, self.position_before),
            "after": _paragraph_json(self.after, self.position_after),
            "diff": [change.as_json() for change in self.diff],
            "summary": describe(self.diff) if EDITED in self.changes else "",
        }


@dataclass(frozen=True)
class Comparison:
    before_name: str
    after_name: str
    paragraphs: tuple[Compared, ...]
    document: dict[str, tuple[str, str]] = field(default_factory=dict)  # title, status: (before, after)

    def counts(self) -> dict[str, int]:
        return {kind: sum(1 for p in self.paragraphs if kind in p.changes) for kind in KINDS_OF_CHANGE}

    def as_json(self) -> dict[str, Any]:
        return {
            "before": self.before_name,
            "after": self.after_name,
            "document": {key: {"before": b, "after": a} for key, (b, a) in self.document.items()},
            "counts": self.counts(),
            "paragraphs": [p.as_json() for p in self.paragraphs],
        }


def _paragraph_json(paragraph: Paragraph | None, position: int | None) -> dict[str, Any] | None:
    if paragraph is None:
        return None
    return {
        "position": position,
        "label": paragraph.label,
        "kind": paragraph.kind.value,
        "status": paragraph.status.value,
        "locked": paragraph.locked,
        "text": paragraph.text,
    }


def compare(
    before: RenderedText, after: RenderedText, *, before_name: str = "before", after_name: str = "after"
) -> Comparison:
    old = {p.id: (index, p) for index, p in enumerate(before.paragraphs, start=1)}
    new = {p.id: (index, p) for index, p in enumerate(after.paragraphs, start=1)}
    common_old = [p.id for p in before.paragraphs if p.id in new]
    common_new = [p.id for p in after.paragraphs if p.id in old]
    stayed = set(_longest_common(common_old, common_new))
    compared: dict[str, Compared] = {}
    for paragraph_id, (position, paragraph) in new.items():
        if paragraph_id not in old:
            diff = (Change("insert", paragraph.text),) if paragraph.text else ()
            compared[paragraph_id] = Compared(paragraph_id, None, paragraph, None, position, (ADDED,), diff)
            continue
        was_at, was = old[paragraph_id]
        compared[paragraph_id] = _both(was, paragraph, was_at, position, moved=paragraph_id not in stayed)
    deleted = {
        paragraph_id: Compared(
            paragraph_id,
            paragraph,
            None,
            position,
            None,
            (DELETED,),
            (Change("delete", paragraph.text),) if paragraph.text else (),
        )
        for paragraph_id, (position, paragraph) in old.items()
        if paragraph_id not in new
    }
    document = {
        key: (b, a)
        for key, b, a in (
            ("title", before.title, after.title),
            ("status", before.status.value, after.status.value),
        )
        if b != a
    }
    ordered = _reading_order(before.paragraphs, after.paragraphs, compared, deleted)
    return Comparison(before_name, after_name, tuple(ordered), document)


def _both(was: Paragraph, now: Paragraph, was_at: int, now_at: int, *, moved: bool) -> Compared:
    changes = []
    if moved:
        changes.append(MOVED)
    if was.label != now.label:
        changes.append(RENUMBERED)
    diff: tuple[Change, ...] = ()
    if was.text != now.text:
        diff = tuple(word_diff(was.text, now.text))
        if not is_unchanged(diff):
            changes.append(EDITED)
    if was.status != now.status:
        changes.append(STATUS)
    if was.locked != now.locked:
        changes.append(LOCK)
    if was.kind != now.kind:
        changes.append(KIND)
    return Compared(now.id, was, now, was_at, now_at, tuple(changes), diff)


def _longest_common(first: Sequence[str], second: Sequence[str]) -> list[str]:
    """A longest common subsequence of two orders of the same ids (quadratic: drafts have hundreds)."""
    rows, cols = len(first), len(second)
    lengths = [[0] * (cols + 1) for _ in range(rows + 1)]
    for i in range(rows - 1, -1, -1):
        for j in range(cols - 1, -1, -1):
            if first[i] == second[j]:
                lengths[i][j] = lengths[i + 1][j + 1] + 1
            else:
                lengths[i][j] = max(lengths[i + 1][j], lengths[i][j + 1])
    result, i, j = [], 0, 0
    while i < rows and j < cols:
        if first[i] == second[j]:
            result.append(first[i])
            i, j = i + 1, j + 1
        elif lengths[i + 1][j] >= lengths[i][j + 1]:
            i += 1
        else:
            j += 1
    return result


def _reading_order(
    before: Sequence[Paragraph],
    after: Sequence[Paragraph],
    compared: dict[str, Compared],
    deleted: dict[str, Compared],
) -> list[Compared]:
    """The paragraphs as they are now, each deleted one right after the paragraph it followed before
    (the nearest earlier one that is still there), or first."""
    following: dict[str | None, list[Compared]] = {}
    anchor: str | None = None
    for paragraph in before:
        if paragraph.id in deleted:
            following.setdefault(anchor, []).append(deleted[paragraph.id])
        else:
            anchor = paragraph.id
    ordered = list(following.get(None, []))
    for paragraph in after:
        ordered.append(compared[paragraph.id])
        ordered += following.get(paragraph.id, [])
    return ordered
