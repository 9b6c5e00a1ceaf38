"""A peer's send queue: bounded in frames and in bytes (issue 8, hole 6), drained per wake-up, kept alive."""

from __future__ import annotations

import asyncio

from server.sync.peer import CLOSE_TOO_SLOW, KEEPALIVE, Peer
from tests.server.sync.doubles import EDITOR, PRINCIPAL, Recorder, until

MIB = 1024 * 1024


def test_a_socket_that_does_not_read_is_cut_once_its_queue_holds_too_many_bytes() -> None:
    async def scenario() -> None:
        stuck = Recorder(stuck=True)
        peer = Peer(PRINCIPAL, EDITOR, stuck.send, stuck.close, queue_limit=1024, queue_bytes=4 * MIB)
        peer.start()
        peer.send(b"\x00" * MIB)  # taken by the drain task, which then blocks on the socket
        await until(lambda: peer.queued_bytes == 0)
        sent = 0
        while not peer.closed and sent < 1000:
            peer.send(b"\x00" * MIB)
            sent += 1
            assert peer.queued_bytes <= 4 * MIB
        assert peer.closed and sent == 5  # four fit within 4 MiB, the fifth cuts the socket
        await until(lambda: stuck.closed_with is not None)
        assert stuck.closed_with is not None and stuck.closed_with[0] == CLOSE_TOO_SLOW
        assert peer.queued_bytes == 0  # what was queued is let go at once

    asyncio.run(scenario())


def test_a_socket_that_does_not_read_is_cut_once_its_queue_holds_too_many_frames() -> None:
    async def scenario() -> None:
        stuck = Recorder(stuck=True)
        peer = Peer(PRINCIPAL, EDITOR, stuck.send, stuck.close, queue_limit=3)
        peer.start()
        peer.send(b"first")
        await until(lambda: peer.queued_bytes == 0)
        for _ in range(3):
            peer.send(b"small")
        assert not peer.closed
        peer.send(b"small")
        assert peer.closed
        await until(lambda: stuck.closed_with is not None)

    asyncio.run(scenario())


def test_an_empty_queue_takes_one_frame_larger_than_the_byte_bound() -> None:
    async def scenario() -> None:
        recorder = Recorder()
        peer = Peer(PRINCIPAL, EDITOR, recorder.send, recorder.close, queue_bytes=1000)
        peer.start()
        peer.send(b"x" * 5000)  # a large document's first sync answer
        await until(lambda: len(recorder.frames) == 1)
        assert not peer.closed and recorder.frames == [b"x" * 5000]
        await peer.stop()

    asyncio.run(scenario())


def test_everything_queued_is_sent_in_order_on_one_wake_up() -> None:
    async def scenario() -> None:
        recorder = Recorder()
        peer = Peer(PRINCIPAL, EDITOR, recorder.send, recorder.close)
        peer.start()
        frames = [f"frame {n} ñ".encode() for n in range(50)]
        for frame in frames:
            peer.send(frame)
        await until(lambda: len(recorder.frames) == 50)
        assert recorder.frames == frames
        await peer.stop()

    asyncio.run(scenario())


def test_a_quiet_socket_gets_a_keepalive_and_a_busy_one_does_not() -> None:
    async def scenario() -> None:
        quiet, busy = Recorder(), Recorder()
        quiet_peer = Peer(PRINCIPAL, EDITOR, quiet.send, quiet.close, keepalive_seconds=0.05)
        busy_peer = Peer(PRINCIPAL, EDITOR, busy.send, busy.close, keepalive_seconds=0.05)
        quiet_peer.start()
        busy_peer.start()
        while quiet.frames.count(KEEPALIVE) < 2:  # the busy socket sends one frame after another
            sent = len(busy.frames)
            busy_peer.send(b"update")
            await until(lambda sent=sent: len(busy.frames) > sent)  # type: ignore[misc]
        assert KEEPALIVE not in busy.frames
        await quiet_peer.stop()
        await busy_peer.stop()

    asyncio.run(scenario())
