"""The draft's CRDT layout, a public contract any Yjs client may rely on.

One Y.Doc per document with three root types:
- `order`: Y.Array of paragraph ids in reading order;
- `paragraphs`: Y.Map, paragraph id → Y.Text;
- `info`: Y.Map written only by the server: paragraph id → {label, kind, status, locked}, and
  `document` → {title, kind, status}.
Paragraph ids are random and never reused.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pycrdt import Array, Doc, Map, Text

from drafting.kinds import DocumentKind, DocumentStatus, ParagraphKind, ParagraphStatus
from drafting.labels import label_new, number

DOCUMENT_KEY = "document"


@dataclass(frozen=True)
class Paragraph:
    id: str
    label: str
    kind: ParagraphKind
    text: str
    status: ParagraphStatus
    locked: bool


def new_paragraph_id() -> str:
    return "p" + secrets.token_hex(6)


def new_draft() -> Doc[Any]:
    doc: Doc[Any] = Doc()
    bind(doc)
    return doc


def bind(doc: Doc[Any]) -> tuple[Array[Any], Map[Any], Map[Any]]:
    """The three root types of `doc` (created on first access, as yjs does)."""
    return doc.get("order", type=Array), doc.get("paragraphs", type=Map), doc.get("info", type=Map)


def write_document(
    doc: Doc[Any],
    *,
    title: str,
    kind: DocumentKind,
    status: DocumentStatus,
    paragraphs: Sequence[tuple[ParagraphKind, str]],
    ids: Sequence[str] | None = None,
    more_info: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[str]:
    """Fill an empty draft with numbered paragraphs (under `ids`, or new ones); returns their ids in order.
    `more_info` adds entries to the `info` of the document or of a paragraph, each written once."""
    order, texts, info = bind(doc)
    ids = list(ids) if ids is not None else [new_paragraph_id() for _ in paragraphs]
    labels = number([paragraph_kind for paragraph_kind, _ in paragraphs])
    more = more_info or {}
    with doc.transaction(origin="server"):
        info[DOCUMENT_KEY] = {
            "title": title,
            "kind": kind.value,
            "status": status.value,
            **more.get(DOCUMENT_KEY, {}),
        }
        for paragraph_id, label, (paragraph_kind, text) in zip(ids, labels, paragraphs, strict=True):
            texts[paragraph_id] = Text(text)
            entry = _info(label, paragraph_kind, ParagraphStatus.OPEN, locked=False)
            info[paragraph_id] = {**entry, **more.get(paragraph_id, {})}
        order.extend(ids)
    return ids


def read_paragraphs(doc: Doc[Any]) -> list[Paragraph]:
    order, texts, info = bind(doc)
    result = []
    for paragraph_id in order:
        text = texts.get(paragraph_id)
        if not isinstance(paragraph_id, str) or not isinstance(text, Text):
            continue
        meta = _read_info(info.get(paragraph_id))
        result.append(
            Paragraph(
                id=paragraph_id,
                label=str(meta.get("label", "")),
                kind=ParagraphKind(meta.get("kind", ParagraphKind.OPERATIVE.value)),
                text=str(text),
                status=ParagraphStatus(meta.get("status", ParagraphStatus.OPEN.value)),
                locked=bool(meta.get("locked", False)),
            )
        )
    return result


def read_document_info(doc: Doc[Any]) -> dict[str, Any]:
    _, _, info = bind(doc)
    return _read_info(info.get(DOCUMENT_KEY))


def label_unlabelled(doc: Doc[Any]) -> bool:
    """Give every paragraph in `order` that has no `info` entry a kind, a status and a derived label.

    Called after a client inserted paragraphs; the caller owns the transaction. Returns whether
    anything was written.
    """
    order, texts, info = bind(doc)
    metas = {key: _read_info(value) for key, value in info.items()}
    taken = {str(meta.get("label", "")) for meta in metas.values()}
    last_label: dict[ParagraphKind, str] = {}
    last_kind = ParagraphKind.PREAMBULAR
    changed = False
    for paragraph_id in order:
        if not isinstance(paragraph_id, str) or paragraph_id == DOCUMENT_KEY:
            continue
        meta = metas.get(paragraph_id)
        if meta is None:
            if paragraph_id not in texts:
                continue
            kind = last_kind
            label = label_new(kind, last_label.get(kind), taken)
            taken.add(label)
            info[paragraph_id] = _info(label, kind, ParagraphStatus.OPEN, locked=False)
            changed = True
        else:
            kind = ParagraphKind(meta.get("kind", ParagraphKind.OPERATIVE.value))
            label = str(meta.get("label", ""))
        if kind is not ParagraphKind.HEADING:
            last_kind = kind
            last_label[kind] = label
    return changed


def _info(label: str, kind: ParagraphKind, status: ParagraphStatus, *, locked: bool) -> dict[str, Any]:
    return {"label": label, "kind": kind.value, "status": status.value, "locked": locked}


def _read_info(value: object) -> dict[str, Any]:
    if isinstance(value, Map):
        return dict(value.to_py() or {})
    if isinstance(value, dict):
        return value
    return {}
