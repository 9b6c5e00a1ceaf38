"""Restoring a paragraph, or a whole revision, as a new change on top of the live text.

History is never rewritten: the restored words are written into the live document like any server edit
(the room logs them under a `restore` sender). Every step first passes the one consensus rule
(drafting.consensus.rules.check_text_change): nothing changes in an adopted document or under silence,
and a locked paragraph's words stay — the whole restore is refused, naming the first obstacle, before
anything is written. Only words and structure come back; statuses and locks stay the PPT's acts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pycrdt import Doc

from drafting import structure
from drafting.amendments import replace_text
from drafting.consensus.info import document_status
from drafting.consensus.rules import ParagraphState, TextChange, check_text_change
from drafting.errors import NotFound
from drafting.kinds import ParagraphKind
from drafting.layout import Paragraph, bind, read_paragraphs
from drafting.rendered import RenderedText


@dataclass(frozen=True)
class Reinsertion:
    """A paragraph of the revision deleted since: it comes back with a new id (ids are never reused)."""

    revision_id: str
    after: str | None  # the revision's paragraph before it (a revision id), None: first
    kind: ParagraphKind
    text: str


@dataclass(frozen=True)
class RestorePlan:
    edits: list[tuple[str, str, str]] = field(default_factory=list)  # (id, live text, revision text)
    deletions: list[str] = field(default_factory=list)
    reinsertions: list[Reinsertion] = field(default_factory=list)
    order: list[str] | None = None  # the revision's reading order (revision ids), for a whole restore

    @property
    def empty(self) -> bool:
        return not (self.edits or self.deletions or self.reinsertions or self.order)


def _check(change: TextChange, doc: Doc[Any], paragraph: Paragraph | None = None) -> None:
    state = ParagraphState(paragraph.status, paragraph.locked) if paragraph is not None else None
    check_text_change(change, document_status(doc), state, paragraph.label if paragraph else "")


def plan_restore(doc: Doc[Any], revision: RenderedText, paragraph_id: str | None = None) -> RestorePlan:
    """What restoring `revision` (or only its paragraph `paragraph_id`) changes in `doc`, each step
    allowed by the consensus rule; raises the rule's Conflict (or NotFound) otherwise."""
    _check(TextChange.EDIT, doc)  # adopted, under silence: refused even when nothing would change
    live = {p.id: p for p in read_paragraphs(doc)}
    wanted = revision.paragraphs
    if paragraph_id is not None:
        wanted = tuple(p for p in revision.paragraphs if p.id == paragraph_id)
        if not wanted:
            raise NotFound("paragraph of the revision", paragraph_id)
    plan = RestorePlan()
    previous: str | None = None
    for paragraph in revision.paragraphs:
        if paragraph in wanted:
            now = live.get(paragraph.id)
            if now is None:
                _check(TextChange.INSERT, doc)
                plan.reinsertions.append(Reinsertion(paragraph.id, previous, paragraph.kind, paragraph.text))
            elif now.text != paragraph.text:
                _check(TextChange.EDIT, doc, now)
                plan.edits.append((paragraph.id, now.text, paragraph.text))
        previous = paragraph.id
    if paragraph_id is None:
        kept = {p.id for p in revision.paragraphs}
        for now in live.values():
            if now.id not in kept:
                _check(TextChange.DELETE, doc, now)
                plan.deletions.append(now.id)
        live_order = [p for p in live if p in kept]
        if plan.reinsertions or live_order != [p.id for p in revision.paragraphs if p.id in live]:
            _check(TextChange.MOVE, doc)
            return RestorePlan(
                plan.edits, plan.deletions, plan.reinsertions, [p.id for p in revision.paragraphs]
            )
    return plan


def apply_restore(doc: Doc[Any], plan: RestorePlan) -> dict[str, str]:
    """Write the plan inside the caller's transaction; returns the new id of each paragraph brought back."""
    for paragraph_id, before, restored in plan.edits:
        replace_text(doc, paragraph_id, before, restored)
    for paragraph_id in plan.deletions:
        structure.delete_paragraph(doc, paragraph_id)
    new_ids: dict[str, str] = {}
    for item in plan.reinsertions:
        after: str | None = new_ids.get(item.after, item.after) if item.after is not None else None
        if after is not None and after not in {str(pid) for pid in bind(doc)[0]}:
            after = None
        new_ids[item.revision_id] = structure.insert_paragraph(doc, after, item.kind, item.text)
    if plan.order is not None:
        target = [new_ids.get(paragraph_id, paragraph_id) for paragraph_id in plan.order]
        for index, paragraph_id in enumerate(target):
            current = [str(pid) for pid in bind(doc)[0]]
            if current.index(paragraph_id) != index:
                structure.move_paragraph(doc, paragraph_id, target[index - 1] if index else None)
    return new_ids
