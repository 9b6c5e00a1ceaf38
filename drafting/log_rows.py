"""The rows of a document's update log: what one holds, its link of the log's hash chain, and the check
of a chain over rows and folded segments (docs/decisions/0021, 0025). The store reads and writes them
(drafting/store.py); an archive bundle carries them (drafting/archive.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from drafting import segments
from drafting.chain import Break, genesis, link, missing, moment, sha256_hex
from drafting.errors import StorageUnavailable
from drafting.kinds import UpdateOrigin
from drafting.segments import FoldedRows
from drafting.senders import Sender


@dataclass(frozen=True)
class LoggedUpdate:
    """One row of a document's update log as it is stored."""

    document_id: int
    seq: int
    data: bytes
    created_at: datetime
    sender: Sender
    digest: str | None = field(default=None, compare=False)


def log_genesis(document_id: int) -> str:
    return genesis(f"document/{document_id}/log")


def log_digest(previous: str, row: LoggedUpdate, at: str | None = None) -> str:
    """The chain link of one log row: its document, number, moment, sender and bytes, after `previous`.
    `at`: the row's moment as the chain covers it, if already worked out (a batch shares one)."""
    return link(
        previous,
        {
            "document_id": row.document_id,
            "seq": row.seq,
            "at": moment(row.created_at) if at is None else at,
            "data": sha256_hex(row.data),
            **row.sender.as_json(),
        },
    )


def sender_of(row: Any) -> Sender:
    origin = UpdateOrigin(row.origin) if row.origin else None
    return Sender(origin, row.user_id, row.delegation_id, row.position_version_id)


def row_values(row: LoggedUpdate, digest: str) -> dict[str, Any]:
    sender = row.sender
    return {
        "document_id": row.document_id,
        "seq": row.seq,
        "data": row.data,
        "created_at": row.created_at,
        "origin": sender.origin.value if sender.origin else None,
        "user_id": sender.user_id,
        "delegation_id": sender.delegation_id,
        "position_version_id": sender.position_version_id,
        "digest": digest,
    }


def verify_log_rows(
    document_id: int, rows: Iterable[LoggedUpdate], *, folded: Sequence[Any] = (), naive: bool = False
) -> list[Break]:
    """Every row of a document's log (in order) that no longer fits its chain, and every gap; the
    `folded` segments (document_log_segments rows, in order) come before the rows."""
    chain = f"document/{document_id}/log"
    breaks = []
    expected, previous_seq = log_genesis(document_id), 0
    for segment in folded:
        item = f"updates {segment.first_seq} to {segment.last_seq} (folded)"
        if segment.first_seq != previous_seq + 1:
            gap = missing("update", previous_seq + 1, segment.first_seq - 1)
            breaks.append(Break(chain, item, gap + " before them"))
        try:
            unpacked = unpack_segment(segment)
            recomputed = folded_rows(document_id, segment.first_seq, unpacked, naive=naive, previous=expected)
        except StorageUnavailable:
            breaks.append(Break(chain, item, "their folded segment no longer decompresses"))
        except ValueError as exc:  # an origin that is no sender's
            breaks.append(Break(chain, item, f"their folded segment names an unknown sender: {exc}"))
        else:
            if len(unpacked) != segment.last_seq - segment.first_seq + 1:
                breaks.append(Break(chain, item, f"their folded segment holds {len(unpacked)} updates"))
            elif not recomputed or recomputed[-1].digest != segment.digest:
                before = f", or update {segment.first_seq - 1} was changed" if segment.first_seq > 1 else ""
                problem = "a byte of them or of their senders no longer matches their digest"
                breaks.append(Break(chain, item, problem + before))
        expected, previous_seq = segment.digest, segment.last_seq
    for row in rows:
        if row.seq <= previous_seq and folded:  # read before it was folded
            continue
        item = f"update {row.seq}"
        if row.seq != previous_seq + 1:
            breaks.append(Break(chain, item, missing("update", previous_seq + 1, row.seq - 1) + " before it"))
        if row.digest is None:
            breaks.append(Break(chain, item, "it is not chained (no digest)"))
        elif log_digest(expected, row) != row.digest:
            before = f", or update {row.seq - 1} was changed and given a new digest" if row.seq > 1 else ""
            breaks.append(Break(chain, item, f"its bytes or sender no longer match its digest{before}"))
        expected, previous_seq = row.digest or expected, row.seq
    return breaks


def logged(row: Any) -> LoggedUpdate:
    return LoggedUpdate(row.document_id, row.seq, bytes(row.data), row.created_at, sender_of(row), row.digest)


def unpack_segment(segment: Any) -> FoldedRows:
    return segments.unpack(bytes(segment.rows), f"updates {segment.first_seq} to {segment.last_seq}")


def folded_rows(
    document_id: int, first_seq: int, folded: FoldedRows, *, naive: bool, previous: str | None
) -> list[LoggedUpdate]:
    """A segment's rows, with their links recomputed from `previous` (the link before the segment), or
    without links (None)."""
    found = []
    for i, data in enumerate(folded.data):
        origin = folded.origins[i]
        sender = Sender(
            UpdateOrigin(origin) if origin else None,
            folded.user_ids[i],
            folded.delegation_ids[i],
            folded.position_version_ids[i],
        )
        row = LoggedUpdate(
            document_id, first_seq + i, data, segments.moment_of(folded.moments[i], naive=naive), sender
        )
        if previous is not None:
            previous = log_digest(previous, row)
            row = replace(row, digest=previous)
        found.append(row)
    return found


def check_unbroken(document_id: int, after: int, seqs: Sequence[int], upto: int | None = None) -> None:
    """Refuse a stretch of the log read for a replay unless it runs after+1, after+2, … (and reaches
    `upto` when one is given): a missing row is a damaged store, never a shorter history."""
    for expected, seq in enumerate(seqs, after + 1):
        if seq != expected:
            raise StorageUnavailable(f"document {document_id}: update {expected} is missing from the log")
    if upto is not None and after + len(seqs) != upto:
        raise StorageUnavailable(f"document {document_id}: the log stops at update {after + len(seqs)}")
