"""Stand-ins for the sync tests: a recording socket, a demo database, a client edit, a condition to await."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from pycrdt import Doc, Text
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from auth.principal import Principal
from drafting.database import make_engine, upgrade
from drafting.demo import load_demo
from drafting.guard import Rights
from drafting.kinds import Role
from drafting.layout import bind
from drafting.store import Store
from server.sync.committer import Committer
from server.sync.peer import Peer
from server.sync.rooms import Rooms

PRINCIPAL = Principal(1, "head.mex@demo.consenso", "Andrés", Role.HEAD, 1, "MEX")
EDITOR = Rights(edit_text=True, restructure=False)


def demo_engine(tmp: Path) -> Engine:
    engine = make_engine(f"sqlite:///{tmp / 'room.db'}")
    upgrade(engine)
    with Session(engine) as session, session.begin():
        load_demo(session)
    return engine


class Recorder:
    """A socket stand-in: frames sent, closes requested; `stuck` makes sending block forever."""

    def __init__(self, *, stuck: bool = False) -> None:
        self.frames: list[bytes] = []
        self.closed_with: tuple[int, str] | None = None
        self.stuck = stuck
        self.got_frame = asyncio.Event()

    async def send(self, frame: bytes) -> None:
        if self.stuck:
            await asyncio.Event().wait()
        self.frames.append(frame)
        self.got_frame.set()

    async def close(self, code: int, reason: str) -> None:
        self.closed_with = (code, reason)

    def peer(self, queue_limit: int = 1024) -> Peer:
        return Peer(PRINCIPAL, EDITOR, self.send, self.close, queue_limit=queue_limit)


def client_edit(room_doc: Doc, text: str) -> bytes:
    """An update a client would send: insert `text` at the start of the first paragraph."""
    return client_change(room_doc, lambda paragraph: paragraph.insert(0, text))


def client_change(room_doc: Doc, change: Callable[[Text], None]) -> bytes:
    """An update a client would send: `change` made to the first paragraph's text."""
    client: Doc = Doc()
    client.apply_update(room_doc.get_update())
    updates: list[bytes] = []
    client.observe(lambda event: updates.append(event.update))
    order, paragraphs, _ = bind(client)
    change(paragraphs[order[0]])
    return updates[0]


async def until(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    """Yield to the event loop until `condition()` holds; fail after `timeout` seconds."""

    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.001)

    await asyncio.wait_for(poll(), timeout)


@contextlib.asynccontextmanager
async def running_rooms(tmp: Path, **options: Any) -> AsyncIterator[tuple[Store, Rooms]]:
    """A store on the demo database, its committer running, and rooms over them."""
    store = Store(demo_engine(tmp))
    committer = Committer(store)
    committer.start()
    try:
        yield store, Rooms(store, committer, **options)
    finally:
        await committer.stop()
