"""The side-by-side benchmark against other Yjs servers, run with Consenso from this checkout.

The harness (stock y-websocket clients in Node: loadgen, 100k-update history, cold open, Hocuspocus and
pycrdt-websocket as peers) lives outside the repository, in the team's shared peer-bench folder; copy it
to a scratch directory and run its setup.sh once. This part runs its `run_peers.sh` with this checkout's
`consenso` and the same scenarios for every peer, and returns the table it writes: server CPU per
delivered update with awareness on and off, p99 keystroke delay, peak RSS, history rate, store size, cold
open.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

from bench.server import CONSENSO


def default_harness() -> Path:
    return Path(os.environ.get("TMPDIR", "/tmp")) / "peer-bench"


def run(
    harness: Path,
    peers: list[str],
    out: Path,
    *,
    scenarios: str = "50,20 200,20",
    awareness: str = "off on",
    history: int = 100_000,
    cold: int = 5,
    server_env: dict[str, str] | None = None,
) -> str:
    """Run the harness for `peers`; the Markdown table it made (raw JSON lines kept next to it in `out`)."""
    script = harness / "run_peers.sh"
    if not script.exists():
        return f"no peer harness at {harness}: copy the shared peer-bench there and run its setup.sh"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    table, raw = out / f"peers-{stamp}.md", out / f"peers-{stamp}.jsonl"
    env = {
        **os.environ,
        **(server_env or {}),
        "CONSENSO_BIN": str(CONSENSO),
        "BENCH_SCENARIOS": scenarios,
        "BENCH_AWARENESS": awareness,
        "BENCH_HISTORY": str(history),
        "BENCH_COLD": str(cold),
        "BENCH_RAW": str(raw),
        "BENCH_MD": str(table),
    }
    done = subprocess.run([str(script), *peers], cwd=harness, env=env, check=False)
    if done.returncode != 0 or not table.exists():
        return f"the peer harness failed ({done.returncode}); its raw output is in {raw}"
    return table.read_text(encoding="utf-8")
