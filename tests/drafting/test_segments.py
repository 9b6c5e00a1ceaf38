"""Folded log segments as bytes, and the rule of what folds (drafting/segments.py)."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime

import pytest

from drafting import segments
from drafting.errors import StorageUnavailable
from drafting.segments import SEGMENT, FoldedRows, pack, stretches, unpack

ROWS = FoldedRows(
    moments=[1_700_000_000_000_000, 1_700_000_000_000_000, 1_699_999_999_999_999, 1_700_000_000_500_000],
    origins=["client", None, "labels", "client"],
    user_ids=[3, 3, None, 7],
    delegation_ids=[1, None, None, 2],
    position_version_ids=[None, None, None, 41],
    data=[b"\x01\x02", b"", "🌎 migración".encode(), b"\x00" * 300],
)


def test_rows_come_back_as_they_were_packed() -> None:
    assert unpack(pack(ROWS), "updates 1 to 4") == ROWS  # a moment may go back: another instance's clock


def test_moments_keep_their_microseconds() -> None:
    at = datetime(2026, 12, 1, 17, 30, 0, 123457, tzinfo=UTC)
    assert segments.moment_of(segments.microseconds(at), naive=False) == at
    assert segments.moment_of(segments.microseconds(at.replace(tzinfo=None)), naive=True) == at.replace(
        tzinfo=None
    )


@pytest.mark.parametrize(
    "blob",
    [
        b"not zlib at all",
        zlib.compress(b"\x05\x00\x00\x00{}"),
        pack(ROWS)[:-3],
        zlib.compress(zlib.decompress(pack(ROWS))[:-1]),
        zlib.compress(zlib.decompress(pack(ROWS)) + b"\x00"),
    ],
)
def test_a_damaged_segment_is_a_storage_error_naming_its_updates(blob: bytes) -> None:
    with pytest.raises(StorageUnavailable, match="folded updates 1 to 4 cannot be read"):
        unpack(blob, "updates 1 to 4")


def test_only_whole_segments_at_or_before_the_limit_fold() -> None:
    assert SEGMENT == 1000
    assert stretches(0, 999) == []
    assert stretches(0, 1000) == [(1, 1000)]
    assert stretches(1000, 2999) == [(1001, 2000)]
    assert stretches(2000, 4000) == [(2001, 3000), (3001, 4000)]


def test_a_long_log_never_folded_folds_a_few_segments_per_checkpoint() -> None:
    assert stretches(0, 100_000) == [
        (k * SEGMENT + 1, (k + 1) * SEGMENT) for k in range(segments.FOLD_AT_ONCE)
    ]
