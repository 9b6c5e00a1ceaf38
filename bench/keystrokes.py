"""One keystroke run: N typists and a few observers on one draft, for a fixed window.

Keystroke delay = receipt by an observer − send by the typist, for every (keystroke, observer) pair.
Accepted updates/s = keystrokes of the window that reached observer 0 before the grace period ended,
divided by the window; a server that falls behind shows up as accepted < offered and as a p99 near the
window length.
"""

from __future__ import annotations

import multiprocessing
import pickle
import statistics
import threading
import time
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench.editors import WorkerPlan, WorkerResult, worker_main
from bench.server import TICKS, ServerProcess


@dataclass
class RunConfig:
    editors: int
    duration: float = 20.0
    rate: float = 5.0
    observers: int = 2
    grace: float = 5.0
    workers: int = 0  # typist processes; 0: 1 up to 50 editors, else 2
    seed: int = 1
    flood: int = 0  # one more connection sends this many updates at once, from the middle of the window


@dataclass
class Flood:
    """The typists' delay before a flood and while it lasted, and how long the flood took to arrive."""

    updates: int
    quiet_p50_ms: float
    quiet_p99_ms: float
    during_p50_ms: float
    during_p99_ms: float
    during_keystrokes: int
    absorbed_s: float  # from the flood's start until its last update reached observer 0


@dataclass
class RunResult:
    editors: int
    connected: int
    offered_per_s: float
    accepted_per_s: float
    received_fraction: float  # of the window's keystrokes, reached observer 0 before the end
    p50_ms: float
    p99_ms: float
    max_ms: float
    server_cpu: float  # cores busy during the window (1.0 = one core)
    client_cpu: list[float]  # per typist process
    observer_cpu: float
    client_lag_p99_ms: float  # typists' lateness against their schedule
    send_blocked_p99_ms: float
    other_cpu: float  # cores busy with anything else on the machine during the window (noise)
    rss_mb: float
    peak_rss_mb: float
    text_bytes_added: int
    failures: list[str]
    flood: Flood | None = None


def run(
    server: ServerProcess, document_id: int, token: str, config: RunConfig, workdir: Path,
    on_start: Callable[[], object] | None = None,
) -> RunResult:  # fmt: skip
    """One run; `on_start` is called as the typing window opens (to attach a profiler)."""
    context = multiprocessing.get_context("spawn")
    ready = context.Queue()
    start = context.Event()
    t0 = context.Value("d", 0.0)
    url = server.url(document_id)
    headers = {"Authorization": f"Bearer {token}"}
    workers = config.workers or (1 if config.editors <= 50 else 2)
    plans = [
        WorkerPlan("observer", url, headers, config.observers, config.rate, config.duration, config.grace,
                   config.seed, str(workdir / "observer.pickle"))
    ]  # fmt: skip
    share, extra = divmod(config.editors, workers)
    for index in range(workers):
        plans.append(
            WorkerPlan("typist", url, headers, share + (index < extra), config.rate, config.duration,
                       config.grace, config.seed * 1000 + index, str(workdir / f"typist-{index}.pickle"))
        )  # fmt: skip
    if config.flood:
        plans.append(
            WorkerPlan("flooder", url, headers, 1, config.rate, config.duration, config.grace,
                       config.seed * 7919, str(workdir / "flooder.pickle"), flood=config.flood)
        )  # fmt: skip
    processes = [context.Process(target=worker_main, args=(plan, ready, start, t0)) for plan in plans]
    # observers connect first, so the typists' first keystrokes already find them
    processes[0].start()
    announced = [ready.get(timeout=120)]
    for process in processes[1:]:
        process.start()
    announced += [ready.get(timeout=300) for _ in processes[1:]]
    failures = [f"{role} pid {pid}: {', '.join(errors)}" for role, pid, _, errors in announced if errors]

    t0.value = time.monotonic() + 1.0
    start.set()
    if on_start is not None:
        on_start()
    samples: dict[str, float] = {}
    sampler = threading.Thread(target=_sample_server, args=(server, t0.value, config.duration, samples))
    sampler.start()
    for process in processes:
        process.join(timeout=config.duration + config.grace + 120)
        if process.is_alive():
            process.kill()
            failures.append(f"worker pid {process.pid} did not finish")
    sampler.join()

    results = [_load(Path(plan.result_path)) for plan in plans]
    observer, typists = results[0], [r for r in results[1:] if r.role != "flooder"]
    flooders = [r for r in results[1:] if r.role == "flooder"]
    sends = [send for typist in typists for send in typist.sends]
    delays, reached_first = _delays(sends, observer.arrivals)
    lags = [lag for typist in typists for lag in typist.lags]
    blocked = [b for typist in typists for b in typist.send_blocked]
    for result in results:
        failures += result.failed[:5]
    return RunResult(
        editors=config.editors,
        connected=sum(t.connected for t in typists),
        offered_per_s=len(sends) / config.duration,
        accepted_per_s=reached_first / config.duration,
        received_fraction=reached_first / len(sends) if sends else 0.0,
        p50_ms=_percentile(delays, 50) * 1000,
        p99_ms=_percentile(delays, 99) * 1000,
        max_ms=max(delays, default=float("nan")) * 1000,
        server_cpu=samples.get("cpu", float("nan")),
        client_cpu=[t.cpu_seconds / config.duration for t in typists],
        other_cpu=samples.get("machine", float("nan"))
        - samples.get("cpu", 0.0)
        - sum(r.cpu_seconds for r in results) / config.duration,
        observer_cpu=observer.cpu_seconds / config.duration,
        client_lag_p99_ms=_percentile(lags, 99) * 1000,
        send_blocked_p99_ms=_percentile(blocked, 99) * 1000,
        rss_mb=samples.get("rss", float("nan")),
        peak_rss_mb=samples.get("peak_rss", float("nan")),
        text_bytes_added=observer.final_text_bytes - observer.initial_text_bytes,
        failures=failures,
        flood=_flood(config.flood, sends, flooders[0], observer.arrivals) if flooders else None,
    )


def _flood(
    updates: int,
    sends: list[tuple[int, int, float]],
    flooder: WorkerResult,
    observers: list[list[tuple[int, int, float]]],
) -> Flood:
    started = flooder.flood_started
    reached = _arrivals(flooder.sends[-1:], observers[:1])
    end = reached[0][2] if reached else float("inf")  # a flood that never arrived lasts to the end
    during_sends = [s for s in sends if started <= s[2] <= end]
    quiet, _ = _delays([s for s in sends if s[2] < started], observers)
    during, _ = _delays(during_sends, observers)
    return Flood(
        updates=updates,
        quiet_p50_ms=_percentile(quiet, 50) * 1000,
        quiet_p99_ms=_percentile(quiet, 99) * 1000,
        during_p50_ms=_percentile(during, 50) * 1000,
        during_p99_ms=_percentile(during, 99) * 1000,
        during_keystrokes=len(during_sends),
        absorbed_s=end - started,
    )


def _sample_server(server: ServerProcess, start_at: float, duration: float, out: dict[str, float]) -> None:
    time.sleep(max(0.0, start_at - time.monotonic()))
    cpu_before, busy_before = server.cpu_seconds(), _machine_busy()
    time.sleep(max(0.0, start_at + duration - time.monotonic()))
    out["cpu"] = (server.cpu_seconds() - cpu_before) / duration
    out["machine"] = (_machine_busy() - busy_before) / duration
    out["rss"] = server.rss_mb()
    out["peak_rss"] = server.peak_rss_mb()


def wait_for_quiet(max_wait: float, threshold: float = 0.5) -> float:
    """Wait (at most `max_wait` s) for a second in which the machine is less than `threshold` cores busy.

    Other people's jobs on a shared machine are the benchmark's main noise; returns the last load seen.
    """
    deadline = time.monotonic() + max_wait
    while True:
        before = _machine_busy()
        time.sleep(1.0)
        busy = _machine_busy() - before
        if busy < threshold or time.monotonic() >= deadline:
            return busy


def _machine_busy() -> float:
    """CPU seconds spent on anything but idle and I/O wait, over all CPUs, since boot."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(fields[:8]) - fields[3] - fields[4]) / TICKS


def _load(path: Path) -> WorkerResult:
    if not path.exists():
        return WorkerResult(role="missing", failed=[f"no result at {path}"])
    with open(path, "rb") as source:
        result: WorkerResult = pickle.load(source)
    return result


def _arrivals(
    sends: list[tuple[int, int, float]], observers: list[list[tuple[int, int, float]]]
) -> list[tuple[int, float, float]]:
    """(observer index, sent at, arrived at) for every (keystroke, observer) pair that arrived."""
    found: list[tuple[int, float, float]] = []
    for index, arrivals in enumerate(observers):
        clocks: dict[int, list[int]] = {}
        times: dict[int, list[float]] = {}
        for client, clock, at in arrivals:
            clocks.setdefault(client, []).append(clock)
            times.setdefault(client, []).append(at)
        for client, clock, sent_at in sends:
            known = clocks.get(client)
            if not known:
                continue
            position = bisect_left(known, clock)
            if position < len(known):
                found.append((index, sent_at, times[client][position]))
    return found


def _delays(
    sends: list[tuple[int, int, float]], observers: list[list[tuple[int, int, float]]]
) -> tuple[list[float], int]:
    """Delays over every (keystroke, observer) pair, and how many keystrokes reached observer 0."""
    found = _arrivals(sends, observers)
    return [arrived - sent for _, sent, arrived in found], sum(index == 0 for index, _, _ in found)


def _percentile(values: list[float], percent: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(percent) - 1]
