"""The update log and its checkpoints: how a document's text is kept durably.

Every accepted Yjs update is appended with the next sequence number of its document and never changed.
Each row names its sender and carries the next link of the document's hash chain over its log
(`log_digest`), so a changed byte is found by `Store.verify_log`. A checkpoint folds the log up to a
sequence number into one state, so opening a document reads the latest checkpoint and the tail after it;
besides the newest few, one checkpoint every `HISTORY_EVERY` updates stays, so that any past state is a
nearby checkpoint plus a short replay (drafting.history, docs/decisions/0020). The log itself stays.
"""

from __future__ import annotations

import threading
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pycrdt import Doc
from sqlalchemy import Connection, Engine, delete, func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from drafting import leases
from drafting.chain import Break, genesis, link, missing, moment, sha256_hex
from drafting.clock import utcnow
from drafting.errors import StorageUnavailable
from drafting.kinds import UpdateOrigin
from drafting.models import DocumentCheckpoint, DocumentUpdate
from drafting.senders import UNRECORDED, Sender
from drafting.updates import apply_checked

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
class LoggedUpdate:
    """One row of a document's update log as it is stored."""

    document_id: int
    seq: int
    data: bytes
    created_at: datetime
    sender: Sender
    digest: str | None = field(default=None, compare=False)


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
        doc: Doc[Any] = Doc()
        if self.checkpoint is not None:
            apply_checked(doc, self.checkpoint)
        for update in self.tail:
            apply_checked(doc, update)
        return doc


def log_genesis(document_id: int) -> str:
    return genesis(f"document/{document_id}/log")


def log_digest(previous: str, row: LoggedUpdate) -> str:
    """The chain link of one log row: its document, number, moment, sender and bytes, after `previous`."""
    return link(
        previous,
        {
            "document_id": row.document_id,
            "seq": row.seq,
            "at": moment(row.created_at),
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
        heads: dict[int, tuple[int, str]] = {}
        rows = []
        for update in updates:
            head = heads.get(update.document_id) or self._heads.get(update.document_id)
            if head is None or head[0] != update.seq - 1:
                head = (update.seq - 1, self._digest_at(connection, update.document_id, update.seq - 1))
            row = LoggedUpdate(update.document_id, update.seq, update.data, now, update.sender)
            digest = log_digest(head[1], row)
            rows.append(row_values(row, digest))
            heads[update.document_id] = (update.seq, digest)
        connection.execute(insert(DocumentUpdate), rows)
        return heads

    @staticmethod
    def _digest_at(connection: Connection, document_id: int, seq: int) -> str:
        """The link of row `seq` (the genesis before row 1, or where the row is missing: a gap, which
        loading and the log check report)."""
        if seq < 1:
            return log_genesis(document_id)
        digest = connection.scalar(
            select(DocumentUpdate.digest).where(
                DocumentUpdate.document_id == document_id, DocumentUpdate.seq == seq
            )
        )
        return digest or log_genesis(document_id)

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
            tail = connection.execute(
                select(DocumentUpdate.seq, DocumentUpdate.data)
                .where(DocumentUpdate.document_id == document_id, DocumentUpdate.seq > checkpoint_seq)
                .order_by(DocumentUpdate.seq)
            ).all()
        expected = list(range(checkpoint_seq + 1, checkpoint_seq + 1 + len(tail)))
        if [row.seq for row in tail] != expected:
            raise StorageUnavailable(f"document {document_id}: gap in the update log after {checkpoint_seq}")
        return StoredDocument(state, checkpoint_seq, [bytes(row.data) for row in tail])

    def last_seq(self, document_id: int) -> int:
        with self.engine.connect() as connection:
            value = connection.scalar(
                select(func.max(DocumentUpdate.seq)).where(DocumentUpdate.document_id == document_id)
            )
        return int(value or 0)

    def checkpoint(self, checkpoint: Checkpoint) -> None:
        self.commit((), [checkpoint])

    @staticmethod
    def _write_checkpoint(connection: Connection, checkpoint: Checkpoint) -> None:
        """Store the folded state up to `seq`, and let go of the one that just stopped being among the
        newest unless it is the first of its stretch of `HISTORY_EVERY` updates."""
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
        query = select(DocumentUpdate.seq, DocumentUpdate.data).where(
            DocumentUpdate.document_id == document_id, DocumentUpdate.seq > after
        )
        if upto is not None:
            query = query.where(DocumentUpdate.seq <= upto)
        with self.engine.connect() as connection:
            for row in connection.execute(query.order_by(DocumentUpdate.seq)):
                yield row.seq, bytes(row.data)

    def verify_log(self, document_id: int) -> list[Break]:
        """Recompute the chain of the document's log; every row that no longer fits ([] when intact)."""
        return verify_log_rows(document_id, self.log(document_id))

    def log(self, document_id: int, *, after: int = 0, upto: int | None = None) -> Iterator[LoggedUpdate]:
        """The rows of the log after update `after`, up to and including `upto`, with their senders."""
        table = DocumentUpdate.__table__
        query = select(table).where(table.c.document_id == document_id, table.c.seq > after)
        if upto is not None:
            query = query.where(table.c.seq <= upto)
        with self.engine.connect() as connection:
            for row in connection.execute(query.order_by(table.c.seq)):
                yield logged(row)


def verify_log_rows(document_id: int, rows: Iterable[LoggedUpdate]) -> list[Break]:
    """Every row of a document's log (in order) that no longer fits its chain, and every gap."""
    chain = f"document/{document_id}/log"
    breaks = []
    expected, previous_seq = log_genesis(document_id), 0
    for row in rows:
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
