"""Upstream bugs of pycrdt 0.14 that Consenso works around, pinned so we notice when they are fixed."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest

from drafting.errors import MalformedUpdate
from drafting.updates import apply_checked

HANGING_LOG = Path(__file__).with_name("data") / "pycrdt-replay-hang.hex"
REPLAY = """
import sys
from pycrdt import Doc
doc = Doc()
for line in open(sys.argv[1]):
    doc.apply_update(bytes.fromhex(line.strip()))
print("replayed")
"""


# Whether the replay loops depends on the process's layout (its working directory, environment and argv
# shift what Yrs reads), so each variant runs with all three fixed, and the bug shows if any variant hangs.
VARIANTS = ("/", "/tmp", "/usr/lib", "/etc")


@pytest.mark.xfail(
    strict=True,
    reason="pycrdt 0.14.13 loops forever replaying these 14 updates (found by fuzzing the sync socket); "
    "rooms write a checkpoint when they are let go, so a reopen does not replay the tail "
    "(server/sync/rooms.py)",
)
def test_replaying_some_fuzzed_logs_hangs_pycrdt() -> None:
    environment = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}
    replays = [
        subprocess.Popen(
            [sys.executable, "-c", REPLAY, str(HANGING_LOG.resolve())],
            cwd=cwd,
            env=environment,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for cwd in VARIANTS
    ]
    hung = []
    deadline = time.monotonic() + 10  # the replays run side by side: ten seconds for all of them
    for cwd, replay in zip(VARIANTS, replays, strict=True):
        try:
            out, err = replay.communicate(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            replay.kill()
            replay.communicate()
            hung.append(cwd)
            continue
        assert out.strip() == "replayed", err
    assert not hung, f"replaying the log did not finish within 10 s (working directories {hung})"


class PanicException(BaseException):
    """Stands for pyo3's PanicException, which Yrs raises for some malformed updates."""


class PanickingDoc:
    def __init__(self, error: BaseException) -> None:
        self.error = error

    def apply_update(self, _update: bytes) -> None:
        raise self.error


def test_a_panic_inside_the_engine_is_a_malformed_update() -> None:
    with pytest.raises(MalformedUpdate, match="could not apply"):
        apply_checked(PanickingDoc(PanicException("called `Option::unwrap()` on a `None` value")), b"")  # type: ignore[arg-type]
    with pytest.raises(MalformedUpdate):
        apply_checked(PanickingDoc(ValueError("Cannot decode update")), b"")  # type: ignore[arg-type]
    with pytest.raises(KeyboardInterrupt):
        apply_checked(PanickingDoc(KeyboardInterrupt()), b"")  # type: ignore[arg-type]
