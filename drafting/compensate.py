"""Minimal edits that put part of a draft back as it was: the guard's compensation.

A paragraph's content is read as chunks, `(text or embed, formatting attributes)`, the shape of
`Text.diff()`. Text is restored with a diff-match-patch diff, so only what a refused update changed is
edited again and concurrent edits elsewhere in the document survive. pycrdt 0.14 indexes Y.Text by
UTF-8 bytes (an embed counts one), so every position goes through drafting.textpos.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from difflib import SequenceMatcher
from typing import Any

from diff_match_patch import diff_match_patch
from pycrdt import Array, Map, Text

from drafting.textpos import utf8_length

Attributes = dict[str, Any]
Chunk = tuple[object, Attributes]

# A locked paragraph is short, but an attacker's replacement need not be: bound the diff's time and
# accept a larger edit rather than stall the room.
DIFF_TIMEOUT_SECONDS = 0.05


def read_chunks(text: Text) -> list[Chunk]:
    """The content of `text` as chunks: attributes without None values, neighbours with equal ones merged."""
    chunks: list[Chunk] = []
    for value, attrs in text.diff():
        content = value.to_py() if isinstance(value, Array | Map | Text) else value
        chunks.append((content, _normalized(attrs)))
    return _coalesced(chunks)


def write_chunks(text: Text, chunks: Sequence[Chunk], index: int = 0) -> None:
    """Insert `chunks` at `index` with exactly their attributes (none inherited from the neighbours)."""
    for value, attrs in chunks:
        if isinstance(value, str):
            text.insert(index, value, dict(attrs))
            index += utf8_length(value)
        else:
            text.insert_embed(index, value, dict(attrs))
            index += 1


def recreate_text(paragraphs: Map[Any], paragraph_id: str, chunks: Sequence[Chunk]) -> None:
    """Put a new Y.Text holding `chunks` under `paragraph_id` (the old one was deleted or replaced).

    Every replica, stock yjs clients included, resolves the key to this newest Text and converges.
    """
    paragraphs[paragraph_id] = Text()
    text = paragraphs[paragraph_id]
    assert isinstance(text, Text)
    write_chunks(text, chunks)


def restore_text(text: Text, want: Sequence[Chunk]) -> bool:
    """Edit `text` until its content and formatting equal `want`; returns whether anything changed."""
    have = read_chunks(text)
    if _same(have, want):
        return False
    if _has_embeds(have) or _has_embeds(want):
        # Embeds are outside the layout's contract: rewrite rather than diff them.
        text.clear()
        write_chunks(text, want)
        return True
    _edit_content(text, "".join(str(value) for value, _ in have), want)
    _restore_formatting(text, want)
    return True


def restore_content(text: Text, want: Sequence[Chunk]) -> bool:
    """Edit `text` until its characters equal `want`'s, keeping the formatting of the characters it keeps;
    inserted characters get `want`'s attributes. Returns whether anything changed."""
    have = read_chunks(text)
    if _has_embeds(have) or _has_embeds(want):
        if _same(have, want):
            return False
        text.clear()
        write_chunks(text, want)
        return True
    before = "".join(str(value) for value, _ in have)
    if before == "".join(str(value) for value, _ in want):
        return False
    _edit_content(text, before, want)
    return True


def chunks_length(chunks: Sequence[Chunk]) -> int:
    """Code points of the chunks' text; an embed counts one."""
    return sum(len(value) if isinstance(value, str) else 1 for value, _ in chunks)


def has_embeds(text: Text) -> bool:
    """Whether `text` holds anything but characters (read_chunks shows an embedded Y.Text as characters)."""
    return any(not isinstance(value, str) for value, _ in text.diff())


def remove_embeds(text: Text) -> bool:
    """Delete everything in `text` that is not characters (embedded values and shared types); returns
    whether there was any."""
    positions = []
    offset = 0  # UTF-8 bytes, an embed counting one
    for value, _ in text.diff():
        if isinstance(value, str):
            offset += utf8_length(value)
        else:
            positions.append(offset)
            offset += 1
    for position in reversed(positions):
        del text[position : position + 1]
    return bool(positions)


def restore_order(order: Array[Any], want: Sequence[object]) -> None:
    """Edit `order` back to `want` with the fewest deletions and insertions."""
    have = list(order)
    matcher = SequenceMatcher(None, have, list(want), autojunk=False)
    # Back to front, so the indices of the edits still to make do not move.
    for tag, i1, i2, j1, j2 in reversed(matcher.get_opcodes()):
        if tag == "equal":
            continue
        if i2 > i1:
            del order[i1:i2]
        for offset, value in enumerate(want[j1:j2]):
            order.insert(i1 + offset, value)


def reinsert_removed(order: Array[Any], before: Sequence[object], removed: Sequence[object]) -> None:
    """Put each of `removed` back after the nearest paragraph that preceded it and is still there."""
    for value in removed:
        current = list(order)
        position = before.index(value)
        anchor = next((v for v in reversed(before[:position]) if v in current), None)
        order.insert(0 if anchor is None else current.index(anchor) + 1, value)


def _edit_content(text: Text, have: str, want: Sequence[Chunk]) -> None:
    """Diff `have` (the text's characters) against `want`'s and make only the edits the diff names."""
    target = "".join(str(value) for value, _ in want)
    matcher = diff_match_patch()
    matcher.Diff_Timeout = DIFF_TIMEOUT_SECONDS
    diffs: list[tuple[int, str]] = matcher.diff_main(have, target, False)
    cursor = 0  # UTF-8 bytes into the text as edited so far
    position = 0  # code points into `target`
    for operation, segment in diffs:
        if operation == diff_match_patch.DIFF_EQUAL:
            cursor += utf8_length(segment)
            position += len(segment)
        elif operation == diff_match_patch.DIFF_DELETE:
            del text[cursor : cursor + utf8_length(segment)]
        else:
            for piece, attrs in _slice(want, position, position + len(segment)):
                text.insert(cursor, piece, dict(attrs))
                cursor += utf8_length(piece)
            position += len(segment)


def _restore_formatting(text: Text, want: Sequence[Chunk]) -> None:
    have = read_chunks(text)
    if _same(have, want):
        return
    pending: tuple[int, int, Attributes] | None = None
    for start, stop, have_attrs, want_attrs in _aligned_runs(have, want):
        patch = {
            key: want_attrs.get(key)
            for key in have_attrs.keys() | want_attrs.keys()
            if have_attrs.get(key) != want_attrs.get(key)
        }
        if pending is not None and pending[1] == start and pending[2] == patch:
            pending = (pending[0], stop, patch)
            continue
        if pending is not None and pending[2]:
            text.format(*pending)
        pending = (start, stop, patch)
    if pending is not None and pending[2]:
        text.format(*pending)


def _aligned_runs(
    have: Sequence[Chunk], want: Sequence[Chunk]
) -> Iterator[tuple[int, int, Attributes, Attributes]]:
    """Byte ranges over which both chunk lists (same plain text) keep one set of attributes each."""
    have_runs = list(_byte_runs(have))
    want_runs = list(_byte_runs(want))
    h = w = 0
    start = 0
    while h < len(have_runs) and w < len(want_runs):
        stop = min(have_runs[h][0], want_runs[w][0])
        if stop > start:
            yield start, stop, have_runs[h][1], want_runs[w][1]
        start = stop
        if have_runs[h][0] == stop:
            h += 1
        if want_runs[w][0] == stop:
            w += 1


def _byte_runs(chunks: Sequence[Chunk]) -> Iterator[tuple[int, Attributes]]:
    """(end byte, attributes) of each chunk."""
    end = 0
    for value, attrs in chunks:
        end += utf8_length(str(value))
        yield end, attrs


def _slice(chunks: Sequence[Chunk], start: int, stop: int) -> Iterator[tuple[str, Attributes]]:
    """The pieces of code points start..stop of the chunks' text, each with its attributes."""
    offset = 0
    for value, attrs in chunks:
        text = str(value)
        begin, end = max(start, offset), min(stop, offset + len(text))
        if begin < end:
            yield text[begin - offset : end - offset], attrs
        offset += len(text)
        if offset >= stop:
            return


def _same(have: Sequence[Chunk], want: Sequence[Chunk]) -> bool:
    return _coalesced(have) == _coalesced(want)


def _coalesced(chunks: Sequence[Chunk]) -> list[Chunk]:
    result: list[Chunk] = []
    for value, attrs in chunks:
        if value == "":
            continue
        if result and isinstance(value, str) and result[-1][1] == attrs:
            previous = result[-1][0]
            if isinstance(previous, str):
                result[-1] = (previous + value, attrs)
                continue
        result.append((value, attrs))
    return result


def _has_embeds(chunks: Sequence[Chunk]) -> bool:
    return any(not isinstance(value, str) for value, _ in chunks)


def _normalized(attrs: dict[str, Any] | None) -> Attributes:
    return {key: value for key, value in (attrs or {}).items() if value is not None}
