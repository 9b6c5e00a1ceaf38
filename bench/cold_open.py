"""Cold open: how long a document with a long update log takes to load, before and after compaction.

Through the storage API directly (drafting.store), on a SQLite file with the server's settings (WAL,
synchronous FULL). "Open" is what the server does when the first editor joins a document nobody has
open (server/sync/rooms.py, server/sync/room.py): ``Store.load``, ``StoredDocument.to_doc``, then the guard's
shadow replica (``drafting.guard.Guard``); the load + to_doc part is reported on its own too. Each
measurement uses a fresh engine, so SQLite's page cache starts empty; the OS file cache stays warm.
"""

from __future__ import annotations

import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.orm import Session

from bench.history import keystrokes
from bench.server import draft_text
from drafting.catalogue import add_delegation, create_document, create_negotiation
from drafting.database import make_engine, upgrade
from drafting.guard import Guard
from drafting.importing import paragraphs_from_text
from drafting.kinds import DelegationKind, DocumentKind
from drafting.store import PendingUpdate, Store


@dataclass
class ColdOpenResult:
    style: str  # of the history: bench/history.py
    updates: int
    generate_s: float
    log_mb: float
    checkpoint_kb: float
    before_ms: list[float]  # as a room opens, before compaction
    compact_s: float
    after_ms: list[float]  # load + to_doc
    after_room_ms: list[float]  # + the guard's shadow replica: what opening a room costs
    after_sync_ms: list[float]  # + the full-state answer to a new client's sync step 1
    state: bytes = field(default=b"", repr=False)  # the compacted state, for the memory benchmark

    @property
    def before_median_ms(self) -> float:
        return statistics.median(self.before_ms)

    @property
    def after_median_ms(self) -> float:
        return statistics.median(self.after_room_ms)


def run(
    updates: int = 100_000, *, style: str = "runs", repeats_before: int = 3, repeats_after: int = 9
) -> ColdOpenResult:
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'consenso.db'}"
        engine = make_engine(url)
        upgrade(engine)
        document_id, initial = _document(engine)
        store = Store(engine)
        started = time.perf_counter()
        batch: list[PendingUpdate] = []
        seq = 1
        for update in keystrokes(initial, updates, style=style):
            seq += 1
            batch.append(PendingUpdate(document_id, seq, update))
            if len(batch) == 5000:
                store.commit(batch)
                batch = []
        store.commit(batch)
        generate_s = time.perf_counter() - started
        engine.dispose()

        log_mb = sum(len(u) for u in Store(make_engine(url)).updates(document_id)) / 1e6
        before = [_open(url, document_id)[1] for _ in range(repeats_before)]
        engine = make_engine(url)
        started = time.perf_counter()
        Store(engine).compact(document_id)
        compact_s = time.perf_counter() - started
        state = Store(engine).load(document_id).checkpoint or b""
        engine.dispose()
        after, with_guard, with_sync = zip(
            *(_open(url, document_id) for _ in range(repeats_after)), strict=True
        )
        return ColdOpenResult(
            style, updates, generate_s, log_mb, len(state) / 1024, before, compact_s, list(after),
            list(with_guard), list(with_sync), state,
        )  # fmt: skip


def _document(engine: object) -> tuple[int, bytes]:
    with Session(engine) as session, session.begin():  # type: ignore[call-overload]
        add_delegation(session, "MEX", "Mexico", DelegationKind.MEMBER_STATE)
        negotiation = create_negotiation(session, "Cold open", "MEX")
        paragraphs = paragraphs_from_text(draft_text())
        document_id = create_document(
            session, negotiation.id, DocumentKind.DECLARATION, "Cold", paragraphs
        ).id
    initial = Store(engine).load(document_id).to_doc().get_update()  # type: ignore[arg-type]
    return document_id, initial


def _open(url: str, document_id: int) -> tuple[float, float, float]:
    """Milliseconds to open the document; with the guard's shadow (as a room does); and with the
    answer to a new client's sync step 1 on top."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:  # the server's pool is warm: connect outside the timing
            connection.exec_driver_sql("SELECT 1")
        started = time.perf_counter()
        doc = Store(engine).load(document_id).to_doc()
        opened = time.perf_counter()
        guard = Guard(doc)
        guarded = time.perf_counter()
        doc.get_update(b"\x00")
        answered = time.perf_counter()
        guard.close()
    finally:
        engine.dispose()
    return tuple((end - started) * 1000 for end in (opened, guarded, answered))  # type: ignore[return-value]
