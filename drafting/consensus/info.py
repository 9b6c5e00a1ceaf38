"""Consensus in the draft's Y.Doc: reading statuses and locks from `info`, and writing them back.

`info` is written only by the server; the guard (drafting.guard) enforces what it says. Each write
replaces a whole entry: `info[paragraph id] = {label, kind, status, locked, changed_by, reason,
changed_at}` (the last three: who last changed the status or lock, why, when), `info["document"] =
{title, kind, status}`. The writers are called inside the room's server transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pycrdt import Doc, Map, Text

from drafting.consensus.rules import FinalParagraph, ParagraphState
from drafting.errors import NotFound
from drafting.kinds import DocumentStatus, ParagraphKind, ParagraphStatus
from drafting.languages import DOCUMENT_KEYS, TRANSLATIONS_KEY, read_languages, read_version
from drafting.layout import DOCUMENT_KEY, bind, read_document_info, read_paragraphs


def _plain(value: object) -> dict[str, Any]:
    if isinstance(value, Map):
        return dict(value.to_py() or {})
    return dict(value) if isinstance(value, dict) else {}


def document_status(doc: Doc[Any]) -> DocumentStatus:
    status = read_document_info(doc).get("status", DocumentStatus.DRAFT.value)
    try:
        return DocumentStatus(status)
    except ValueError:
        return DocumentStatus.DRAFT


def paragraph_ids(doc: Doc[Any]) -> list[str]:
    """The ids of the paragraphs in reading order (those in `order` with a text)."""
    return [p.id for p in read_paragraphs(doc)]


def paragraph_meta(doc: Doc[Any], paragraph_id: str) -> dict[str, Any]:
    """The paragraph's `info` entry; NotFound if the document has no such paragraph."""
    order, texts, info = bind(doc)
    if paragraph_id == DOCUMENT_KEY or not isinstance(texts.get(paragraph_id), Text):
        raise NotFound("paragraph", paragraph_id)
    if paragraph_id not in set(order):
        raise NotFound("paragraph", paragraph_id)
    return _plain(info.get(paragraph_id))


def paragraph_state(meta: dict[str, Any]) -> ParagraphState:
    try:
        status = ParagraphStatus(meta.get("status", ParagraphStatus.OPEN.value))
    except ValueError:
        status = ParagraphStatus.OPEN
    return ParagraphState(status, bool(meta.get("locked", False)))


def label_of(meta: dict[str, Any], paragraph_id: str) -> str:
    return str(meta.get("label") or paragraph_id)


@dataclass(frozen=True)
class Change:
    """Who last changed a paragraph's status or lock, why and when: kept in its `info` entry, so a reader
    who opens the document later can still say "locked by the PPT (Mexico): consultations"."""

    by_name: str | None
    by_delegation: str | None
    reason: str
    at: datetime

    def as_info(self) -> dict[str, Any]:
        by = {"name": self.by_name, "delegation": self.by_delegation} if self.by_name else None
        return {"changed_by": by, "reason": self.reason or None, "changed_at": self.at.isoformat()}


CHANGE_KEYS = ("changed_by", "reason", "changed_at")


def write_paragraph(
    doc: Doc[Any], paragraph_id: str, state: ParagraphState, change: Change | None = None
) -> None:
    _, _, info = bind(doc)
    meta = _plain(info.get(paragraph_id))
    entry: dict[str, Any] = {
        "label": str(meta.get("label", "")),
        "kind": str(meta.get("kind", ParagraphKind.OPERATIVE.value)),
        "status": state.status.value,
        "locked": state.locked,
    }
    if change is not None:
        entry.update(change.as_info())
    else:
        entry.update({key: meta[key] for key in CHANGE_KEYS if key in meta})
    if TRANSLATIONS_KEY in meta:
        entry[TRANSLATIONS_KEY] = meta[TRANSLATIONS_KEY]  # the language versions' marks stay
    info[paragraph_id] = entry


def write_paragraphs(
    doc: Doc[Any], states: Iterable[tuple[str, ParagraphState]], change: Change | None = None
) -> None:
    for paragraph_id, state in states:
        write_paragraph(doc, paragraph_id, state, change)


def write_document_status(doc: Doc[Any], status: DocumentStatus) -> None:
    _, _, info = bind(doc)
    meta = _plain(info.get(DOCUMENT_KEY))
    info[DOCUMENT_KEY] = {
        "title": str(meta.get("title", "")),
        "kind": str(meta.get("kind", "")),
        "status": status.value,
        **{key: meta[key] for key in DOCUMENT_KEYS if key in meta},
    }


def final_paragraphs(doc: Doc[Any]) -> list[FinalParagraph]:
    """The paragraphs as adoption fixes them, with their text in every language version."""
    languages = read_languages(doc)
    versions = {
        language: read_version(doc, language) for language in (languages.versions if languages else ())
    }
    return [
        FinalParagraph(
            p.id,
            p.label,
            p.kind,
            p.text,
            tuple((language, texts.get(p.id, "")) for language, texts in versions.items()),
        )
        for p in read_paragraphs(doc)
    ]


def realign(doc: Doc[Any], recorded: dict[str, ParagraphState], status: DocumentStatus) -> bool:
    """Bring `info` in line with what the records say (the records are written first: a crash between the
    two writes leaves `info` behind). Call inside a server transaction; returns whether it wrote."""
    wrote = False
    present = set(paragraph_ids(doc))
    _, _, info = bind(doc)
    for paragraph_id, state in recorded.items():
        if paragraph_id in present and paragraph_state(_plain(info.get(paragraph_id))) != state:
            write_paragraph(doc, paragraph_id, state)
            wrote = True
    if document_status(doc) is not status:
        write_document_status(doc, status)
        wrote = True
    return wrote
