"""Hand-encoded Yjs v1 updates: what a client outside pycrdt's API can send (a Y.Text attribute, a list
item in a Y.Map root, an entry in a Y.Array root), built struct by struct as Yjs encodes them."""

from __future__ import annotations

import json
import struct
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pycrdt import Doc

from drafting.update_items import Content, Id, TypeRef, read_items, read_uint
from drafting.update_items import write_uint as uint


def string(text: str) -> bytes:
    data = text.encode("utf-8")
    return uint(len(data)) + data


def any_value(value: Any) -> bytes:
    if value is None:
        return bytes([126])
    if value is True:
        return bytes([120])
    if value is False:
        return bytes([121])
    if isinstance(value, str):
        return bytes([119]) + string(value)
    if isinstance(value, int) and -(2**31) < value < 2**31:
        return bytes([125]) + var_int(value)
    if isinstance(value, float | int):
        return bytes([123]) + struct.pack(">d", float(value))
    if isinstance(value, dict):
        return bytes([118]) + uint(len(value)) + b"".join(string(k) + any_value(v) for k, v in value.items())
    if isinstance(value, list):
        return bytes([117]) + uint(len(value)) + b"".join(any_value(v) for v in value)
    raise TypeError(value)


def var_int(value: int) -> bytes:
    magnitude = abs(value)
    out = bytearray([(0x40 if value < 0 else 0) | (magnitude & 0x3F)])
    magnitude >>= 6
    if magnitude:
        out[0] |= 0x80
    while magnitude:
        byte = magnitude & 0x7F
        magnitude >>= 7
        out.append(byte | (0x80 if magnitude else 0))
    return bytes(out)


@dataclass(frozen=True)
class Raw:
    """One item: its content kind, encoded content and clock length."""

    ref: int
    body: bytes
    length: int = 1


def text(characters: str) -> Raw:
    return Raw(Content.STRING, string(characters), len(characters.encode("utf-16-le")) // 2)


def values(*entries: Any) -> Raw:
    return Raw(Content.ANY, uint(len(entries)) + b"".join(any_value(v) for v in entries), len(entries))


def formatting(name: str, value: Any) -> Raw:
    return Raw(Content.FORMAT, string(name) + string(json.dumps(value)))


def embed(value: Any) -> Raw:
    return Raw(Content.EMBED, string(json.dumps(value)))


def shared(type_ref: TypeRef) -> Raw:
    return Raw(Content.TYPE, uint(type_ref))


@dataclass(frozen=True)
class Struct:
    content: Raw
    parent: str | Id | None = None  # a root name or the id of a shared type's item; None with an origin
    key: str | None = None
    origin: Id | None = None
    right_origin: Id | None = None


def update(client: int, clock: int, structs: Sequence[Struct]) -> bytes:
    """An update of `structs` by `client` from `clock` on, with an empty delete set."""
    out = bytearray(uint(1) + uint(len(structs)) + uint(client) + uint(clock))
    for item in structs:
        info = item.content.ref
        info |= 0x80 if item.origin else 0
        info |= 0x40 if item.right_origin else 0
        info |= 0x20 if item.key is not None else 0
        out.append(info)
        for ref in (item.origin, item.right_origin):
            if ref is not None:
                out += uint(ref[0]) + uint(ref[1])
        if item.origin is None and item.right_origin is None:
            if isinstance(item.parent, str):
                out += uint(1) + string(item.parent)
            else:
                assert item.parent is not None
                out += uint(0) + uint(item.parent[0]) + uint(item.parent[1])
            if item.key is not None:
                out += string(item.key)
        out += item.content.body
    return bytes(out) + uint(0)


def read_state(state: bytes) -> dict[int, int]:
    """A state vector: client → the clock its next item gets."""
    numbers: list[int] = []
    position = 0
    while position < len(state):
        number, position = read_uint(state, position)
        numbers.append(number)
    return dict(zip(numbers[1::2], numbers[2::2], strict=True))


def text_item_id(doc: Doc[Any], paragraph_id: str) -> Id:
    """The id of the item that holds paragraph `paragraph_id`'s Y.Text in `doc` (its newest one)."""
    found = [
        item.id
        for item in read_items(doc.get_update())
        if item.key == paragraph_id and item.content == Content.TYPE and item.type_ref == TypeRef.TEXT
    ]
    assert found, f"no Y.Text for {paragraph_id}"
    return found[-1]


def partly_applicable(client: int, character: Id) -> bytes:
    """A string in a new root "junk", then a string whose parent is `character`, which is no shared type:
    Yrs puts the first in, then refuses the second (pycrdt's RuntimeError "Cannot apply update: block
    parent … must be deleted or shared ref type")."""
    return update(client, 0, [Struct(text("Q"), parent="junk"), Struct(text("Z"), parent=character)])
