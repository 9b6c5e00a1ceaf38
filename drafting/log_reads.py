"""Reading the update log over its unfolded rows and its folded segments, and folding rows into segments
(docs/decisions/0025): the log as drafting.store keeps it, one log to every reader.

Readers read the unfolded rows first and the segments second: a fold that commits in between moves rows
from the first to the second, so a row may be read twice (the segment's copy wins), never missed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from drafting import segments
from drafting.log_rows import (
    LoggedUpdate,
    folded_rows,
    log_genesis,
    logged,
    row_values,
    unpack_segment,
)
from drafting.models import DocumentLogSegment, DocumentUpdate
from drafting.segments import SEGMENT, FoldedRows


def fold(connection: Connection, document_id: int, upto: int) -> None:
    """Fold the stretches of the log that `segments.stretches` names, in the caller's transaction. A
    stretch with a gap or an unchained row stays as it is, for the log check to name."""
    table = DocumentLogSegment
    head = connection.scalar(
        select(table.last_seq)
        .where(table.document_id == document_id)
        .order_by(table.first_seq.desc())
        .limit(1)
    )
    for first, last in segments.stretches(head or 0, upto):
        rows = connection.execute(rows_query(document_id, first - 1, last)).all()
        if [row.seq for row in rows] != list(range(first, last + 1)) or rows[-1].digest is None:
            return
        moments = [segments.microseconds(row.created_at) for row in rows]
        columns = FoldedRows(
            moments,
            [row.origin for row in rows],
            [row.user_id for row in rows],
            [row.delegation_id for row in rows],
            [row.position_version_id for row in rows],
            [bytes(row.data) for row in rows],
        )
        connection.execute(
            insert(table),
            {
                "document_id": document_id,
                "first_seq": first,
                "last_seq": last,
                "first_at": segments.moment_of(min(moments), naive=False),
                "last_at": segments.moment_of(max(moments), naive=False),
                "rows": segments.pack(columns),
                "digest": rows[-1].digest,
            },
        )
        connection.execute(
            delete(DocumentUpdate).where(
                DocumentUpdate.document_id == document_id, DocumentUpdate.seq.between(first, last)
            )
        )


def digest_at(connection: Connection, document_id: int, seq: int) -> str | None:
    """The chain link of update `seq`: its row's, or recomputed inside its folded segment."""
    if seq < 1:
        return None
    digest = connection.scalar(
        select(DocumentUpdate.digest).where(
            DocumentUpdate.document_id == document_id, DocumentUpdate.seq == seq
        )
    )
    if digest is not None:
        return str(digest)
    found = segments_between(connection, document_id, seq - 1, seq)
    if not found:
        return None
    if found[0].last_seq == seq:
        return str(found[0].digest)
    rows = _folded(connection, document_id, found)
    return next((row.digest for row in rows if row.seq == seq), None)


def unfolded(connection: Connection, document_id: int) -> list[LoggedUpdate]:
    """The document's folded rows as the log stored them before folding, links and all (an archive
    bundle carries the log row by row)."""
    return _folded(connection, document_id, segments_between(connection, document_id, 0, None))


def unfold_all(connection: Connection) -> None:
    """Put every folded row back into document_updates (the downgrade of migration 0007)."""
    for document_id in connection.scalars(select(DocumentLogSegment.document_id).distinct()).all():
        values = [row_values(row, row.digest or "") for row in unfolded(connection, document_id)]
        for start in range(0, len(values), SEGMENT):
            connection.execute(insert(DocumentUpdate), values[start : start + SEGMENT])
    connection.execute(delete(DocumentLogSegment))


def rows_query(document_id: int, after: int, upto: int | None) -> Any:
    table = DocumentUpdate.__table__
    query = select(table).where(table.c.document_id == document_id, table.c.seq > after)
    if upto is not None:
        query = query.where(table.c.seq <= upto)
    return query.order_by(table.c.seq)


def segments_between(connection: Connection, document_id: int, after: int, upto: int | None) -> list[Any]:
    """The segments holding any update after `after` up to `upto`, in order."""
    table = DocumentLogSegment
    query = select(table.first_seq, table.last_seq, table.rows, table.digest).where(
        table.document_id == document_id, table.last_seq > after
    )
    if upto is not None:
        query = query.where(table.first_seq <= upto)
    return list(connection.execute(query.order_by(table.first_seq)))


def read_updates(
    connection: Connection, document_id: int, after: int, upto: int | None
) -> list[tuple[int, bytes]]:
    query = select(DocumentUpdate.seq, DocumentUpdate.data).where(
        DocumentUpdate.document_id == document_id, DocumentUpdate.seq > after
    )
    if upto is not None:
        query = query.where(DocumentUpdate.seq <= upto)
    rows = connection.execute(query.order_by(DocumentUpdate.seq)).all()
    found: list[tuple[int, bytes]] = []
    for segment in segments_between(connection, document_id, after, upto):
        first = segment.first_seq
        data = unpack_segment(segment).data
        start = max(0, after + 1 - first)
        stop = len(data) if upto is None else max(start, min(len(data), upto + 1 - first))
        found += zip(range(first + start, first + stop), data[start:stop], strict=True)
    last = found[-1][0] if found else after
    return found + [(row.seq, bytes(row.data)) for row in rows if row.seq > last]


def logged_between(
    connection: Connection, document_id: int, after: int, upto: int | None, *, links: bool = True
) -> list[LoggedUpdate]:
    rows = [logged(row) for row in connection.execute(rows_query(document_id, after, upto))]
    found = [
        row
        for row in _folded(
            connection, document_id, segments_between(connection, document_id, after, upto), links
        )
        if after < row.seq and (upto is None or row.seq <= upto)
    ]
    last = found[-1].seq if found else after
    return found + [row for row in rows if row.seq > last]


def _folded(
    connection: Connection, document_id: int, found: Sequence[Any], links: bool = True
) -> list[LoggedUpdate]:
    """The rows of consecutive segments, their links recomputed from the stored link before each (or
    none, unless `links`)."""
    if not found:
        return []
    naive = connection.dialect.name == "sqlite"
    previous = _link_before(connection, document_id, found[0].first_seq) if links else None
    rows: list[LoggedUpdate] = []
    for segment in found:
        rows += folded_rows(
            document_id, segment.first_seq, unpack_segment(segment), naive=naive, previous=previous
        )
        previous = segment.digest if links else None
    return rows


def _link_before(connection: Connection, document_id: int, seq: int) -> str:
    """The stored link before update `seq` of a segment: the genesis, or the previous segment's."""
    if seq <= 1:
        return log_genesis(document_id)
    digest = connection.scalar(
        select(DocumentLogSegment.digest).where(
            DocumentLogSegment.document_id == document_id, DocumentLogSegment.last_seq == seq - 1
        )
    )
    return str(digest) if digest is not None else log_genesis(document_id)


def aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at
