"""The update log and its checkpoints: how a document's text is kept durably.

Every accepted Yjs update is appended with the next sequence number of its document and never changed.
A checkpoint folds the log up to a sequence number into one state, so opening a document reads the
latest checkpoint and the tail after it. The log itself stays: it is what past states are rebuilt from.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from pycrdt import Doc
from sqlalchemy import Connection, Engine, delete, func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from drafting.errors import StorageUnavailable
from drafting.models import DocumentCheckpoint, DocumentUpdate
from drafting.updates import apply_checked

KEEP_CHECKPOINTS = 2


@dataclass(frozen=True)
class PendingUpdate:
    document_id: int
    seq: int
    data: bytes


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


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def commit(self, updates: Sequence[PendingUpdate], checkpoints: Sequence[Checkpoint] = ()) -> None:
        """Commit a batch of updates of any documents, and checkpoints they reach, in one transaction."""
        if not updates and not checkpoints:
            return
        try:
            with self.engine.begin() as connection:
                if updates:
                    rows = [{"document_id": u.document_id, "seq": u.seq, "data": u.data} for u in updates]
                    connection.execute(insert(DocumentUpdate), rows)
                for checkpoint in checkpoints:
                    self._write_checkpoint(connection, checkpoint)
        except SQLAlchemyError as exc:
            raise StorageUnavailable(str(exc.__cause__ or exc)) from exc

    def load(self, document_id: int) -> StoredDocument:
        with self.engine.connect() as connection:
            latest = connection.execute(
                select(DocumentCheckpoint.seq, DocumentCheckpoint.state)
                .where(DocumentCheckpoint.document_id == document_id)
                .order_by(DocumentCheckpoint.seq.desc())
                .limit(1)
            ).first()
            checkpoint_seq, state = (latest.seq, latest.state) if latest else (0, None)
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
            value = connection.execute(
                select(func.max(DocumentUpdate.seq)).where(DocumentUpdate.document_id == document_id)
            ).scalar()
        return int(value or 0)

    def checkpoint(self, checkpoint: Checkpoint) -> None:
        self.commit((), [checkpoint])

    @staticmethod
    def _write_checkpoint(connection: Connection, checkpoint: Checkpoint) -> None:
        """Store the folded state up to `seq`; older checkpoints beyond the last few are dropped."""
        document_id = checkpoint.document_id
        connection.execute(
            insert(DocumentCheckpoint),
            {"document_id": document_id, "seq": checkpoint.seq, "state": checkpoint.state},
        )
        keep = (
            select(DocumentCheckpoint.seq)
            .where(DocumentCheckpoint.document_id == document_id)
            .order_by(DocumentCheckpoint.seq.desc())
            .limit(KEEP_CHECKPOINTS)
            .scalar_subquery()
        )
        connection.execute(
            delete(DocumentCheckpoint).where(
                DocumentCheckpoint.document_id == document_id, DocumentCheckpoint.seq.not_in(keep)
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
        query = select(DocumentUpdate.data).where(DocumentUpdate.document_id == document_id)
        if upto is not None:
            query = query.where(DocumentUpdate.seq <= upto)
        with self.engine.connect() as connection:
            for row in connection.execute(query.order_by(DocumentUpdate.seq)):
                yield bytes(row.data)
