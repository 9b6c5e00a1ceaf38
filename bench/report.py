"""The benchmark's Markdown: the machine, then one table per measurement, medians over repeats."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
from collections.abc import Sequence
from importlib.metadata import version
from pathlib import Path

from bench.cold_open import ColdOpenResult
from bench.delivery import DeliveryResult
from bench.keystrokes import RunResult
from bench.memory import MemoryResult

P99_TARGET_MS = 50.0
OPEN_TARGET_MS = 50.0
MEMORY_TARGET_MB = 20.0
QUIET_CPU = 0.25  # a run during which other processes used less than this many cores


def machine() -> dict[str, str]:
    model = ""
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    for line in lscpu.splitlines():
        if line.startswith("Model name"):
            model = line.split(":", 1)[1].strip()
    memory_kb = 0
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemTotal"):
            memory_kb = int(line.split()[1])
    return {
        "revision": _revision(),
        "cpus": str(os.cpu_count()),
        "model": model,
        "memory": f"{memory_kb / 1024 / 1024:.1f} GiB",
        "kernel": platform.release(),
        "python": platform.python_version(),
        "pycrdt": version("pycrdt"),
        "websockets": version("websockets"),
        "uvicorn": version("uvicorn"),
        "load": "{:.2f} {:.2f} {:.2f}".format(*os.getloadavg()),
    }


def _revision() -> str:
    """The commit the server code comes from, and whether its packages had uncommitted changes."""
    root = Path(__file__).resolve().parent.parent

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, check=False)
        return done.stdout.strip()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--", "server", "drafting", "auth")
    return f"{commit}{' with uncommitted changes' if dirty else ''}"


def machine_md(info: dict[str, str]) -> str:
    return (
        f"Server code: {info['revision']}. "
        f"Machine: {info['cpus']} CPUs ({info['model']}), {info['memory']} RAM, Linux {info['kernel']}; "
        f"Python {info['python']}, pycrdt {info['pycrdt']}, websockets {info['websockets']}, "
        f"uvicorn {info['uvicorn']}; load average at start {info['load']}."
    )


def _median(values: Sequence[float]) -> float:
    finite = [v for v in values if v == v]
    return statistics.median(finite) if finite else float("nan")


def keystrokes_md(runs: Sequence[RunResult], label: str = "") -> str:
    by_editors: dict[int, list[RunResult]] = {}
    for run in runs:
        by_editors.setdefault(run.editors, []).append(run)
    title = f" ({label})" if label else ""
    lines = [
        f"| editors{title} | runs | offered upd/s | accepted upd/s | p50 ms | p99 ms | p99 of each run "
        "(other CPU) | p99 ms, quiet runs | server CPU | client CPU | client lag p99 ms | server RSS MB "
        "| p99 < 50 ms (quiet runs if any) |",
        "|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for editors, runs_of_n in sorted(by_editors.items()):
        group = [r for r in runs_of_n if not r.failures] or list(runs_of_n)  # a broken run is not a sample
        p99 = _median([r.p99_ms for r in group])
        quiet = [r.p99_ms for r in group if r.other_cpu < QUIET_CPU]
        clients = [sum(r.client_cpu) for r in group]
        lines.append(
            f"| {editors} | {len(group)} | {_median([r.offered_per_s for r in group]):.0f} "
            f"| {_median([r.accepted_per_s for r in group]):.0f} "
            f"| {_median([r.p50_ms for r in group]):.1f} | {p99:.1f} "
            f"| {', '.join(f'{r.p99_ms:.0f} ({r.other_cpu:.2f})' for r in group)} "
            f"| {f'{_median(quiet):.1f} ({len(quiet)})' if quiet else '–'} "
            f"| {_median([r.server_cpu for r in group]):.2f} | {_median(clients):.2f} "
            f"| {_median([r.client_lag_p99_ms for r in group]):.0f} "
            f"| {_median([r.rss_mb for r in group]):.0f} "
            f"| {_verdict(_median(quiet) if quiet else p99)} |"
        )
    lines += [
        "",
        "Other CPU: cores used by other processes on the machine during the run (noise); quiet runs are "
        f"those under {QUIET_CPU} cores. Client CPU: the typist processes, in cores. Accepted: keystrokes "
        "that reached an observer by the end of the 5 s grace period, per second of typing.",
    ]
    failures = sorted({f for run in runs for f in run.failures})
    if failures:
        broken = sum(1 for run in runs if run.failures)
        lines.append("")
        lines.append(
            f"{broken} run(s) with connection problems, left out of the medians when the same editor count "
            f"has clean runs ({len(failures)} distinct): " + "; ".join(failures[:6])
        )
    return "\n".join(lines)


def _verdict(p99: float) -> str:
    return "yes" if p99 < P99_TARGET_MS else f"no ({p99 / P99_TARGET_MS:.2f}× target)"


def cold_open_md(results: Sequence[ColdOpenResult]) -> str:
    lines = [
        "| history | stored updates | log MB | open before compaction ms | compaction s | checkpoint KB "
        "| load + to_doc after ms | open after compaction ms | + first sync answer ms | < 50 ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    notes = []
    for result in results:
        after = result.after_median_ms
        lines.append(
            f"| {result.style} | {result.updates:,} | {result.log_mb:.1f} | {result.before_median_ms:.0f} "
            f"| {result.compact_s:.2f} | {result.checkpoint_kb:.0f} | {_median(result.after_ms):.1f} "
            f"| {after:.1f} "
            f"| {_median(result.after_sync_ms):.1f} "
            f"| {'yes' if after < OPEN_TARGET_MS else 'no'} ({after / OPEN_TARGET_MS:.2f}× target) |"
        )
        notes.append(
            f"{result.style}: before {', '.join(f'{v:.0f}' for v in result.before_ms)} ms; "
            f"after {', '.join(f'{v:.1f}' for v in result.after_room_ms)} ms"
        )
    lines += [
        "",
        "Open = Store.load + StoredDocument.to_doc + the guard's shadow replica, as a room opens; "
        "median of 3 opens before and 9 after compaction, each with a fresh engine. Each open: "
        + "; ".join(notes)
        + ".",
    ]
    return "\n".join(lines)


def memory_md(results: Sequence[MemoryResult]) -> str:
    if not results:
        return ""
    lines = [
        "| measure | state KB | documents | MB each (median) | each run |",
        "|---|---:|---:|---:|---|",
        f"| server RSS, one client on one draft | | | {_median([r.baseline_mb for r in results]):.1f} "
        f"| {', '.join(f'{r.baseline_mb:.1f}' for r in results)} |",
        f"| per extra connection on that draft | | {results[0].steps[0].documents} "
        f"| {_median([r.per_connection_mb for r in results]):.2f} "
        f"| {', '.join(f'{r.per_connection_mb:.2f}' for r in results)} |",
    ]
    worst = 0.0
    for index, step in enumerate(results[0].steps):
        each = [r.steps[index].mb_each for r in results]
        worst = max(worst, _median(each))
        lines.append(
            f"| per open 50-paragraph draft: {step.label}, one client | {step.state_kb:.0f} "
            f"| {step.documents} | {_median(each):.2f} | {', '.join(f'{v:.2f}' for v in each)} |"
        )
    verdict = "met" if worst < MEMORY_TARGET_MB else "not met"
    lines += [
        "",
        f"Target < {MEMORY_TARGET_MB:.0f} MB per open document: {verdict} "
        f"({worst / MEMORY_TARGET_MB:.2f}× target for the heaviest draft measured).",
    ]
    return "\n".join(lines)


def flood_md(runs: Sequence[RunResult], label: str = "") -> str:
    """Medians over runs: the other typists' delay before and during the flood, and the ratio to quiet."""
    floods = [run.flood for run in runs if run.flood is not None]
    if not floods:
        return "no flood run finished"
    quiet = _median([f.quiet_p99_ms for f in floods])
    during = _median([f.during_p99_ms for f in floods])
    lines = [
        f"{label + ': ' if label else ''}{len(floods)} run(s), medians",
        "",
        "| quiet p50 / p99 ms | during the flood p50 / p99 ms | p99 ratio (target ≤ 2) | keystrokes during |"
        " flood absorbed s | p99 per run (quiet → flood) |",
        "|---:|---:|---:|---:|---:|---|",
        f"| {_median([f.quiet_p50_ms for f in floods]):.1f} / {quiet:.1f} "
        f"| {_median([f.during_p50_ms for f in floods]):.1f} / {during:.1f} | {during / quiet:.2f} "
        f"| {_median([float(f.during_keystrokes) for f in floods]):.0f} "
        f"| {_median([f.absorbed_s for f in floods]):.1f} "
        f"| {', '.join(f'{f.quiet_p99_ms:.0f} → {f.during_p99_ms:.0f}' for f in floods)} |",
    ]
    return "\n".join(lines)


def delivery_md(results: Sequence[tuple[str, DeliveryResult]]) -> str:
    """Medians per (variant, readers, awareness): server CPU µs per delivered update, and peak RSS."""
    groups: dict[tuple[str, int, bool], list[DeliveryResult]] = {}
    for label, result in results:
        groups.setdefault((label, result.readers, result.awareness), []).append(result)
    lines = [
        "| variant | readers | awareness | server CPU µs per delivered update (runs) | peak RSS MB |",
        "|---|---:|---|---:|---:|",
    ]
    for (label, readers, awareness), group in groups.items():
        runs = ", ".join(f"{r.us_per_delivered:.1f}" for r in group)
        lines.append(
            f"| {label or 'default'} | {readers} | {'on' if awareness else 'off'} "
            f"| {_median([r.us_per_delivered for r in group]):.1f} ({runs}) "
            f"| {_median([r.peak_rss_mb for r in group]):.0f} |"
        )
    return "\n".join(lines)
