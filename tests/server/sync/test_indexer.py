"""Authorship runs are kept at the checkpoints a room writes, off the commit path, and give the same
authorship as a replay of the whole log."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from sqlalchemy import select

from drafting.authorship import authorship
from drafting.authorship_index import authorship_at
from drafting.models import DocumentCheckpoint
from drafting.store import Store
from server.sync.indexer import AuthorshipIndexer
from server.sync.rooms import Rooms
from tests.server.sync.doubles import PRINCIPAL, Recorder, client_edit, running_rooms, until


def checkpoints(store: Store) -> list[Any]:
    with store.engine.connect() as connection:
        return list(
            connection.execute(
                select(DocumentCheckpoint.seq, DocumentCheckpoint.authorship).where(
                    DocumentCheckpoint.document_id == 1
                )
            ).all()
        )


def indexed(store: Store) -> list[int]:
    return [row.seq for row in checkpoints(store) if row.authorship is not None]


async def type_words(rooms: Rooms, words: list[str]) -> None:
    """One participant types each of `words` into document 1, each committed before the next."""
    room = await rooms.open(1)
    peer = Recorder().peer()
    for typed in words:
        room.receive_update(peer, client_edit(room.doc, typed))
        await room.committed()


def test_the_checkpoints_a_room_writes_get_their_authorship(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_rooms(tmp_path, checkpoint_every=4) as (store, rooms):
            indexer = AuthorshipIndexer(store, quiet_seconds=3600)
            rooms.committer.checkpointed = indexer.checkpointed
            await type_words(rooms, [f"Migración {n} 🌎 " for n in range(9)])
            assert indexed(store) == []  # nothing while people type: it waits for a quiet moment
            await indexer.idle()
            rows = checkpoints(store)
            assert rows and all(row.authorship is not None for row in rows)
            last = store.last_seq(1)
            assert authorship_at(store, 1, last) == authorship(store.log(1))
            mine = [s for s in authorship_at(store, 1, last) if s.sender.user_id == PRINCIPAL.user_id]
            assert sum(s.end - s.start for s in mine) == sum(
                len(f"Migración {n} 🌎 ".encode("utf-16-le")) // 2 for n in range(9)
            )

    asyncio.run(scenario())


def test_indexing_starts_by_itself_once_the_document_is_quiet(tmp_path: Path) -> None:
    async def scenario() -> None:
        async with running_rooms(tmp_path, checkpoint_every=2) as (store, rooms):
            indexer = AuthorshipIndexer(store, quiet_seconds=0.05)
            rooms.committer.checkpointed = indexer.checkpointed
            await type_words(rooms, [f"Migración {n} " for n in range(3)])
            await until(lambda: bool(indexed(store)))
            await indexer.idle()

    asyncio.run(scenario())
