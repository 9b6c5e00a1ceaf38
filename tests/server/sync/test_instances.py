"""Several instances in one event loop, sharing PostgreSQL and Redis: one writer per document under its
lease, the others relaying through Redis (server/sync/instances.py, docs/decisions/0043)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest
import redis.asyncio
from pycrdt import Doc
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from drafting.consensus.info import write_paragraph
from drafting.consensus.rules import ParagraphState
from drafting.database import dispose_when_returned, make_engine
from drafting.demo import load_demo
from drafting.kinds import ParagraphStatus, UpdateOrigin
from drafting.layout import bind, read_paragraphs
from drafting.senders import Sender
from drafting.store import Store
from server.sync.committer import Committer
from server.sync.instances import InstanceRooms
from server.sync.peer import Peer
from server.sync.protocol import AuthMessage, SyncMessage, SyncType, decode
from server.sync.relay import CLOSE_RELAY_FAILED, Instance
from server.sync.room import CLOSE_STORAGE_FAILED, Room
from tests.conftest import REDIS_URL
from tests.server.sync.doubles import Recorder, client_edit, until

LEASE_SECONDS = 1.0


@pytest.fixture
def demo_database(postgres_engine: Engine) -> str:
    with Session(postgres_engine) as session, session.begin():
        load_demo(session)
    return postgres_engine.url.render_as_string(hide_password=False)


@dataclass
class Running:
    store: Store
    committer: Committer
    rooms: InstanceRooms


@contextlib.asynccontextmanager
async def instances(
    url: str, prefix: str, *names: str, lease_seconds: float = LEASE_SECONDS
) -> AsyncIterator[list[Running]]:
    """One store, committer and rooms per name, as separate processes would have (lease ticks are run
    by the tests, never by a timer)."""
    running = []
    for name in names:
        store = Store(make_engine(url))
        committer = Committer(store)
        committer.start()
        rooms = InstanceRooms(store, committer, Instance(name, REDIS_URL, prefix, lease_seconds))
        running.append(Running(store, committer, rooms))
    try:
        yield running
    finally:
        for each in running:
            await each.committer.stop()
            await each.rooms.stop()
            each.rooms.close_all()
            await asyncio.to_thread(dispose_when_returned, each.store.engine)  # as Services.stop does


def text_of(doc: Doc[Any]) -> str:
    return read_paragraphs(doc)[0].text


def joined(room: Room) -> tuple[Recorder, Peer]:
    recorder = Recorder()
    peer = recorder.peer()
    peer.start()
    room.join(peer)
    return recorder, peer


def denied(recorder: Recorder) -> list[str]:
    messages = [decode(frame) for frame in recorder.frames]
    return [m.reason for m in messages if isinstance(m, AuthMessage)]


def test_co_editing_through_two_instances_converges_and_is_committed_first(
    demo_database: str, redis_prefix: str
) -> None:
    async def scenario() -> None:
        async with instances(demo_database, redis_prefix, "a", "b", lease_seconds=60) as (a, b):
            room_a = await a.rooms.open_cold(1)
            room_b = await b.rooms.open_cold(1)
            assert room_a.replica_of is None and room_b.replica_of is not None  # a took the lease first
            _, peer_a = joined(room_a)
            _, peer_b = joined(room_b)
            room_a.receive_update(peer_a, client_edit(room_a.doc, "uno "))
            room_b.receive_update(peer_b, client_edit(room_b.doc, "dos "))
            # b does not apply its client's update: only what a commits comes back to it.
            assert "dos" not in text_of(room_b.doc)
            await until(lambda: "uno" in text_of(room_b.doc) and "dos" in text_of(room_b.doc))
            await until(lambda: text_of(room_a.doc) == text_of(room_b.doc))
            stored = await asyncio.to_thread(a.store.load, 1)
            assert text_of(stored.to_doc()) == text_of(room_a.doc)
            assert room_a.seq == room_b.seq == stored.last_seq
            # What b forwarded is still its client's: the log names the participant, not the writer.
            principal = peer_b.principal
            participant = Sender.participant(principal.user_id, principal.delegation_id)
            typed = [
                row.sender for row in a.store.log(1, after=0) if row.sender.origin is UpdateOrigin.CLIENT
            ]
            assert typed == [participant, participant]

    asyncio.run(scenario())


def test_a_lock_set_through_one_instance_holds_for_an_edit_through_another(
    demo_database: str, redis_prefix: str
) -> None:
    async def scenario() -> None:
        async with instances(demo_database, redis_prefix, "a", "b", "c", lease_seconds=60) as (a, b, c):
            rooms = [await each.rooms.open_cold(1) for each in (a, b, c)]
            room_a, room_b, room_c = rooms
            assert [room.replica_of is None for room in rooms] == [True, False, False]
            paragraph_id = str(bind(room_b.doc)[0][0])
            before, seq = text_of(room_a.doc), room_a.seq
            # The chair's lock arrives at b, a replica: it returns once a committed it, under its sender.
            chair = Sender.server(UpdateOrigin.CONSENSUS, 7)
            await room_b.edit(
                lambda doc: write_paragraph(doc, paragraph_id, ParagraphState(ParagraphStatus.AGREED, True)),
                chair,
            )
            assert bind(room_a.doc)[2][paragraph_id]["locked"] is True
            assert [row.sender for row in a.store.log(1, after=seq)] == [chair]
            attacker, peer_c = joined(room_c)
            room_c.receive_update(peer_c, client_edit(room_c.doc, "ataque "))
            await until(lambda: bool(denied(attacker)))
            assert "locked" in denied(attacker)[0] or "agreed" in denied(attacker)[0]
            for room in rooms:
                await until(lambda room=room: room.seq == room_a.seq)
                assert text_of(room.doc) == before
            stored = await asyncio.to_thread(a.store.load, 1)
            assert text_of(stored.to_doc()) == before

    asyncio.run(scenario())


def test_the_lease_moves_when_the_writer_stops_and_the_old_writer_cannot_commit(
    demo_database: str, redis_prefix: str
) -> None:
    async def scenario() -> None:
        async with instances(demo_database, redis_prefix, "a", "b") as (a, b):
            room_a = await a.rooms.open_cold(1)
            room_b = await b.rooms.open_cold(1)
            shared_a, shared_b = a.rooms.shared(1), b.rooms.shared(1)
            assert shared_a is not None and shared_b is not None
            shared_a.close()  # a hangs: it neither renews nor relays, and releases nothing
            _, peer_b = joined(room_b)
            room_b.receive_update(peer_b, client_edit(room_b.doc, "tras la caída "))  # waits in the inbox

            async def take_over() -> None:
                while room_b.replica_of is not None:
                    await shared_b.tick()
                    await asyncio.sleep(0.05)

            await asyncio.wait_for(take_over(), 5 * LEASE_SECONDS)
            assert shared_b.lease is not None and shared_b.lease.token == 2
            await until(lambda: "tras la caída" in text_of(room_b.doc))
            # a wakes up and still believes it writes: its commit is refused, its peers told to resync.
            recorder, peer_a = joined(room_a)
            room_a.receive_update(peer_a, client_edit(room_a.doc, "obsoleto "))
            await until(lambda: recorder.closed_with is not None)
            assert recorder.closed_with is not None and recorder.closed_with[0] == CLOSE_STORAGE_FAILED
            stored = await asyncio.to_thread(b.store.load, 1)
            assert "obsoleto" not in text_of(stored.to_doc())
            assert "tras la caída" in text_of(stored.to_doc())

    asyncio.run(scenario())


def test_a_replica_reads_from_the_log_what_was_committed_but_never_published(
    demo_database: str, redis_prefix: str
) -> None:
    async def scenario() -> None:
        async with instances(demo_database, redis_prefix, "a", "b", lease_seconds=60) as (a, b):
            room_a = await a.rooms.open_cold(1)
            room_b = await b.rooms.open_cold(1)
            shared_b = b.rooms.shared(1)
            assert shared_b is not None
            watcher, _ = joined(room_b)
            room_a.on_committed = None  # a dies, as it were, between each commit and its publication
            _, peer_a = joined(room_a)
            room_a.receive_update(peer_a, client_edit(room_a.doc, "nunca publicado "))
            await room_a.committed()
            await shared_b.tick()  # the log is ahead: noted
            assert "nunca publicado" not in text_of(room_b.doc)
            before = len(watcher.frames)
            await shared_b.tick()  # still ahead a tick later: read from the log
            assert "nunca publicado" in text_of(room_b.doc) and room_b.seq == room_a.seq
            await until(lambda: len(watcher.frames) > before)  # and sent to b's peers
            sent = decode(watcher.frames[-1])
            assert isinstance(sent, SyncMessage) and sent.kind is SyncType.UPDATE

    asyncio.run(scenario())


def test_a_client_whose_update_cannot_be_forwarded_is_told_to_reconnect(
    demo_database: str, redis_prefix: str
) -> None:
    async def scenario() -> None:
        async with instances(demo_database, redis_prefix, "a", "b", lease_seconds=60) as (a, b):
            await a.rooms.open_cold(1)
            room_b = await b.rooms.open_cold(1)
            working = b.rooms.redis
            b.rooms.redis = redis.asyncio.Redis.from_url("redis://127.0.0.1:1")  # Redis gone for b
            try:
                recorder, peer_b = joined(room_b)
                room_b.receive_update(peer_b, client_edit(room_b.doc, "sin relevo "))
                await until(lambda: recorder.closed_with is not None)
                assert recorder.closed_with is not None and recorder.closed_with[0] == CLOSE_RELAY_FAILED
            finally:
                await b.rooms.redis.aclose()
                b.rooms.redis = working

    asyncio.run(scenario())
