"""The update log and its checkpoints: how a document's text is kept durably.

Every accepted Yjs update is appended with the next sequence number of its document and never changed.
Each row names its sender and carries the next link of the document's hash chain over its log
(drafting.log_rows.log_digest), so a changed byte is found by `Store.verify_log`. A checkpoint folds the
log up to a sequence number into one state, so opening a document reads the latest checkpoint and the tail
after it; besides the newest few, one checkpoint every `HISTORY_EVERY` updates stays, so that any past
state is a nearby checkpoint plus a short replay (drafting.history, docs/decisions/0020). The log itself
stays: when a checkpoint is written, whole stretches of old rows (at or before the older of the two newest
checkpoints) are folded into compressed segments of `SEGMENT` rows, whose links are recomputed rather than
stored (drafting.segments, docs/decisions/0025). Every reader here sees folded and unfolded rows as one log
(drafting.log_reads).
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pycrdt import Doc
from sqlalchemy import Connection, Engine, delete, func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from drafting import leases, segments
from drafting.chain import Break, moment
from drafting.clock import utcnow
from drafting.errors import StorageUnavailable
from drafting.log_reads import (
    aware,
    digest_at,
    fold,
    logged_between,
    read_updates,
    rows_query,
    segments_between,
)
from drafting.log_rows import (
    LoggedUpdate,
    check_unbroken,
    folded_rows,
    log_digest,
    log_genesis,
    logged,
    row_values,
    sender_of,
    unpack_segment,
    verify_log_rows,
)
from drafting.models import DocumentCheckpoint, DocumentLogSegment, DocumentUpdate
from drafting.senders import UNRECORDED, Sender
from drafting.updates import replayed

KEEP_CHECKPOINTS = 2  # the newest ones, whatever their spacing
HISTORY_EVERY = 5000  # besides those, the first checkpoint at or after each multiple of this stays
ZLIB = "zlib"


@dataclass(frozen=True)
class PendingUpdate:
    document_id: int
    seq: int
    data: bytes
    sender: Sender = UNRECORDED


@dataclass(frozen=True)
class Checkpoint:
    document_id: int
    seq: int
    state: bytes


@dataclass(frozen=True)
class StoredDocument:
    checkpoint: bytes | None
    checkpoint_seq: int
    tail: list[bytes]

    @property
    def last_seq(self) -> int:
        return self.checkpoint_seq + len(self.tail)

    def to_doc(self) -> Doc[Any]:
        return replayed(self.checkpoint, self.tail)


def pack_state(state: bytes) -> tuple[bytes, str]:
    # Level 1: a 1 MB state packs to ~0.37 MB in ~13 ms, inside the commit that writes it.
    return zlib.compress(state, 1), ZLIB


def unpack_state(state: bytes, compression: str | None) -> bytes:
    if compression is None:
        return bytes(state)
    if compression != ZLIB:
        raise StorageUnavailable(f"a checkpoint is stored with an unknown compression {compression!r}")
    try:
        return zlib.decompress(state)
    except zlib.error as exc:
        raise StorageUnavailable(f"a checkpoint does not decompress: {exc}") from exc


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        # The newest (seq, digest) of each document this store wrote: links the next batch without a query.
        self._heads: dict[int, tuple[int, str]] = {}
        self._heads_lock = threading.Lock()

    def commit(
        self,
        updates: Sequence[PendingUpdate],
        checkpoints: Sequence[Checkpoint] = (),
        fences: Mapping[int, int] | None = None,
    ) -> None:
        """Commit a batch of updates of any documents, and checkpoints they reach, in one transaction.

        `fences` (document id → lease token, drafting.leases) are checked in the same transaction: if
        another instance took over any of those documents, nothing is committed (StaleLease)."""
        if not updates and not checkpoints:
            return
        try:
            with self._heads_lock, self.engine.begin() as connection:
                if fences:
                    taken_over = leases.stale(connection, dict(fences))
                    if taken_over:
                        raise leases.StaleLease(taken_over)
                heads = self._link(connection, updates)
                for checkpoint in checkpoints:
                    self._write_checkpoint(connection, checkpoint)
            with self._heads_lock:
                self._heads.update(heads)
        except SQLAlchemyError as exc:
            with self._heads_lock:
                for update in updates:
                    self._heads.pop(update.document_id, None)
            raise StorageUnavailable(str(exc.__cause__ or exc)) from exc
        except leases.StaleLease:
            with self._heads_lock:
                for update in updates:
                    self._heads.pop(update.document_id, None)
            raise

    def _link(self, connection: Connection, updates: Sequence[PendingUpdate]) -> dict[int, tuple[int, str]]:
        """Insert the rows, each linked to the one before it; returns the new head of each document."""
        if not updates:
            return {}
        now = utcnow()
        at = moment(now)
        heads: dict[int, tuple[int, str]] = {}
        rows = []
        for update in updates:
            head = heads.get(update.document_id) or self._heads.get(update.document_id)
            if head is None or head[0] != update.seq - 1:
                head = (update.seq - 1, self._digest_at(connection, update.document_id, update.seq - 1))
            row = LoggedUpdate(update.document_id, update.seq, update.data, now, update.sender)
            digest = log_digest(head[1], row, at)
            rows.append(row_values(row, digest))
            heads[update.document_id] = (update.seq, digest)
        connection.execute(insert(DocumentUpdate), rows)
        return heads

    @staticmethod
    def _digest_at(connection: Connection, document_id: int, seq: int) -> str:
        """The link of row `seq` (the genesis before row 1, or where the row is missing: a gap, which
        loading and the log check report)."""
        return digest_at(connection, document_id, seq) or log_genesis(document_id)

    def digest_at(self, document_id: int, seq: int) -> str | None:
        """The chain link of update `seq`, folded or not (None: the log has no such update)."""
        with self.engine.connect() as connection:
            return digest_at(connection, document_id, seq)

    def load(self, document_id: int) -> StoredDocument:
        with self.engine.connect() as connection:
            latest = connection.execute(
                select(DocumentCheckpoint.seq, DocumentCheckpoint.state, DocumentCheckpoint.compression)
                .where(DocumentCheckpoint.document_id == document_id)
                .order_by(DocumentCheckpoint.seq.desc())
                .limit(1)
            ).first()
            checkpoint_seq = latest.seq if latest else 0
            state = unpack_state(latest.state, latest.compression) if latest else None
            tail = read_updates(connection, document_id, checkpoint_seq, None)
        check_unbroken(document_id, checkpoint_seq, [seq for seq, _ in tail])
        return StoredDocument(state, checkpoint_seq, [data for _, data in tail])

    def last_seq(self, document_id: int) -> int:
        with self.engine.connect() as connection:
            value = connection.scalar(
                select(func.max(DocumentUpdate.seq)).where(DocumentUpdate.document_id == document_id)
            )
            if value is None:
                value = connection.scalar(
                    select(func.max(DocumentLogSegment.last_seq)).where(
                        DocumentLogSegment.document_id == document_id
                    )
                )
        return int(value or 0)

    def checkpoint(self, checkpoint: Checkpoint) -> None:
        self.commit((), [checkpoint])

    @staticmethod
    def _write_checkpoint(connection: Connection, checkpoint: Checkpoint) -> None:
        """Store the folded state up to `seq`, let go of the one that just stopped being among the
        newest unless it is the first of its stretch of `HISTORY_EVERY` updates, and fold the log's
        rows that now may fold (`segments.stretches`)."""
        document_id = checkpoint.document_id
        packed, compression = pack_state(checkpoint.state)
        connection.execute(
            insert(DocumentCheckpoint),
            {"document_id": document_id, "seq": checkpoint.seq, "state": packed, "compression": compression},
        )
        newest = list(
            connection.scalars(
                select(DocumentCheckpoint.seq)
                .where(DocumentCheckpoint.document_id == document_id)
                .order_by(DocumentCheckpoint.seq.desc())
                .limit(KEEP_CHECKPOINTS + 2)
            )
        )
        if len(newest) >= KEEP_CHECKPOINTS:
            fold(connection, document_id, newest[KEEP_CHECKPOINTS - 1])
        if len(newest) < KEEP_CHECKPOINTS + 2:
            return
        leaving, before = newest[KEEP_CHECKPOINTS], newest[KEEP_CHECKPOINTS + 1]
        if leaving // HISTORY_EVERY == before // HISTORY_EVERY:
            connection.execute(
                delete(DocumentCheckpoint).where(
                    DocumentCheckpoint.document_id == document_id, DocumentCheckpoint.seq == leaving
                )
            )

    def checkpoint_upto(self, document_id: int, seq: int) -> tuple[int, bytes | None]:
        """The newest checkpoint at or before update `seq`: its number and state (0, None if none)."""
        with self.engine.connect() as connection:
            found = connection.execute(
                select(DocumentCheckpoint.seq, DocumentCheckpoint.state, DocumentCheckpoint.compression)
                .where(DocumentCheckpoint.document_id == document_id, DocumentCheckpoint.seq <= seq)
                .order_by(DocumentCheckpoint.seq.desc())
                .limit(1)
            ).first()
        if found is None:
            return 0, None
        return found.seq, unpack_state(found.state, found.compression)

    def checkpoint_seqs(self, document_id: int) -> list[int]:
        with self.engine.connect() as connection:
            return list(
                connection.scalars(
                    select(DocumentCheckpoint.seq)
                    .where(DocumentCheckpoint.document_id == document_id)
                    .order_by(DocumentCheckpoint.seq)
                )
            )

    def compact(self, document_id: int) -> int:
        """Fold the whole log into a new checkpoint; returns the sequence number it covers."""
        stored = self.load(document_id)
        if not stored.tail:
            return stored.checkpoint_seq
        self.checkpoint(Checkpoint(document_id, stored.last_seq, stored.to_doc().get_update()))
        return stored.last_seq

    def updates(self, document_id: int, *, upto: int | None = None) -> Iterable[bytes]:
        """The log from the start, for rebuilding a past state."""
        for _, data in self.updates_between(document_id, 0, upto):
            yield data

    def updates_between(self, document_id: int, after: int, upto: int | None) -> Iterator[tuple[int, bytes]]:
        """(seq, bytes) of the updates after `after` up to `upto`: only what a replay needs."""
        with self.engine.connect() as connection:
            found = read_updates(connection, document_id, after, upto)
        yield from found

    def verify_log(self, document_id: int) -> list[Break]:
        """Recompute the chain of the document's log; every row, or folded segment, that no longer fits
        ([] when intact)."""
        with self.engine.connect() as connection:
            rows = [logged(row) for row in connection.execute(rows_query(document_id, 0, None))]
            folded = segments_between(connection, document_id, 0, None)
        return verify_log_rows(document_id, rows, folded=folded, naive=self._naive)

    def log(
        self, document_id: int, *, after: int = 0, upto: int | None = None, links: bool = True
    ) -> Iterator[LoggedUpdate]:
        """The rows of the log after update `after`, up to and including `upto`, with their senders and
        links. A folded row's link is recomputed (~20 µs a row): a replay that needs none passes
        `links=False` and gets None there."""
        with self.engine.connect() as connection:
            found = logged_between(connection, document_id, after, upto, links=links)
        yield from found

    def senders(self, document_id: int, *, after: int = 0, limit: int) -> list[tuple[int, datetime, Sender]]:
        """(seq, moment, sender) of at most `limit` updates after `after`, oldest first, without bytes."""
        table = DocumentUpdate.__table__.c
        columns = [table.seq, table.created_at, table.origin, table.user_id, table.delegation_id]
        query = (
            select(*columns, table.position_version_id)
            .where(table.document_id == document_id, table.seq > after)
            .order_by(table.seq)
            .limit(limit)
        )
        with self.engine.connect() as connection:
            rows = [(row.seq, row.created_at, sender_of(row)) for row in connection.execute(query)]
            folded = segments_between(connection, document_id, after, after + limit)
        found = [
            (row.seq, row.created_at, row.sender)
            for segment in folded
            for row in folded_rows(
                document_id, segment.first_seq, unpack_segment(segment), naive=self._naive, previous=None
            )
            if row.seq > after
        ]
        last = found[-1][0] if found else after
        return (found + [row for row in rows if row[0] > last])[:limit]

    def seq_at(self, document_id: int, at: datetime) -> int:
        """The last update committed at or before `at` (0: none was)."""
        at = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)  # SQLite compares the text
        table = DocumentLogSegment
        with self.engine.connect() as connection:
            value = connection.scalar(
                select(func.max(DocumentUpdate.seq)).where(
                    DocumentUpdate.document_id == document_id, DocumentUpdate.created_at <= at
                )
            )
            if value is not None:  # every unfolded update comes after every folded one
                return int(value)
            segment = connection.execute(
                select(table.first_seq, table.last_seq, table.last_at, table.rows)
                .where(table.document_id == document_id, table.first_at <= at)
                .order_by(table.first_seq.desc())
                .limit(1)
            ).first()
        if segment is None:
            return 0
        if aware(segment.last_at) <= at:
            return int(segment.last_seq)
        folded = unpack_segment(segment)
        wanted = segments.microseconds(at)
        return int(max(segment.first_seq + i for i, value in enumerate(folded.moments) if value <= wanted))

    @property
    def _naive(self) -> bool:
        return self.engine.dialect.name == "sqlite"  # it gives moments back without their zone
