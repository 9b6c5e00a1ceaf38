"""Server memory per open document: RSS growth as documents are opened, one client each.

In one server: one client on the benchmark draft (warm-up), then K more clients on that same draft (the
cost of a connection), then one client on each of K fresh 50-paragraph drafts, then, per history, one
client on each of K drafts whose stored state is that history (e.g. the compacted 100,000-keystroke
drafts of the cold-open benchmark). Each step's RSS growth / K, read from /proc once it has settled.
The server keeps, per open document, its Y.Doc and the guard's shadow replica (drafting/guard.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pycrdt import Doc, merge_updates
from sqlalchemy.orm import Session
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from bench import ywire
from bench.history import keystrokes
from bench.server import Fixture, ServerProcess, draft_text
from drafting.catalogue import create_document
from drafting.database import make_engine
from drafting.importing import paragraphs_from_text
from drafting.kinds import DocumentKind, DocumentStatus
from drafting.layout import write_document
from drafting.models import Document
from drafting.store import PendingUpdate, Store


@dataclass
class History:
    label: str
    state: bytes = field(repr=False)
    documents: int = 10


@dataclass
class Step:
    label: str
    documents: int
    state_kb: float
    mb_each: float  # RSS growth per document (one client each, connection included)


@dataclass
class MemoryResult:
    baseline_mb: float
    per_connection_mb: float
    steps: list[Step]


def edited_state(updates: int, style: str = "runs") -> bytes:
    """The state of a fresh benchmark draft after `updates` keystrokes of the given style."""
    draft: Doc[Any] = Doc()
    write_document(
        draft, title="Edited", kind=DocumentKind.DECLARATION, status=DocumentStatus.DRAFT,
        paragraphs=paragraphs_from_text(draft_text()),
    )  # fmt: skip
    initial = draft.get_update()
    doc: Doc[Any] = Doc()
    doc.apply_update(merge_updates(initial, *keystrokes(initial, updates, style=style)))
    return doc.get_update()


def run(
    fixture: Fixture, histories: list[History], *, documents: int = 25, env: dict[str, str] | None = None,
    name: str = "memory",
) -> MemoryResult:  # fmt: skip
    db = fixture.fresh_database(name)
    fresh, stored = _documents(db, fixture.negotiation_id, documents, histories)
    server = ServerProcess.spawn(db, env or {})
    try:
        return asyncio.run(_measure(server, fixture, fresh, stored))
    finally:
        server.stop()


def _documents(
    db: Path, negotiation_id: int, count: int, histories: list[History]
) -> tuple[list[int], list[tuple[History, list[int]]]]:
    engine = make_engine(f"sqlite:///{db}")
    paragraphs = paragraphs_from_text(draft_text())
    stored = []
    with Session(engine) as session, session.begin():
        fresh = [
            create_document(session, negotiation_id, DocumentKind.DECLARATION, f"Fresh {i}", paragraphs).id
            for i in range(count)
        ]
        for history in histories:
            rows = [
                Document(negotiation_id=negotiation_id, kind=DocumentKind.DECLARATION,
                         title=f"{history.label} {i}", status=DocumentStatus.DRAFT)
                for i in range(history.documents)
            ]  # fmt: skip
            session.add_all(rows)
            session.flush()
            stored.append((history, [row.id for row in rows]))
    store = Store(engine)
    for history, ids in stored:
        store.commit([PendingUpdate(document_id, 1, history.state) for document_id in ids])
    engine.dispose()
    return fresh, stored


async def _measure(
    server: ServerProcess, fixture: Fixture, fresh: list[int], stored: list[tuple[History, list[int]]]
) -> MemoryResult:
    headers = {"Authorization": f"Bearer {fixture.token}"}
    sockets: list[ClientConnection] = []

    async def step(document_ids: list[int]) -> float:
        for document_id in document_ids:
            sockets.append(await _join(server.url(document_id), headers))
        return await _settled_rss(server)

    try:
        baseline = await step([fixture.document_id])
        connections = await step([fixture.document_id] * len(fresh))
        last = await step(fresh)
        steps = [Step("fresh", len(fresh), _initial_kb(fixture), (last - connections) / len(fresh))]
        for history, ids in stored:
            now = await step(ids)
            steps.append(Step(history.label, len(ids), len(history.state) / 1024, (now - last) / len(ids)))
            last = now
    finally:
        for socket in sockets:
            await socket.close()
    return MemoryResult(baseline, (connections - baseline) / len(fresh), steps)


def _initial_kb(fixture: Fixture) -> float:
    engine = make_engine(f"sqlite:///{fixture.template}")
    try:
        return len(Store(engine).load(fixture.document_id).to_doc().get_update()) / 1024
    finally:
        engine.dispose()


async def _join(url: str, headers: dict[str, str]) -> ClientConnection:
    """A client that syncs and then only listens (its reader keeps the socket drained)."""
    socket = await connect(url, additional_headers=headers, max_size=None)
    await socket.send(ywire.step1(Doc()))
    while True:
        message = await socket.recv()
        assert isinstance(message, bytes)
        kind, sync_kind, _ = ywire.read_message(message)
        if kind == ywire.SYNC and sync_kind == ywire.STEP2:
            break
    asyncio.get_running_loop().create_task(_drain(socket))
    return socket


async def _drain(socket: ClientConnection) -> None:
    with contextlib.suppress(ConnectionClosed):
        async for _ in socket:
            pass


async def _settled_rss(server: ServerProcess, *, quiet: float = 1.0) -> float:
    """RSS once it has stopped moving for `quiet` seconds (at most 10 s)."""
    deadline = time.monotonic() + 10
    last = server.rss_mb()
    while time.monotonic() < deadline:
        await asyncio.sleep(quiet)
        now = server.rss_mb()
        if abs(now - last) < 0.1:
            return now
        last = now
    return last
