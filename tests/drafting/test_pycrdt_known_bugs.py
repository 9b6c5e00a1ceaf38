"""Upstream bugs of pycrdt 0.14 that Consenso works around, pinned so we notice when they are fixed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from drafting.errors import MalformedUpdate
from drafting.updates import apply_and_reencode, apply_checked

HANGING_LOG = Path(__file__).with_name("data") / "pycrdt-replay-hang.hex"
REPLAY = """
import sys
from pycrdt import Doc
doc = Doc()
for line in open(sys.argv[1]):
    doc.apply_update(bytes.fromhex(line.strip()))
print("replayed")
"""


@pytest.mark.xfail(
    strict=True,
    reason="pycrdt 0.14.13 loops forever replaying these 14 updates (found by fuzzing the sync socket); "
    "rooms write a checkpoint when they are let go so a reopen does not replay the tail (server/rooms.py)",
)
def test_replaying_some_fuzzed_logs_hangs_pycrdt() -> None:
    try:
        done = subprocess.run(
            [sys.executable, "-c", REPLAY, str(HANGING_LOG)], capture_output=True, text=True, timeout=10
        )
    except subprocess.TimeoutExpired:
        pytest.fail("replaying the log did not finish within 10 s")
    assert done.stdout.strip() == "replayed", done.stderr


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


class UnencodableDoc:
    """Accepts the update, then cannot encode itself: what some fuzzed updates do to a pycrdt Doc."""

    def get_state(self) -> bytes:
        return b"\x00"

    def apply_update(self, _update: bytes) -> None:
        return None

    def get_update(self, _state: bytes = b"") -> bytes:
        raise PanicException("index out of bounds: the len is 0 but the index is 18446744073709551615")


def test_an_update_that_leaves_the_document_unencodable_is_refused_when_reencoding() -> None:
    apply_checked(UnencodableDoc(), b"")  # type: ignore[arg-type]  # without re-encoding it goes through
    with pytest.raises(MalformedUpdate, match="could not apply"):
        apply_and_reencode(UnencodableDoc(), b"")  # type: ignore[arg-type]


def test_the_reencoding_is_what_the_update_changed() -> None:
    from pycrdt import Doc, Text

    client: Doc = Doc()  # type: ignore[type-arg]
    client["p"] = Text("Migración ")
    first = client.get_update()
    copy: Doc = Doc()  # type: ignore[type-arg]
    copy.apply_update(first)
    client["p"].insert(len("Migración ".encode()), "segura 🌎")
    second = client.get_update(copy.get_state())
    room: Doc = Doc()  # type: ignore[type-arg]
    room.apply_update(first)
    room.apply_update(apply_and_reencode(copy, second))
    assert str(room.get("p", type=Text)) == "Migración segura 🌎"
