"""Fuzzing the sync path: malformed frames raise a protocol or domain error and change nothing else.

10,000 frames go through the same dispatch the socket uses, against a live room; a smaller sample goes
through the real socket and must end each connection with 1003, 1007 or 1009 while a bystander carries on.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Map, Text
from sqlalchemy.orm import Session

from auth.principal import Principal
from drafting.database import make_engine, upgrade
from drafting.demo import load_demo
from drafting.errors import DraftingError
from drafting.guard import Rights
from drafting.kinds import Role
from drafting.layout import read_paragraphs
from drafting.store import Store
from server.sync.committer import Committer
from server.sync.peer import Peer
from server.sync.protocol import (
    AwarenessMessage,
    ProtocolError,
    SyncMessage,
    SyncType,
    decode,
    encode_awareness,
    encode_query_awareness,
    encode_sync,
)
from server.sync.room import Room
from server.sync_socket import dispatch
from tests.server.conftest import App

HEAD_MEX = "head.mex@demo.consenso"

SAMPLE_DOC = Doc()
SAMPLE_DOC.get("paragraphs", type=Map)["p1"] = Text("Migración 🌎")
VALID_UPDATE = SAMPLE_DOC.get_update()
VALID_FRAMES = [
    encode_sync(SyncType.UPDATE, VALID_UPDATE),
    encode_sync(SyncType.STEP2, VALID_UPDATE),
    encode_sync(SyncType.STEP1, SAMPLE_DOC.get_state()),
    encode_awareness(b"\x01\x07\x01\x02{}"),
]


def bit_flipped() -> st.SearchStrategy[bytes]:
    return st.tuples(st.sampled_from(VALID_FRAMES), st.integers(0, 10_000), st.integers(0, 7)).map(
        lambda t: _flip(t[0], t[1] % len(t[0]), t[2])
    )


def _flip(frame: bytes, index: int, bit: int) -> bytes:
    flipped = bytearray(frame)
    flipped[index] ^= 1 << bit
    return bytes(flipped)


FRAMES = st.one_of(
    st.binary(max_size=64),
    st.sampled_from(VALID_FRAMES).flatmap(lambda f: st.integers(0, len(f) - 1).map(lambda n: f[:n])),
    bit_flipped(),
    st.tuples(
        st.sampled_from([b"\x00\x00", b"\x00\x01", b"\x00\x02", b"\x01", b"\x03", b"\x02\x00"]),
        st.binary(max_size=48),
    ).map(lambda t: t[0] + t[1]),
)


class Harness:
    """A room on a real store, a peer whose outgoing frames are collected, and its own event loop."""

    def __init__(self, tmp: Path) -> None:
        self.loop = asyncio.new_event_loop()
        engine = make_engine(f"sqlite:///{tmp / 'fuzz.db'}", synchronous="OFF")
        upgrade(engine)
        with Session(engine) as session, session.begin():
            load_demo(session)
        self.store = Store(engine)
        self.sent: list[bytes] = []
        self.loop.run_until_complete(self._start())

    async def _start(self) -> None:
        self.committer = Committer(self.store)
        self.committer.start()
        stored = self.store.load(1)
        self.room = Room(1, stored.to_doc(), stored.last_seq, self.committer)

        async def send(frame: bytes) -> None:
            self.sent.append(frame)

        async def close(_code: int, _reason: str) -> None:
            return None

        principal = Principal(1, "fuzz@demo.consenso", "Fuzz", Role.DELEGATE, 1, "MEX")
        self.peer = Peer(principal, Rights(edit_text=True, restructure=True), send, close)

    def run(self, action: Callable[[], Any]) -> Any:
        return self.loop.run_until_complete(action())

    def close(self) -> None:
        self.run(self.committer.stop)
        self.store.engine.dispose()
        self.loop.close()


@pytest.mark.timeout(300)
def test_ten_thousand_malformed_frames_never_escape_as_anything_but_protocol_errors(tmp_path: Path) -> None:
    harness = Harness(tmp_path)
    outcomes = {"accepted": 0, "refused": 0}

    # Derandomized: CI replays the same 10,000 frames that pass here, so a failure is a real change.
    @settings(
        max_examples=10_000,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
    )
    @given(frame=FRAMES)
    def one(frame: bytes) -> None:
        try:
            harness.run(lambda: dispatch(harness.room, harness.peer, frame))
            outcomes["accepted"] += 1
        except (ProtocolError, DraftingError):
            outcomes["refused"] += 1
        # Whatever came in, the document is still whole and can be encoded for a new client.
        read_paragraphs(harness.room.doc)
        harness.room.doc.get_update()

    one()
    assert outcomes["refused"] > 5_000, outcomes
    harness.run(harness.room.committed)
    assert not harness.room.failed
    # What a reopened room reads: the checkpoint written when the room is let go (replaying this
    # fuzzed log update by update hangs pycrdt 0.14 — test_replaying_some_fuzzed_logs_hangs_pycrdt).
    checkpoint = harness.room.checkpoint_now()
    assert checkpoint is not None
    harness.store.checkpoint(checkpoint)
    stored = harness.store.load(1)
    assert stored.tail == []
    assert [p.text for p in read_paragraphs(stored.to_doc())] == [
        p.text for p in read_paragraphs(harness.room.doc)
    ]
    harness.close()


def test_malformed_frames_through_the_socket_close_only_their_connection(app: App) -> None:
    bystander = app.socket("/sync/1", app.bearer(HEAD_MEX))
    bystander.receive_bytes()
    headers = app.bearer(HEAD_MEX)
    closes: list[int] = []

    @settings(
        max_examples=150,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        database=None,
        derandomize=True,
    )
    @given(frame=FRAMES)
    def one(frame: bytes) -> None:
        with app.client.websocket_connect("/sync/1", headers=headers) as socket:
            socket.receive_bytes()
            socket.send_bytes(frame)
            socket.send_bytes(encode_query_awareness())
            for _ in range(50):
                message = socket.receive()
                if message["type"] == "websocket.close":
                    assert message["code"] in (1003, 1007, 1009), message
                    closes.append(message["code"])
                    return
                if isinstance(decode(message["bytes"]), AwarenessMessage):
                    return
            raise AssertionError("neither closed nor answered")

    one()
    assert closes, "no malformed frame was refused"
    # The bystander is still connected and served.
    bystander.send_bytes(encode_query_awareness())
    assert isinstance(decode(bystander.receive_bytes()), (AwarenessMessage, SyncMessage))
