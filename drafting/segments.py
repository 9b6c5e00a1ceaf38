"""Folded log segments: `SEGMENT` consecutive rows of a document's update log kept as one compressed row.

A segment holds its rows' moments, senders and bytes column by column (moments as microsecond deltas,
so a batch committed at one moment costs a few bytes), compressed with zlib. Their digests are not kept:
the chain is deterministic from the contents, so each link is recomputed from the one before the segment,
and the segment keeps the link of its last row for a check to compare (docs/decisions/0025). Which rows
fold, and when, is `stretches`; the store does the reading and writing (drafting/store.py).
"""

from __future__ import annotations

import json
import sys
import zlib
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate, pairwise

from drafting.errors import StorageUnavailable

SEGMENT = 1000  # rows per segment
FOLD_AT_ONCE = 10  # segments one checkpoint folds at most: a long log never folded folds over a few
LEVEL = 6  # 1,000 keystrokes: 8.2 kB in 1.5 ms (level 9: 8.16 kB in 5 ms; level 1: 10.5 kB)
FORMAT = 1
NONE = -(2**63)  # an id column's None
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
COLUMNS = 6  # moment delta, origin index, user, delegation, position version, length of the bytes


def stretches(folded: int, upto: int) -> list[tuple[int, int]]:
    """The rule: which (first, last) stretches fold now, given the last folded update (0: none) and the
    last update that may fold (the older of the newest checkpoints, so that opening a document, the
    newest checkpoint plus the log after it, never reads a segment). Whole segments only, in order."""
    firsts = range(folded + 1, upto - SEGMENT + 2, SEGMENT)
    return [(first, first + SEGMENT - 1) for first in firsts[:FOLD_AT_ONCE]]


@dataclass(frozen=True)
class FoldedRows:
    """The rows of one segment, column by column, without their numbers (first_seq + i) and digests."""

    moments: list[int]  # UTC microseconds since 1970
    origins: list[str | None]
    user_ids: list[int | None]
    delegation_ids: list[int | None]
    position_version_ids: list[int | None]
    data: list[bytes]

    def __len__(self) -> int:
        return len(self.data)


def microseconds(at: datetime) -> int:
    """A moment as a segment keeps it; a naive one (SQLite gives them back so) is UTC."""
    utc = at.replace(tzinfo=UTC) if at.tzinfo is None else at
    return (utc - EPOCH) // MICROSECOND


def moment_of(value: int, *, naive: bool) -> datetime:
    at = EPOCH + value * MICROSECOND
    return at.replace(tzinfo=None) if naive else at


def pack(rows: FoldedRows) -> bytes:
    origins = sorted({origin for origin in rows.origins if origin is not None})
    index = {origin: i + 1 for i, origin in enumerate(origins)}
    header = json.dumps({"format": FORMAT, "rows": len(rows), "origins": origins}).encode()
    deltas = [b - a for a, b in zip([0, *rows.moments], rows.moments, strict=False)]
    columns = [
        deltas,
        [index[o] if o is not None else 0 for o in rows.origins],
        *([NONE if v is None else v for v in column] for column in _ids(rows)),
        [len(d) for d in rows.data],
    ]
    body = b"".join(_int64(column) for column in columns)
    return zlib.compress(len(header).to_bytes(4, "little") + header + body + b"".join(rows.data), LEVEL)


def unpack(blob: bytes, what: str) -> FoldedRows:
    """The rows `pack` wrote; StorageUnavailable naming `what` ("updates 1 to 1000") if they cannot be
    read back (a damaged blob)."""
    try:
        raw = zlib.decompress(blob)
        size = int.from_bytes(raw[:4], "little")
        header = json.loads(raw[4 : 4 + size])
        count, origins = int(header["rows"]), [None, *header["origins"]]
        if header["format"] != FORMAT:
            raise ValueError(f"format {header['format']!r}")
        start = 4 + size
        columns = []
        for _ in range(COLUMNS):
            column = array("q")
            column.frombytes(raw[start : start + 8 * count])
            if sys.byteorder != "little":
                column.byteswap()
            columns.append(column.tolist())
            start += 8 * count
        if any(len(column) != count for column in columns):
            raise ValueError("it is shorter than its rows")
        deltas, origin_index, users, delegations, versions, lengths = columns
        ends = list(accumulate(lengths, initial=start))
        if ends[-1] != len(raw):
            raise ValueError(f"{len(raw) - ends[-1]} bytes more or less than its rows hold")
        return FoldedRows(
            list(accumulate(deltas)),
            [origins[i] for i in origin_index],
            _nullable(users),
            _nullable(delegations),
            _nullable(versions),
            [raw[a:b] for a, b in pairwise(ends)],
        )
    except (zlib.error, ValueError, KeyError, IndexError, TypeError) as exc:
        raise StorageUnavailable(f"the folded {what} cannot be read: {exc}") from exc


def _nullable(column: list[int]) -> list[int | None]:
    return [None if value == NONE else value for value in column]


def _ids(rows: FoldedRows) -> Sequence[list[int | None]]:
    return rows.user_ids, rows.delegation_ids, rows.position_version_ids


def _int64(values: list[int]) -> bytes:
    column = array("q", values)
    if sys.byteorder != "little":
        column.byteswap()
    return column.tobytes()
