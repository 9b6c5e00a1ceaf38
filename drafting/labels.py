"""Paragraph labels: PP1… for preambular, OP1… for operative, bis/ter… for insertions.

A label is derived, never typed: a revision renumbers the whole text (`number`), and a paragraph inserted
between revisions takes the label of the paragraph of its kind before it plus the next free suffix
(`label_new`), so OP7 stays OP7 and the new paragraph after it reads OP7bis until the next renumbering.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from drafting.kinds import ParagraphKind

SUFFIXES = ("bis", "ter", "quater", "quinquies", "sexies", "septies", "octies", "novies", "decies")
PREFIXES = {ParagraphKind.PREAMBULAR: "PP", ParagraphKind.OPERATIVE: "OP"}
_LABEL = re.compile(r"^(PP|OP)(\d+)")


def number(kinds: Sequence[ParagraphKind]) -> list[str]:
    """Labels for a whole text in reading order: PP1, PP2, …, OP1, …; headings carry no label."""
    counters = dict.fromkeys(PREFIXES, 0)
    labels = []
    for kind in kinds:
        if kind is ParagraphKind.HEADING:
            labels.append("")
            continue
        counters[kind] += 1
        labels.append(f"{PREFIXES[kind]}{counters[kind]}")
    return labels


def label_new(kind: ParagraphKind, previous: str | None, taken: Iterable[str]) -> str:
    """The label of a paragraph inserted after the paragraph of the same kind labelled `previous`."""
    if kind is ParagraphKind.HEADING:
        return ""
    prefix = PREFIXES[kind]
    match = _LABEL.match(previous or "")
    base = f"{prefix}{match.group(2) if match else 0}"
    used = set(taken)
    candidates = ([] if match else [base]) + [base + suffix for suffix in SUFFIXES]
    for candidate in candidates:
        if candidate not in used:
            return candidate
    extra = len(SUFFIXES) + 1
    while f"{base}-{extra}" in used:
        extra += 1
    return f"{base}-{extra}"
