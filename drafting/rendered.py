"""A document's text as people read it: title, status, and each paragraph's label, kind, status and text.

This is what a revision keeps beside its CRDT state, what comparisons and exports read, and what a
revision's hash covers, as canonical JSON (format 1):

    {"format": 1,
     "document": {"title", "kind", "status", "language"},
     "paragraphs": [{"id", "label", "kind", "status", "locked", "text", "versions"}]}

`language` is the document's source language and `versions` a paragraph's text in each other working
language (drafting/languages.py); for a document with one text, null and empty.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from pycrdt import Doc

from drafting.errors import InvalidInput
from drafting.kinds import DocumentStatus, ParagraphKind, ParagraphStatus
from drafting.languages import read_languages, read_version
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

    @property
    def languages(self) -> tuple[str, ...]:
        """The source language first, then every version's (none for a document with one text)."""
        others = sorted({language for texts in self.versions.values() for language in texts})
        return (self.language, *others) if self.language else ()

    def in_language(self, language: str) -> RenderedText:
        """The same text with each paragraph in `language` (the source language: as it is)."""
        if language == self.language:
            return self
        if language not in self.languages:
            raise InvalidInput(f"{language!r} is not a language of this text", code="unknown_language")
        paragraphs = tuple(
            replace(p, text=self.versions.get(p.id, {}).get(language, "")) for p in self.paragraphs
        )
        return replace(self, paragraphs=paragraphs, language=language, versions={})


def render(doc: Doc[Any]) -> RenderedText:
    info = read_document_info(doc)
    try:
        status = DocumentStatus(info.get("status", DocumentStatus.DRAFT.value))
    except ValueError:
        status = DocumentStatus.DRAFT
    languages = read_languages(doc)
    texts = {language: read_version(doc, language) for language in (languages.versions if languages else ())}
    paragraphs = tuple(read_paragraphs(doc))
    return RenderedText(
        title=str(info.get("title", "")),
        kind=str(info.get("kind", "")),
        status=status,
        paragraphs=paragraphs,
        language=languages.source if languages else None,
        versions={
            p.id: {language: version.get(p.id, "") for language, version in texts.items()} for p in paragraphs
        }
        if texts
        else {},
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
