"""Position conversions between the three ways of counting a paragraph's text.

pycrdt 0.14 indexes Y.Text by UTF-8 bytes, Python strings count code points, and yjs in the browser
counts UTF-16 code units: 'Migración' is 9 code points, 9 UTF-16 units and 10 bytes; '🌎' is 1 code
point, 2 UTF-16 units and 4 bytes. Every server-side text edit goes through this module.
"""

from __future__ import annotations


def utf8_offset(text: str, index: int) -> int:
    """The UTF-8 byte offset of code point `index` in `text`."""
    if not 0 <= index <= len(text):
        raise IndexError(f"code point index {index} outside 0..{len(text)}")
    return len(text[:index].encode("utf-8"))


def utf8_length(text: str) -> int:
    return len(text.encode("utf-8"))


def utf8_to_codepoint(text: str, offset: int) -> int:
    """The code point index matching UTF-8 byte offset `offset` (as pycrdt counts) in `text`."""
    encoded = text.encode("utf-8")
    if not 0 <= offset <= len(encoded):
        raise IndexError(f"UTF-8 offset {offset} outside the text ({len(encoded)} bytes)")
    if offset < len(encoded) and encoded[offset] & 0xC0 == 0x80:  # a continuation byte
        raise IndexError(f"UTF-8 offset {offset} splits a character")
    return len(encoded[:offset].decode("utf-8"))


def utf16_to_codepoint(text: str, index: int) -> int:
    """The code point index matching UTF-16 unit offset `index` (as yjs counts) in `text`."""
    total = len(text.encode("utf-16-le")) // 2
    if not 0 <= index <= total:
        raise IndexError(f"UTF-16 offset {index} outside the text ({total} units)")
    units = 0
    for position, char in enumerate(text):
        if units == index:
            return position
        units += 2 if ord(char) > 0xFFFF else 1
        if units > index:
            raise IndexError(f"UTF-16 offset {index} splits a surrogate pair")
    return len(text)


def codepoint_to_utf16(text: str, index: int) -> int:
    if not 0 <= index <= len(text):
        raise IndexError(f"code point index {index} outside 0..{len(text)}")
    return len(text[:index].encode("utf-16-le")) // 2
