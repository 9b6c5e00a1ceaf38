"""The lock of a document's consensus changes, across instances: a PostgreSQL advisory lock."""

from __future__ import annotations

import asyncio
import contextlib
import threading

import pytest
from sqlalchemy import Connection, Engine, func, select

from drafting.database import make_engine
from server.consensus import locks
from server.consensus.locks import NAMESPACE, DocumentLocks
from tests.server.sync.doubles import until

try_lock = locks._try


def held_elsewhere(engine: Engine, document_id: int) -> bool:
    """Whether another connection (another instance) would be refused the lock now."""
    with engine.connect() as connection:
        taken = connection.scalar(select(func.pg_try_advisory_lock(NAMESPACE, document_id)))
        if taken:
            connection.scalar(select(func.pg_advisory_unlock(NAMESPACE, document_id)))
        return not taken


def test_one_instance_at_a_time_holds_a_documents_lock(
    postgres_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    tries: list[bool] = []

    def counted(connection: Connection, document_id: int) -> bool:
        taken = try_lock(connection, document_id)
        tries.append(taken)
        return taken

    monkeypatch.setattr(locks, "_try", counted)
    url = postgres_engine.url.render_as_string(hide_password=False)
    engines = [make_engine(url), make_engine(url)]  # as two processes would have

    async def scenario() -> list[str]:
        first, second = (DocumentLocks(engine) for engine in engines)
        events: list[str] = []
        async with first.hold(7):
            events.append("a in")
            waiting = asyncio.create_task(enter(second, events))
            assert await asyncio.to_thread(held_elsewhere, postgres_engine, 7)
            assert not await asyncio.to_thread(held_elsewhere, postgres_engine, 8)  # per document
            await until(lambda: tries.count(False) >= 2)  # the second tried, and was refused
            events.append("a out")
        await waiting
        assert not await asyncio.to_thread(held_elsewhere, postgres_engine, 7)
        return events

    async def enter(locks: DocumentLocks, events: list[str]) -> None:
        async with locks.hold(7):
            events.append("b in")

    try:
        assert asyncio.run(scenario()) == ["a in", "a out", "b in"]
    finally:
        for engine in engines:
            engine.dispose()


def test_without_a_database_the_lock_is_in_process() -> None:
    async def scenario() -> list[str]:
        locks, events = DocumentLocks(), []

        async def change(name: str) -> None:
            async with locks.hold(1):
                events.append(f"{name} in")
                await asyncio.sleep(0)
                events.append(f"{name} out")

        await asyncio.gather(change("a"), change("b"))
        return events

    assert asyncio.run(scenario()) == ["a in", "a out", "b in", "b out"]


def test_a_change_cancelled_while_it_takes_the_lock_does_not_leave_it_held(
    postgres_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cancelled while its worker thread is taking the lock: the lock is not left held on a connection
    back in the pool, where every other instance would wait for it."""
    taken, proceed = threading.Event(), threading.Event()

    def slow_try(connection: Connection, document_id: int) -> bool:
        got = try_lock(connection, document_id)
        taken.set()
        proceed.wait(10)  # the worker thread is still busy when its task is cancelled
        return got

    monkeypatch.setattr(locks, "_try", slow_try)
    engine = make_engine(postgres_engine.url.render_as_string(hide_password=False))

    async def scenario() -> bool:
        document_locks = DocumentLocks(engine)

        async def change() -> None:
            async with document_locks.hold(7):
                raise AssertionError("the change was cancelled before it held the lock")

        task = asyncio.create_task(change())
        await asyncio.to_thread(taken.wait, 10)
        task.cancel()
        proceed.set()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return await asyncio.to_thread(held_elsewhere, postgres_engine, 7)

    try:
        assert asyncio.run(scenario()) is False, "the advisory lock stays held on a pooled connection"
    finally:
        engine.dispose()
