"""A document's text as people read it: title, status, and each paragraph's label, kind, status and text.

This is what a revision keeps beside its CRDT state, what comparisons and exports read, and what a
revision's hash covers, as canonical JSON (format 1):

    {"format": 1,
     "document": {"title", "kind", "status", "language"},
     "paragraphs": [{"id", "label", "kind", "status", "locked", "text", "versions"}]}

`language` is the source language once documents have one, and `versions` a paragraph's text in each
other working language (issue 11); both are empty today and already covered by the hash.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pycrdt import Doc

from drafting.errors import InvalidInput
from drafting.kinds import DocumentStatus, ParagraphKind, ParagraphStatus
from drafting.layout import Paragraph, read_document_info, read_paragraphs

FORMAT = 1


@dataclass(frozen=True)
class RenderedText:
    title: str
    kind: str
    status: DocumentStatus
    paragraphs: tuple[Paragraph, ...]
    language: str | None = None
    versions: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # paragraph id → language → text

    def paragraph(self, paragraph_id: str) -> Paragraph | None:
        return next((p for p in self.paragraphs if p.id == paragraph_id), None)


def render(doc: Doc[Any]) -> RenderedText:
    info = read_document_info(doc)
    try:
        status = DocumentStatus(info.get("status", DocumentStatus.DRAFT.value))
    except ValueError:
        status = DocumentStatus.DRAFT
    return RenderedText(
        title=str(info.get("title", "")),
        kind=str(info.get("kind", "")),
        status=status,
        paragraphs=tuple(read_paragraphs(doc)),
    )


def as_json(rendered: RenderedText) -> dict[str, Any]:
    return {
        "format": FORMAT,
        "document": {
            "title": rendered.title,
            "kind": rendered.kind,
            "status": rendered.status.value,
            "language": rendered.language,
        },
        "paragraphs": [
            {
                "id": p.id,
                "label": p.label,
                "kind": p.kind.value,
                "status": p.status.value,
                "locked": p.locked,
                "text": p.text,
                "versions": dict(rendered.versions.get(p.id, {})),
            }
            for p in rendered.paragraphs
        ],
    }


def to_canonical(rendered: RenderedText) -> str:
    return json.dumps(as_json(rendered), ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def from_json(text: str) -> RenderedText:
    try:
        value = json.loads(text)
        document = value["document"]
        if value.get("format") != FORMAT:
            raise InvalidInput(
                f"rendered text of format {value.get('format')!r}; this version reads {FORMAT}"
            )
        paragraphs = tuple(_paragraph(item) for item in value["paragraphs"])
        versions = {item["id"]: dict(item.get("versions") or {}) for item in value["paragraphs"]}
        return RenderedText(
            title=str(document["title"]),
            kind=str(document["kind"]),
            status=DocumentStatus(document["status"]),
            paragraphs=paragraphs,
            language=document.get("language"),
            versions={key: texts for key, texts in versions.items() if texts},
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidInput(f"not a rendered text: {exc}") from exc


def _paragraph(item: Mapping[str, Any]) -> Paragraph:
    return Paragraph(
        id=str(item["id"]),
        label=str(item["label"]),
        kind=ParagraphKind(item["kind"]),
        text=str(item["text"]),
        status=ParagraphStatus(item["status"]),
        locked=bool(item["locked"]),
    )


def plain(paragraphs: Sequence[Paragraph]) -> str:
    """The text as lines "LABEL text", for a reader without markup."""
    return "\n\n".join(f"{p.label} {p.text}".strip() for p in paragraphs)
