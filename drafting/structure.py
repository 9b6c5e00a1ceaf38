"""The structure of a draft, changed by the server for the PPT: a paragraph of a chosen kind inserted,
moved or deleted. Each is written inside the caller's transaction, in the layout's terms (drafting/layout.py):
the new paragraph's `info` names its kind and a label derived like a client's insertion (OP7bis), and ids
never change. Whether the change may happen at all is the consensus rule's to say (check_text_change)."""

from __future__ import annotations

from typing import Any

from pycrdt import Doc, Text

from drafting.errors import InvalidInput, NotFound
from drafting.kinds import ParagraphKind, ParagraphStatus
from drafting.labels import label_new
from drafting.layout import bind, new_paragraph_id, read_paragraphs


def _index(ids: list[str], paragraph_id: str) -> int:
    if paragraph_id not in ids:
        raise NotFound("paragraph", paragraph_id)
    return ids.index(paragraph_id)


def insert_paragraph(doc: Doc[Any], after_id: str | None, kind: ParagraphKind, content: str) -> str:
    """A new paragraph after `after_id` (None: first); returns its id."""
    order, texts, info = bind(doc)
    ids = [str(pid) for pid in order]
    position = 0 if after_id is None else _index(ids, after_id) + 1
    before = [p for p in read_paragraphs(doc) if ids.index(p.id) < position]
    previous = next((p.label for p in reversed(before) if p.kind is kind), None)
    taken = {p.label for p in read_paragraphs(doc)}
    new_id = new_paragraph_id()
    texts[new_id] = Text(content)
    info[new_id] = {
        "label": label_new(kind, previous, taken),
        "kind": kind.value,
        "status": ParagraphStatus.OPEN.value,
        "locked": False,
    }
    order.insert(position, new_id)
    return new_id


def move_paragraph(doc: Doc[Any], paragraph_id: str, after_id: str | None) -> None:
    """Move a paragraph to just after `after_id` (None: first); its label stays until the next revision."""
    order = bind(doc)[0]
    ids = [str(pid) for pid in order]
    current = _index(ids, paragraph_id)
    if after_id == paragraph_id:
        raise InvalidInput("a paragraph cannot be moved after itself", code="invalid_move")
    remaining = ids[:current] + ids[current + 1 :]
    target = 0 if after_id is None else _index(remaining, after_id) + 1
    if target == current:
        return
    del order[current]
    order.insert(target, paragraph_id)


def delete_paragraph(doc: Doc[Any], paragraph_id: str) -> None:
    order, texts, info = bind(doc)
    ids = [str(pid) for pid in order]
    del order[_index(ids, paragraph_id)]
    if paragraph_id in texts:
        del texts[paragraph_id]
    if paragraph_id in info:
        del info[paragraph_id]
