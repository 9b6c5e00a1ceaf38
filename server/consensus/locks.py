"""The one lock of each document's consensus changes: in this process, and across instances when several
share the database (docs/decisions/0044), a PostgreSQL advisory lock held on a connection of its own for
as long as the change runs. A connection that breaks (an instance killed) lets its locks go with it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from sqlalchemy import Connection, Engine, func, select

NAMESPACE = 0x434E53  # "CNS": the first key of Consenso's advisory locks; the document id is the second
POLL_SECONDS = (
    0.005,
    0.02,
    0.05,
)  # waiting for another instance's lock: try again after these, then the last


class DocumentLocks:
    def __init__(self, engine: Engine | None = None) -> None:
        self.engine = engine  # None: one process, the in-process lock is all there is
        self._local: dict[int, asyncio.Lock] = {}

    @contextlib.asynccontextmanager
    async def hold(self, document_id: int) -> AsyncIterator[None]:
        async with self._local.setdefault(document_id, asyncio.Lock()):
            if self.engine is None:
                yield
                return
            connection = await self._acquire(self.engine, document_id)
            try:
                yield
            finally:
                await asyncio.to_thread(_release, connection, document_id)

    @staticmethod
    async def _acquire(engine: Engine, document_id: int) -> Connection:
        connection = await asyncio.to_thread(engine.connect)
        try:
            attempt = 0
            # Never block a worker thread on the lock (the committer needs them): try, and wait here.
            while not await _tried(connection, document_id):
                await asyncio.sleep(POLL_SECONDS[min(attempt, len(POLL_SECONDS) - 1)])
                attempt += 1
        except BaseException:
            # A try cancelled in flight may have taken the lock: the session ends, and the lock with it.
            await asyncio.to_thread(_let_go, connection)
            raise
        return connection


async def _tried(connection: Connection, document_id: int) -> bool:
    """One try in a worker thread; cancelled, it waits for the thread to finish with the connection."""
    trying = asyncio.ensure_future(asyncio.to_thread(_try, connection, document_id))
    try:
        return await asyncio.shield(trying)
    except asyncio.CancelledError:
        await asyncio.wait([trying])
        raise


def _let_go(connection: Connection) -> None:
    connection.invalidate()
    connection.close()


def _try(connection: Connection, document_id: int) -> bool:
    taken = bool(connection.scalar(select(func.pg_try_advisory_lock(NAMESPACE, document_id))))
    connection.commit()  # no transaction stays open while the lock is held
    return taken


def _release(connection: Connection, document_id: int) -> None:
    try:
        connection.scalar(select(func.pg_advisory_unlock(NAMESPACE, document_id)))
        connection.commit()
    finally:
        connection.close()
