"""Rooms without sockets: slow peers, idle unloading, checkpoints and commit-before-broadcast."""

from __future__ import annotations

import asyncio
from pathlib import Path

from pycrdt import Doc

from drafting.guard import Rights
from drafting.kinds import UpdateOrigin
from drafting.languages import stale_list
from drafting.layout import bind, read_paragraphs
from drafting.senders import Sender
from drafting.store import Store
from server.sync.committer import Committer
from server.sync.peer import CLOSE_TOO_SLOW, Peer
from server.sync.protocol import SyncType, decode, encode_sync
from server.sync.room import Room
from server.sync.rooms import Rooms
from server.sync_socket import dispatch
from tests.server.sync.doubles import (
    EDITOR,
    PRINCIPAL,
    Recorder,
    client_change,
    client_edit,
    demo_engine,
    running_rooms,
    until,
)


def test_a_peer_that_cannot_keep_up_is_disconnected_and_the_others_are_served(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = Store(demo_engine(tmp_path))
        committer = Committer(store)
        committer.start()
        rooms = Rooms(store, committer)
        room = await rooms.open(1)
        slow, fast = Recorder(stuck=True), Recorder()
        slow_peer, fast_peer = slow.peer(queue_limit=4), fast.peer()
        for peer in (slow_peer, fast_peer):
            peer.start()
            room.join(peer)
        for n in range(10):  # each its own commit, so each its own broadcast
            room.apply_client_update(client_edit(room.doc, f"ñ{n} "), EDITOR)
            await room.committed()
        assert slow_peer.closed
        await until(lambda: slow.closed_with is not None)
        assert slow.closed_with is not None and slow.closed_with[0] == CLOSE_TOO_SLOW
        assert not fast_peer.closed
        await until(lambda: len(fast.frames) >= 2)
        await committer.stop()

    asyncio.run(scenario())


def test_an_update_is_stored_before_any_peer_is_sent_it(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = Store(demo_engine(tmp_path))
        committer = Committer(store)
        committer.start()
        room = await Rooms(store, committer).open(1)
        watcher = Recorder()
        stored_when_sent: list[str] = []

        async def send(frame: bytes) -> None:
            message = decode(frame)
            if getattr(message, "kind", None) is SyncType.UPDATE:
                stored_when_sent.append(read_paragraphs(store.load(1).to_doc())[0].text)
            await watcher.send(frame)

        peer = Peer(PRINCIPAL, EDITOR, send, watcher.close)
        peer.start()
        room.join(peer)
        room.apply_client_update(client_edit(room.doc, "Migración segura 🌎 "), EDITOR)
        await until(lambda: bool(stored_when_sent))
        assert stored_when_sent[0].startswith("Migración segura 🌎 ")
        await committer.stop()

    asyncio.run(scenario())


def test_checkpoints_fold_the_log_and_the_room_reopens_from_them(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = Store(demo_engine(tmp_path))
        committer = Committer(store)
        committer.start()
        rooms = Rooms(store, committer, checkpoint_every=5, idle_seconds=0)
        room = await rooms.open(1)
        for n in range(12):
            room.apply_client_update(client_edit(room.doc, f"{n}é "), EDITOR)
        await room.committed()
        expected = read_paragraphs(room.doc)[0].text
        stored = store.load(1)
        assert stored.checkpoint_seq == 10
        assert len(stored.tail) == stored.last_seq - 10
        assert read_paragraphs(stored.to_doc())[0].text == expected
        rooms.left(room)
        await until(lambda: rooms.loaded(1) is None)
        reopened = await rooms.open(1)
        assert reopened is not room
        assert read_paragraphs(reopened.doc)[0].text == expected
        await committer.stop()

    asyncio.run(scenario())


def test_a_room_in_use_is_not_unloaded(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = Store(demo_engine(tmp_path))
        committer = Committer(store)
        committer.start()
        rooms = Rooms(store, committer, idle_seconds=0)
        room = await rooms.open(1)
        peer = Recorder().peer()
        room.join(peer)
        rooms.left(room)  # someone else left; this peer is still in
        await asyncio.sleep(0)  # let the zero-second timer run (no waiting on time: it is due now)
        await asyncio.sleep(0)
        assert rooms.loaded(1) is room
        await committer.stop()

    asyncio.run(scenario())


def test_sync_step2_answers_only_committed_state(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = Store(demo_engine(tmp_path))
        committer = Committer(store)
        committer.start()
        room = await Rooms(store, committer).open(1)
        late = Recorder()
        peer = late.peer()
        peer.start()
        room.apply_client_update(client_edit(room.doc, "Pendiente "), EDITOR)
        await room.sync_step1(peer, Doc().get_state())
        assert room.committed_all()
        assert read_paragraphs(store.load(1).to_doc())[0].text.startswith("Pendiente ")
        await committer.stop()

    asyncio.run(scenario())


def test_encode_sync_round_trip() -> None:
    frame = encode_sync(SyncType.UPDATE, b"\x00\x00")
    assert decode(frame).payload == b"\x00\x00"  # type: ignore[union-attr]


def test_without_the_guard_updates_apply_as_sent(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = Store(demo_engine(tmp_path))
        committer = Committer(store)
        committer.start()
        room = await Rooms(store, committer, guard=False).open(1)
        verdict = room.apply_client_update(
            client_edit(room.doc, "Sin guardia "), Rights(edit_text=False, restructure=False)
        )
        assert verdict.accepted
        assert read_paragraphs(room.doc)[0].text.startswith("Sin guardia ")
        await committer.stop()

    asyncio.run(scenario())


def test_a_room_let_go_folds_its_log_into_a_checkpoint(tmp_path: Path) -> None:
    async def scenario() -> None:
        store = Store(demo_engine(tmp_path))
        committer = Committer(store)
        committer.start()
        rooms = Rooms(store, committer, checkpoint_every=500, idle_seconds=0)
        room = await rooms.open(1)
        for n in range(7):
            room.apply_client_update(client_edit(room.doc, f"{n}ñ "), EDITOR)
        await room.committed()
        rooms.left(room)
        await until(lambda: rooms.loaded(1) is None)
        await rooms.flush_checkpoints()
        stored = store.load(1)
        assert (stored.checkpoint_seq, stored.tail) == (room.seq, [])
        assert read_paragraphs(stored.to_doc())[0].text.startswith("6ñ 5ñ ")
        await committer.stop()

    asyncio.run(scenario())


def test_a_new_clients_first_sync_is_answered_from_the_stored_state_before_the_room_decodes_it(
    tmp_path: Path,
) -> None:
    async def scenario() -> None:
        async with running_rooms(tmp_path) as (store, rooms):
            room = await rooms.open_cold(1)
            assert not room.is_ready and rooms.loaded(1) is None
            recorder = Recorder()
            peer = recorder.peer()
            peer.start()
            room.join(peer)
            await room.sync_step1(peer, Doc().get_state())
            assert not room.is_ready  # answered before anything was decoded
            answer = decode(recorder.frames[0])
            assert getattr(answer, "kind", None) is SyncType.STEP2
            fresh: Doc = Doc()
            fresh.apply_update(answer.payload)  # type: ignore[union-attr]
            assert read_paragraphs(fresh) == read_paragraphs(store.load(1).to_doc())
            await until(lambda: room.is_ready)  # decoded once the answer has left
            await until(
                lambda: any(getattr(decode(f), "kind", None) is SyncType.STEP1 for f in recorder.frames)
            )
            assert rooms.loaded(1) is room

    asyncio.run(scenario())


def test_an_update_to_a_cold_room_waits_until_it_is_decoded_and_realigned(tmp_path: Path) -> None:
    happened: list[str] = []

    async def on_open(room: Room) -> None:
        await asyncio.sleep(0)  # the hook reads the database in a thread: it yields
        happened.append("realigned")

    async def scenario() -> None:
        async with running_rooms(tmp_path, on_open=on_open) as (store, rooms):
            room = await rooms.open_cold(1)
            peer = Recorder().peer()
            peer.start()
            room.join(peer)
            edit = client_edit(store.load(1).to_doc(), "Después ")
            await dispatch(room, peer, encode_sync(SyncType.UPDATE, edit))
            happened.append("applied")
            assert happened == ["realigned", "applied"]
            await room.committed()
            assert read_paragraphs(store.load(1).to_doc())[0].text.startswith("Después ")

    asyncio.run(scenario())


def test_a_client_that_has_part_of_the_document_is_answered_once_the_room_is_ready(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_rooms(tmp_path) as (store, rooms):
            room = await rooms.open_cold(1)
            recorder = Recorder()
            peer = recorder.peer()
            peer.start()
            known = store.load(1).to_doc()
            await room.sync_step1(peer, known.get_state())
            assert room.is_ready
            answer = decode(recorder.frames[-1])
            assert getattr(answer, "kind", None) is SyncType.STEP2
            known.apply_update(answer.payload)  # type: ignore[union-attr]
            assert read_paragraphs(known) == read_paragraphs(room.doc)

    asyncio.run(scenario())


def test_a_client_that_sends_no_sync_step_1_still_gets_the_servers(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_rooms(tmp_path) as (_store, rooms):
            room = await rooms.open_cold(1)
            recorder = Recorder()
            peer = recorder.peer()
            peer.start()
            room.join(peer)
            await until(lambda: bool(recorder.frames))
            assert room.is_ready
            assert getattr(decode(recorder.frames[0]), "kind", None) is SyncType.STEP1

    asyncio.run(scenario())


def test_each_update_of_the_log_names_its_sender(tmp_path: Path) -> None:
    """A client's update is its user's and delegation's; a server edit is what caused it."""

    async def scenario() -> None:
        async with running_rooms(tmp_path) as (store, rooms):
            room = await rooms.open(1)
            before = room.seq
            recorder = Recorder()
            peer = recorder.peer()
            room.receive_update(peer, client_edit(room.doc, "Migración 🌎 "))
            await room.committed()
            first, *upkeep = list(store.log(1, after=before))
            assert first.sender == Sender.participant(PRINCIPAL.user_id, PRINCIPAL.delegation_id)
            # The demo declaration has a Spanish version: its stale mark is the server's layout upkeep.
            assert [row.sender for row in upkeep] == [Sender.server(UpdateOrigin.LABELS)]
            before = room.seq
            await room.edit(lambda doc: None, Sender.server(UpdateOrigin.RESTORE, 7))  # nothing changes
            assert room.seq == before
            await room.edit(
                lambda doc: bind(doc)[1][read_paragraphs(doc)[0].id].insert(0, "¡"),
                Sender.server(UpdateOrigin.RESTORE, 7),
            )
            rows = list(store.log(1, after=before))
            assert [row.sender.origin for row in rows] == [UpdateOrigin.RESTORE]
            assert rows[0].sender.user_id == 7 and store.verify_log(1) == []

    asyncio.run(scenario())


def test_a_keystroke_writes_stale_marks_only_when_they_change(tmp_path: Path) -> None:
    """The room asks the guard's copy of `info` first: typing on into a paragraph already stale writes
    no upkeep; typing it back to the confirmed text makes the translation current again."""

    def edit(doc: Doc, change: str) -> bytes:
        if change == "delete":
            return client_change(doc, lambda text: text.__delitem__(slice(0, 1)))
        return client_edit(doc, change)

    def stale(doc: Doc) -> bool:
        return bool(stale_list(doc))

    async def scenario() -> None:
        async with running_rooms(tmp_path) as (store, rooms):
            room = await rooms.open(1)
            assert not stale(room.doc)
            upkeep = []
            for change in ("a", "b", "delete", "delete"):
                before = room.seq
                room.receive_update(Recorder().peer(), edit(room.doc, change))
                await room.committed()
                rows = list(store.log(1, after=before))
                upkeep.append(len(rows) - 1)
            assert upkeep == [1, 0, 0, 1]  # stale, still stale, still stale, current again
            assert not stale(room.doc)

    asyncio.run(scenario())
