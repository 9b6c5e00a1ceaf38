"""The compilation text and the consensus matrix, from the current paragraphs and submitted positions.

The compilation shows, for each paragraph, its current text, then every delegation's submitted
amendment as attributed insertions and deletions against it (delegations proposing the same change
grouped: "MEX, CRI: add 'regular' after 'safe'"), and the tally of stances. The consensus matrix is
paragraphs × delegations coloured by stance, sorted by how far each paragraph is from consensus.
Both are pure functions of values; HTML escapes every piece of text, and styles come from STYLESHEET
(static/compilation.css) through class names.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from drafting.amendments import proposed_changes, rebase
from drafting.kinds import AmendmentKind, ParagraphKind, Stance
from drafting.layout import Paragraph
from drafting.textdiff import Change, describe, to_html

TALLIED = (Stance.SUPPORT, Stance.AMEND, Stance.OPPOSE, Stance.RESERVATION)
# How far one delegation's stance keeps a paragraph from consensus (silence does not).
DISTANCE = {Stance.SUPPORT: 0, Stance.NONE: 0, Stance.AMEND: 1, Stance.RESERVATION: 2, Stance.OPPOSE: 3}
# The pages' styles: a stylesheet, never inline (the service's CSP allows styles from itself only).
STYLESHEET = "/static/compilation.css"


@dataclass(frozen=True)
class Submitted:
    """One delegation's newest submitted position on a paragraph, in submission order."""

    paragraph_id: str
    delegation: str
    stance: Stance
    amendment: AmendmentKind | None = None
    proposed_text: str | None = None
    base_text: str = ""
    incorporated: bool = False


@dataclass
class AmendmentGroup:
    delegations: list[str]
    kind: AmendmentKind
    summary: str
    changes: list[Change]
    applies: bool  # False: written against an older text it no longer fits
    proposed_text: str | None
    incorporated: bool = False

    def as_json(self) -> dict[str, Any]:
        return {
            "delegations": self.delegations,
            "kind": self.kind.value,
            "summary": self.summary,
            "attributed": f"{', '.join(self.delegations)}: {self.summary}",
            "changes": [c.as_json() for c in self.changes],
            "applies": self.applies,
            "proposed_text": self.proposed_text,
            "incorporated": self.incorporated,
        }


@dataclass
class CompiledParagraph:
    paragraph: Paragraph
    amendments: list[AmendmentGroup] = field(default_factory=list)
    tally: dict[Stance, list[str]] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        p = self.paragraph
        return {
            "id": p.id,
            "label": p.label,
            "kind": p.kind.value,
            "status": p.status.value,
            "locked": p.locked,
            "text": p.text,
            "amendments": [group.as_json() for group in self.amendments],
            "tally": {
                s.value: {"count": len(self.tally.get(s, [])), "delegations": self.tally.get(s, [])}
                for s in TALLIED
            },
        }


def compile_text(paragraphs: Sequence[Paragraph], submitted: Sequence[Submitted]) -> list[CompiledParagraph]:
    by_paragraph: dict[str, list[Submitted]] = {}
    for entry in submitted:
        by_paragraph.setdefault(entry.paragraph_id, []).append(entry)
    result = []
    for paragraph in paragraphs:
        entries = by_paragraph.get(paragraph.id, [])
        compiled = CompiledParagraph(paragraph)
        for entry in entries:
            if entry.stance in TALLIED:
                compiled.tally.setdefault(entry.stance, []).append(entry.delegation)
        compiled.amendments = _grouped(paragraph, [e for e in entries if e.stance is Stance.AMEND])
        result.append(compiled)
    return result


def _grouped(paragraph: Paragraph, amendments: Sequence[Submitted]) -> list[AmendmentGroup]:
    groups: dict[tuple[object, ...], AmendmentGroup] = {}
    for entry in amendments:
        kind = entry.amendment or AmendmentKind.REPLACE
        key: tuple[object, ...]
        if kind is AmendmentKind.DELETE:
            key = (kind, entry.incorporated)
            group = AmendmentGroup([], kind, "delete the paragraph", [], True, None, entry.incorporated)
        elif kind is AmendmentKind.NEW_PARAGRAPH:
            text = entry.proposed_text or ""
            key = (kind, text, entry.incorporated)
            summary = f"add a new paragraph after {paragraph.label or paragraph.id}: '{text}'"
            group = AmendmentGroup(
                [], kind, summary, [Change("insert", text)], True, text, entry.incorporated
            )
        else:
            group, key = _replacement(paragraph, entry)
        existing = groups.setdefault(key, group)
        if entry.delegation not in existing.delegations:
            existing.delegations.append(entry.delegation)
    return list(groups.values())


def _replacement(paragraph: Paragraph, entry: Submitted) -> tuple[AmendmentGroup, tuple[object, ...]]:
    proposed = entry.proposed_text or ""
    if entry.incorporated:
        changes = [Change("equal", paragraph.text)]
        group = AmendmentGroup([], AmendmentKind.REPLACE, "incorporated", changes, True, proposed, True)
        return group, (AmendmentKind.REPLACE, "incorporated", proposed)
    changes, applies = proposed_changes(entry.base_text, proposed, paragraph.text)
    rebased = rebase(entry.base_text, proposed, paragraph.text).result
    summary = describe(changes) or "no change to the current text"
    if not applies:
        summary += " (written against an earlier text; no longer applies)"
    group = AmendmentGroup([], AmendmentKind.REPLACE, summary, changes, applies, proposed)
    return group, (AmendmentKind.REPLACE, rebased if applies else (entry.base_text, proposed))


# -- HTML -------------------------------------------------------------------------------------------


def compilation_html(title: str, compiled: Sequence[CompiledParagraph]) -> str:
    e = html.escape
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(title)} — compilation text</title>",
        f'<link rel="stylesheet" href="{STYLESHEET}"></head><body>',
        f'<article class="compilation"><h1>{e(title)}</h1>',
    ]
    for item in compiled:
        p = item.paragraph
        parts.append(f'<section class="paragraph" id="{e(p.id, quote=True)}">')
        parts.append(f'<h2>{e(p.label)}</h2><p class="text">{e(p.text)}</p>')
        if item.amendments:
            parts.append('<ul class="amendments">')
            for group in item.amendments:
                stale = "" if group.applies else ' class="stale"'
                who = ", ".join(group.delegations)
                parts.append(
                    f'<li{stale}><span class="by">{e(who)}</span>: '
                    f'<span class="summary">{e(group.summary)}</span>'
                    f'<p class="proposal">{to_html(group.changes, by=who)}</p></li>'
                )
            parts.append("</ul>")
        tally = " · ".join(
            f"{e(s.value)}: {len(item.tally.get(s, []))}"
            + (f" ({e(', '.join(item.tally[s]))})" if item.tally.get(s) else "")
            for s in TALLIED
        )
        parts.append(f'<p class="tally">{tally}</p></section>')
    parts.append("</article></body></html>")
    return "\n".join(parts)


# -- the consensus matrix ---------------------------------------------------------------------------


@dataclass(frozen=True)
class MatrixRow:
    paragraph: Paragraph
    stances: dict[str, Stance]  # delegation code → stance
    distance: int

    def as_json(self, delegations: Sequence[str]) -> dict[str, Any]:
        return {
            "id": self.paragraph.id,
            "label": self.paragraph.label,
            "status": self.paragraph.status.value,
            "distance": self.distance,
            "stances": {code: self.stances.get(code, Stance.NONE).value for code in delegations},
            "counts": {
                s.value: sum(1 for code in delegations if self.stances.get(code, Stance.NONE) is s)
                for s in (*TALLIED, Stance.NONE)
            },
        }


def consensus_matrix(
    paragraphs: Sequence[Paragraph],
    submitted: Sequence[Submitted],
    delegations: Sequence[str],
    *,
    furthest_first: bool = False,
) -> list[MatrixRow]:
    """Rows for every paragraph but headings, closest to consensus first (or furthest first).

    A paragraph's distance from consensus adds 3 per opposition, 2 per reservation, 1 per amendment.
    """
    stances: dict[str, dict[str, Stance]] = {}
    for entry in submitted:
        stances.setdefault(entry.paragraph_id, {})[entry.delegation] = entry.stance
    rows = []
    for paragraph in paragraphs:
        if paragraph.kind is ParagraphKind.HEADING:
            continue
        held = {code: stance for code, stance in stances.get(paragraph.id, {}).items() if code in delegations}
        rows.append(MatrixRow(paragraph, held, sum(DISTANCE[s] for s in held.values())))
    reading = {row.paragraph.id: index for index, row in enumerate(rows)}

    def support(row: MatrixRow) -> int:
        return sum(1 for s in row.stances.values() if s is Stance.SUPPORT)

    if furthest_first:
        return sorted(rows, key=lambda r: (-r.distance, support(r), reading[r.paragraph.id]))
    return sorted(rows, key=lambda r: (r.distance, -support(r), reading[r.paragraph.id]))


def matrix_html(title: str, rows: Sequence[MatrixRow], delegations: Sequence[str]) -> str:
    e = html.escape
    head = "".join(f"<th>{e(code)}</th>" for code in delegations)
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(title)} — consensus matrix</title>",
        f'<link rel="stylesheet" href="{STYLESHEET}">',
        f"</head><body><h1>{e(title)}</h1>",
        f'<table class="consensus"><thead><tr><th>paragraph</th><th>distance</th>{head}</tr></thead><tbody>',
    ]
    for row in rows:
        cells = []
        for code in delegations:
            stance = row.stances.get(code, Stance.NONE)
            cells.append(
                f'<td class="stance {stance.value}" title="{e(code, quote=True)}: {stance.value}">'
                f"{e(stance.value)}</td>"
            )
        label = e(row.paragraph.label or row.paragraph.id)
        parts.append(f"<tr><th>{label}</th><td>{row.distance}</td>{''.join(cells)}</tr>")
    parts.append("</tbody></table></body></html>")
    return "\n".join(parts)
