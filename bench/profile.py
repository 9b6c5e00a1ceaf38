"""Where the server's time goes: py-spy samples the server during a run; we print the top functions.

py-spy (``.venv/bin/pip install py-spy``) writes collapsed stacks; ``summarize`` ranks functions by
self time (the frame on top of the stack) and by inclusive time (anywhere on the stack).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path

from bench.server import ROOT

_FRAME = re.compile(r"^(?P<function>.*?) \((?P<file>[^:()]+)(?::\d+)?\)$")


def py_spy() -> str | None:
    local = ROOT / ".venv" / "bin" / "py-spy"
    return str(local) if local.exists() else shutil.which("py-spy")


def record(pid: int, seconds: float, output: Path) -> subprocess.Popen[bytes]:
    binary = py_spy()
    if binary is None:
        raise RuntimeError("py-spy is not installed: .venv/bin/pip install py-spy")
    return subprocess.Popen(
        [binary, "record", "--pid", str(pid), "--duration", str(int(seconds)), "--rate", "200",
         "--format", "raw", "--nonblocking", "--threads", "--output", str(output)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip


def _name(frame: str) -> str:
    match = _FRAME.match(frame.strip())
    if not match:
        return frame.strip()
    path = match["file"]
    for marker in ("site-packages/", "/work/main/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{match['function']} ({path})"


def summarize(collapsed: Path, top: int = 25) -> str:
    self_time: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for line in collapsed.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not stack:
            continue
        count = int(count_text)
        frames = [_name(frame) for frame in stack.split(";")]
        if frames and frames[0].startswith("thread"):
            frames = frames[1:]
        total += count
        if frames:
            self_time[frames[-1]] += count
        for name in set(frames):
            inclusive[name] += count
    if not total:
        return "py-spy recorded no samples."
    lines = [f"{total} samples.", "", "| self % | function |", "|---:|---|"]
    lines += [f"| {100 * n / total:.1f} | `{name}` |" for name, n in self_time.most_common(top)]
    lines += ["", "| inclusive % | function |", "|---:|---|"]
    lines += [f"| {100 * n / total:.1f} | `{name}` |" for name, n in inclusive.most_common(top)]
    return "\n".join(lines)
