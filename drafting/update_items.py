"""The items a Yjs update inserts, read from its v1 encoding: where each one goes and what it holds.

The guard reads the update that its shadow integrated (encoded by Yrs, so well formed) to find what no
shared-type API shows: formatting attributes over the limits, entries of the wrong kind (a map entry in
a Y.Text or in `order`, a list item in `paragraphs` or `info`) and content of root types the layout does
not know. An item names its parent only when it has no origin; otherwise it lives where its origin does.
Lengths are in the units of Yjs clocks (UTF-16 code units for strings).
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator
from dataclasses import dataclass
from enum import IntEnum

from drafting.errors import MalformedUpdate

Id = tuple[int, int]  # (client, clock)


class Content(IntEnum):
    """The content kinds of the v1 encoding (the low five bits of a struct's info byte)."""

    GC = 0
    DELETED = 1
    JSON = 2
    BINARY = 3
    STRING = 4
    EMBED = 5
    FORMAT = 6
    TYPE = 7
    ANY = 8
    DOC = 9
    SKIP = 10
    MOVE = 11  # Yrs only


class TypeRef(IntEnum):
    ARRAY = 0
    MAP = 1
    TEXT = 2
    XML_ELEMENT = 3
    XML_FRAGMENT = 4
    XML_HOOK = 5
    XML_TEXT = 6


@dataclass(frozen=True, slots=True)
class Item:
    """One struct of an update. `parent` is a root name, the id of a shared type's item, or None when
    the item has an origin (and lives where the origin does)."""

    id: Id
    length: int
    content: Content
    origin: Id | None = None
    right_origin: Id | None = None
    parent: str | Id | None = None
    keyed: bool = False  # a map entry (it has a key, written out only without origins)
    key: str | None = None
    type_ref: int | None = None  # for Content.TYPE
    values: tuple[object, ...] = ()  # for Content.ANY
    size: int = 0  # characters of a string, or of a format's name and JSON value


def read_items(update: bytes) -> list[Item]:
    """Every struct the update carries except GC and skip ranges; raises MalformedUpdate when unreadable."""
    reader = _Reader(update)
    try:
        return list(_items(reader))
    except (IndexError, ValueError) as exc:  # UnicodeDecodeError and json errors are ValueErrors
        raise MalformedUpdate(f"the update's structs cannot be read ({exc})") from exc


def only_characters(update: bytes) -> bool:
    """Whether every item the update inserts is characters beside other content or inside a shared type
    (no keyed entry, formatting, embed, shared type, or item of a root type): what typing produces.
    Reads struct headers only; False when unsure.

    On the guard's path for every keystroke, hence written out rather than with _Reader.
    """
    buf = update
    pos = 0
    try:
        clients, pos = read_uint(buf, pos)
        for _ in range(clients):
            count, pos = read_uint(buf, pos)
            for _ in range(2):  # client, clock
                while buf[pos] & 0x80:
                    pos += 1
                pos += 1
            for _ in range(count):
                info = buf[pos]
                pos += 1
                kind = info & 0x3F  # content kind in the low five bits, 0x20: keyed
                if kind in _RANGES:  # GC and skip: a length, no header
                    while buf[pos] & 0x80:
                        pos += 1
                    pos += 1
                    continue
                if kind != _STRING and kind != _DELETED:
                    return False
                skips = (2 if info & 0x80 else 0) + (2 if info & 0x40 else 0)
                if not info & 0xC0:
                    parent, pos = read_uint(buf, pos)
                    if parent == 1:
                        return False  # characters right in a root type: no paragraph's text
                    skips = 2
                for _ in range(skips):
                    while buf[pos] & 0x80:
                        pos += 1
                    pos += 1
                length, pos = read_uint(buf, pos)
                if kind == _STRING:
                    pos += length
    except IndexError:
        return False
    return True


_STRING = int(Content.STRING)
_DELETED = int(Content.DELETED)
_RANGES = frozenset({int(Content.GC), int(Content.SKIP)})


def read_uint(buf: bytes, pos: int) -> tuple[int, int]:
    """A lib0 variable-length unsigned integer at `pos`, and the position after it."""
    value = shift = 0
    while True:
        byte = buf[pos]
        pos += 1
        value |= (byte & 0x7F) << shift
        if byte < 0x80:
            return value, pos
        shift += 7


def delete_set_update(ids: dict[int, list[tuple[int, int]]]) -> bytes:
    """An update that only deletes: per client, (clock, length) ranges."""
    out = bytearray(write_uint(0))
    out += write_uint(len(ids))
    for client, ranges in ids.items():
        out += write_uint(client) + write_uint(len(ranges))
        for clock, length in ranges:
            out += write_uint(clock) + write_uint(length)
    return bytes(out)


def _items(reader: _Reader) -> Iterator[Item]:
    for _ in range(reader.uint()):
        count = reader.uint()
        client = reader.uint()
        clock = reader.uint()
        for _ in range(count):
            info = reader.byte()
            ref = info & 0x1F
            if ref in (Content.GC, Content.SKIP):
                clock += reader.uint()
                continue
            item = _item(reader, info, (client, clock))
            clock += item.length
            yield item


def _item(reader: _Reader, info: int, id_: Id) -> Item:
    origin = reader.id() if info & 0x80 else None
    right_origin = reader.id() if info & 0x40 else None
    parent: str | Id | None = None
    key = None
    if not info & 0xC0:
        parent = reader.string() if reader.uint() == 1 else reader.id()
        if info & 0x20:
            key = reader.string()
    content = Content(info & 0x1F) if info & 0x1F <= Content.MOVE else None
    length, size, type_ref = 1, 0, None
    values: tuple[object, ...] = ()
    if content == Content.STRING:
        text = reader.string()
        length, size = _utf16_length(text), len(text)
    elif content == Content.FORMAT:
        name, value = reader.string(), reader.string()
        size = len(name) + len(value)
    elif content == Content.DELETED:
        length = reader.uint()
    elif content == Content.ANY:
        values = tuple(reader.any() for _ in range(reader.uint()))
        length = len(values)
    elif content == Content.TYPE:
        type_ref = reader.uint()
        if type_ref in (TypeRef.XML_ELEMENT, TypeRef.XML_HOOK):
            reader.string()
        elif type_ref > TypeRef.XML_TEXT:
            raise ValueError(f"shared type {type_ref} is not part of Yjs")
    elif content == Content.JSON:
        length = reader.uint()
        for _ in range(length):
            reader.string()
    elif content in (Content.BINARY, Content.EMBED):
        reader.bytes_()
    elif content == Content.DOC:
        reader.string()
        reader.any()
    else:
        raise ValueError(f"content {info & 0x1F} is not part of Yjs")
    return Item(
        id=id_,
        length=length,
        content=content,
        origin=origin,
        right_origin=right_origin,
        parent=parent,
        keyed=bool(info & 0x20),
        key=key,
        type_ref=type_ref,
        values=values,
        size=size,
    )


class _Reader:
    __slots__ = ("buf", "pos")

    def __init__(self, buf: bytes) -> None:
        self.buf = buf
        self.pos = 0

    def byte(self) -> int:
        value = self.buf[self.pos]
        self.pos += 1
        return value

    def uint(self) -> int:
        value, self.pos = read_uint(self.buf, self.pos)
        return value

    def int_(self) -> int:
        byte = self.byte()
        negative = byte & 0x40
        value = byte & 0x3F
        shift = 6
        while byte & 0x80:
            byte = self.byte()
            value |= (byte & 0x7F) << shift
            shift += 7
        return -value if negative else value

    def id(self) -> Id:
        return self.uint(), self.uint()

    def bytes_(self) -> bytes:
        length = self.uint()
        start = self.pos
        self.pos += length
        if self.pos > len(self.buf):
            raise IndexError("a length runs past the end of the update")
        return self.buf[start : self.pos]

    def string(self) -> str:
        return self.bytes_().decode("utf-8")

    def any(self) -> object:
        tag = self.byte()
        if tag == 119:
            return self.string()
        if tag in _CONSTANTS:
            return _CONSTANTS[tag]
        if tag == 125:
            return self.int_()
        if tag in _NUMBERS:
            layout = _NUMBERS[tag]
            start = self.pos
            self.pos += struct.calcsize(layout)
            number: float = struct.unpack(layout, self.buf[start : self.pos])[0]
            return number
        if tag == 118:
            return {self.string(): self.any() for _ in range(self.uint())}
        if tag == 117:
            return [self.any() for _ in range(self.uint())]
        if tag == 116:
            return self.bytes_()
        raise ValueError(f"unknown value tag {tag}")


_CONSTANTS: dict[int, object] = {127: None, 126: None, 121: False, 120: True}
_NUMBERS = {124: ">f", 123: ">d", 122: ">q"}  # float32, float64, bigint64


def _utf16_length(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def write_uint(value: int) -> bytes:
    """`value` as a lib0 variable-length unsigned integer."""
    out = bytearray()
    while value > 0x7F:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)
    return bytes(out)


def format_size(name: str, value: object) -> int:
    """Characters of a formatting attribute as the limits count them: its name and its JSON value."""
    return len(name) + len(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
