"""Leases: which instance writes a document when several share the database (docs/decisions/0043).

One row per document names its holder until a moment, under a fencing token. Taking the lease (free, or
expired) adds one to the token; renewing keeps it. Every commit of the document's updates names the token
it was taken with (`Store.commit`, `fences`), and the same transaction checks it with a conditional
UPDATE: a writer whose lease was taken over, even one that does not know it yet (paused, partitioned),
cannot commit. The check locks the row, so a take waits for a commit in flight and sees it.

Moments are the caller's clock, passed in: instances must keep their clocks in step (NTP) to well within
a lease's length.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from drafting.clock import as_utc
from drafting.errors import StorageUnavailable
from drafting.models import DocumentLease


@dataclass(frozen=True)
class Lease:
    document_id: int
    holder: str
    token: int
    expires_at: datetime


class StaleLease(StorageUnavailable):
    """A commit named a fencing token that is no longer the document's: another instance writes it now."""

    code = "stale_lease"

    def __init__(self, document_ids: set[int]) -> None:
        super().__init__(f"another instance took over writing documents {sorted(document_ids)}")
        self.document_ids = document_ids


def take(engine: Engine, document_id: int, holder: str, *, now: datetime, seconds: float) -> Lease | None:
    """Take the document's lease if it is free or expired (or already `holder`'s), with a new token;
    None while another instance holds it."""
    expires_at = now + timedelta(seconds=seconds)
    try:
        with engine.begin() as connection:
            taken = connection.execute(
                update(DocumentLease)
                .where(
                    DocumentLease.document_id == document_id,
                    (DocumentLease.expires_at <= now) | (DocumentLease.holder == holder),
                )
                .values(holder=holder, token=DocumentLease.token + 1, expires_at=expires_at)
            ).rowcount
            if taken == 0:
                try:
                    with connection.begin_nested():
                        connection.execute(
                            insert(DocumentLease),
                            {
                                "document_id": document_id,
                                "holder": holder,
                                "token": 1,
                                "expires_at": expires_at,
                            },
                        )
                except IntegrityError:
                    return None  # held by another instance (it inserted first, or it has not expired)
            row = connection.execute(
                select(DocumentLease.holder, DocumentLease.token, DocumentLease.expires_at).where(
                    DocumentLease.document_id == document_id
                )
            ).one()
    except SQLAlchemyError as exc:
        raise StorageUnavailable(str(exc.__cause__ or exc)) from exc
    return Lease(document_id, row.holder, row.token, as_utc(row.expires_at))


def renew(engine: Engine, lease: Lease, *, now: datetime, seconds: float) -> Lease | None:
    """The lease held longer, or None if its token is no longer the document's (it was taken over)."""
    expires_at = now + timedelta(seconds=seconds)
    try:
        with engine.begin() as connection:
            renewed = connection.execute(
                update(DocumentLease)
                .where(DocumentLease.document_id == lease.document_id, DocumentLease.token == lease.token)
                .values(expires_at=expires_at)
            ).rowcount
    except SQLAlchemyError as exc:
        raise StorageUnavailable(str(exc.__cause__ or exc)) from exc
    return Lease(lease.document_id, lease.holder, lease.token, expires_at) if renewed else None


def release(engine: Engine, lease: Lease, *, now: datetime) -> None:
    """Let the lease go at once (an instance stopping, a room unloaded), if it is still this one."""
    try:
        with engine.begin() as connection:
            connection.execute(
                update(DocumentLease)
                .where(DocumentLease.document_id == lease.document_id, DocumentLease.token == lease.token)
                .values(expires_at=now)
            )
    except SQLAlchemyError as exc:
        raise StorageUnavailable(str(exc.__cause__ or exc)) from exc


def stale(connection: Connection, fences: dict[int, int]) -> set[int]:
    """Of `fences` (document id → token), the documents whose token is no longer theirs; the others'
    rows stay locked until the transaction ends, so no take can slip in before it commits."""
    found = set()
    for document_id, token in fences.items():
        held = connection.execute(
            update(DocumentLease)
            .where(DocumentLease.document_id == document_id, DocumentLease.token == token)
            .values(token=DocumentLease.token)
        ).rowcount
        if not held:
            found.add(document_id)
    return found
