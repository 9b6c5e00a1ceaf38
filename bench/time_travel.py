"""Time travel: the document at random points of a 100,000-update history, and its authorship.

Through drafting directly, on an SQLite file with the server's settings. The history is committed as a
room commits it (drafting.store.Store.commit in batches, a checkpoint at the end of the batch that passes
500 updates since the last, the server's default), so the store's retention (docs/decisions/0020) decides
which checkpoints stay. Each point is `history.doc_at` + `render` (what a time slider shows), with a fresh
engine per point so SQLite's page cache starts empty (the OS file cache stays warm); points are spread
uniformly over the log, plus the worst ones: just before each kept checkpoint.

Each keystroke is logged under its typist, as the server logs a participant's update: the 20 editors of
bench.history are two delegates of each of ten delegations, so the authorship replay splits and merges
runs of several delegations, as in a real draft (with one sender for the whole log, every paragraph would
be one run).
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from pycrdt import Doc
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from bench.cold_open import _document
from bench.history import typed
from drafting import history
from drafting.authorship_index import authorship_at, index
from drafting.catalogue import add_delegation, add_user
from drafting.database import make_engine, upgrade
from drafting.kinds import DelegationKind, Role
from drafting.rendered import render
from drafting.senders import Sender
from drafting.store import Checkpoint, PendingUpdate, Store

TARGET_MS = 200.0
ROOM_CHECKPOINT_EVERY = 500
BATCH = 50


@dataclass
class TimeTravelResult:
    style: str
    updates: int
    checkpoints: int
    checkpoint_mb: float  # as stored, compressed
    log_mb: float
    point_ms: list[float] = field(default_factory=list)
    worst_ms: list[float] = field(default_factory=list)  # just before a kept checkpoint
    cpu_ms: list[float] = field(default_factory=list)  # this process's CPU time, every point
    authorship_s: float = 0.0  # authorship_index.index: the whole log replayed once, runs kept
    authorship_ms: list[float] = field(default_factory=list)  # authorship_at, after the index
    load: str = ""  # the load average before the points: wall times on a busy machine stretch

    @property
    def max_ms(self) -> float:
        return max(self.point_ms + self.worst_ms)


def run(updates: int = 100_000, *, style: str = "runs", points: int = 40, seed: int = 11) -> TimeTravelResult:
    with tempfile.TemporaryDirectory(prefix="bench-history-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'consenso.db'}"
        engine = make_engine(url)
        upgrade(engine)
        document_id, initial = _document(engine)
        store = Store(engine)
        replica: Doc = Doc()
        replica.apply_update(initial)
        seq, last_checkpoint, batch = 1, 0, []
        senders = _typists(engine)
        for typist, update in typed(initial, updates - 1, style=style, editors=len(senders)):
            seq += 1
            replica.apply_update(update)
            batch.append(PendingUpdate(document_id, seq, update, senders[typist]))
            if len(batch) == BATCH:
                checkpoints = []
                if seq - last_checkpoint >= ROOM_CHECKPOINT_EVERY:
                    checkpoints.append(Checkpoint(document_id, seq, replica.get_update()))
                    last_checkpoint = seq
                store.commit(batch, checkpoints)
                batch = []
        store.commit(batch)
        with engine.connect() as connection:
            sizes = connection.exec_driver_sql(
                "SELECT count(*), coalesce(sum(length(state)), 0) FROM document_checkpoints"
            ).one()
            log_bytes = connection.exec_driver_sql(  # what the log takes as stored: rows and folded segments
                "SELECT (SELECT coalesce(sum(length(data)), 0) FROM document_updates)"
                " + (SELECT coalesce(sum(length(rows)), 0) FROM document_log_segments)"
            ).scalar()
        kept = store.checkpoint_seqs(document_id)
        engine.dispose()
        result = TimeTravelResult(style, seq, sizes[0], sizes[1] / 1e6, (log_bytes or 0) / 1e6)
        rng = random.Random(seed)
        result.load = " ".join(Path("/proc/loadavg").read_text().split()[:3])
        for point in sorted(rng.randint(1, seq) for _ in range(points)):
            wall, cpu = _at(url, document_id, point)
            result.point_ms.append(wall)
            result.cpu_ms.append(cpu)
        for checkpoint in kept[1:]:
            wall, cpu = _at(url, document_id, checkpoint - 1)
            result.worst_ms.append(wall)
            result.cpu_ms.append(cpu)
        engine = make_engine(url)
        started = time.perf_counter()
        index(Store(engine), document_id)
        result.authorship_s = time.perf_counter() - started
        for point in sorted(rng.randint(1, seq) for _ in range(max(3, points // 8))):
            started = time.perf_counter()
            authorship_at(Store(engine), document_id, point)
            result.authorship_ms.append((time.perf_counter() - started) * 1000)
        engine.dispose()
        return result


def _typists(engine: Engine) -> list[Sender]:
    """Twenty delegates, two of each of ten delegations (MEX, which `_document` made, among them)."""
    codes = ["MEX", "BLZ", "CAN", "CRI", "SLV", "GTM", "HND", "NIC", "PAN", "DOM"]
    with Session(engine) as session, session.begin():
        for code in codes[1:]:
            add_delegation(session, code, code, DelegationKind.MEMBER_STATE)
        users = [
            add_user(session, f"typist{n}@{code.lower()}.example", f"Typist {n}", Role.DELEGATE, code)
            for code in codes
            for n in (1, 2)
        ]
        return [Sender.participant(user.id, user.delegation_id) for user in users]


def _at(url: str, document_id: int, seq: int) -> tuple[float, float]:
    """Wall and CPU milliseconds for the document at update `seq`."""
    engine = make_engine(url)
    try:
        with engine.connect() as connection:  # the server's pool is warm: connect outside the timing
            connection.exec_driver_sql("SELECT 1")
        started, cpu = time.perf_counter(), time.process_time()
        render(history.doc_at(Store(engine), document_id, seq))
        return (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
    finally:
        engine.dispose()


def markdown(results: list[TimeTravelResult]) -> str:
    lines = [
        "| history | updates | checkpoints kept | checkpoints MB | log MB | median ms | p95 ms "
        f"| worst point ms | max ms | < {TARGET_MS:.0f} ms | CPU median / max ms | load average "
        "| authorship index s | authorship at a point median / max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---|---:|---:|",
    ]
    for r in results:
        every = sorted(r.point_ms + r.worst_ms)
        p95 = every[min(len(every) - 1, int(len(every) * 0.95))]
        lines.append(
            f"| {r.style} | {r.updates:,} | {r.checkpoints} | {r.checkpoint_mb:.1f} | {r.log_mb:.1f} "
            f"| {statistics.median(r.point_ms):.0f} | {p95:.0f} | {max(r.worst_ms or [0]):.0f} "
            f"| {r.max_ms:.0f} "
            f"| {'yes' if r.max_ms < TARGET_MS else 'no'} "
            f"| {statistics.median(r.cpu_ms):.0f} / {max(r.cpu_ms):.0f} | {r.load} | {r.authorship_s:.1f} "
            f"| {statistics.median(r.authorship_ms):.0f} / {max(r.authorship_ms):.0f} |"
        )
    lines += [
        "",
        "A point = `history.doc_at` + `render` with a fresh engine: the newest kept checkpoint at or "
        "before it, decompressed, plus the log after it. Points: uniform over the log, and the worst ones "
        "(the update just before each kept checkpoint, the longest replay). Authorship index: "
        "`authorship_index.index`, the whole log replayed once with the runs kept at each checkpoint; "
        "then `authorship_index.authorship_at` at random points. CPU: this process's time for the same "
        "points; on a machine shared with other work, wall time stretches and CPU time does not. Log MB: "
        "the log as stored, its rows' bytes and its folded segments (docs/decisions/0025).",
    ]
    return "\n".join(lines)
