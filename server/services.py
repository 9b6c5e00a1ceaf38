"""What the web layer holds for the life of the process: settings, database, committer and rooms."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from drafting.database import make_engine
from drafting.store import Store
from server.consensus import clock as silence_clock
from server.consensus.realign import realign_room
from server.notices import Events
from server.settings import Settings
from server.sync.awareness import PresenceLimits
from server.sync.committer import Committer
from server.sync.rooms import Rooms

T = TypeVar("T")


@dataclass
class Services:
    settings: Settings
    engine: Engine
    store: Store
    events: Events = field(default_factory=Events)
    committer: Committer | None = None
    rooms: Rooms | None = None
    _incorporations: dict[int, asyncio.Lock] = field(default_factory=dict)

    @classmethod
    def create(cls, settings: Settings) -> Services:
        engine = make_engine(settings.database_url, synchronous=settings.sqlite_synchronous)
        return cls(settings=settings, engine=engine, store=Store(engine))

    async def start(self) -> None:
        self.committer = Committer(self.store)
        self.committer.start()
        self.rooms = Rooms(
            self.store,
            self.committer,
            idle_seconds=self.settings.room_idle_seconds,
            checkpoint_every=self.settings.checkpoint_every,
            guard=self.settings.guard,
            presence=PresenceLimits(
                state_bytes=self.settings.presence_state_bytes,
                clients_per_connection=self.settings.presence_clients_per_connection,
                interval_seconds=self.settings.presence_interval_ms / 1000,
            ),
            on_open=lambda room: realign_room(self, room),
        )
        await silence_clock.start(self)

    async def stop(self) -> None:
        await silence_clock.stop(self)
        if self.committer is not None:
            await self.committer.stop()
        if self.rooms is not None:
            await self.rooms.checkpoint_all()
            self.rooms.close_all()
        self.engine.dispose()

    def incorporation_lock(self, document_id: int) -> asyncio.Lock:
        """One amendment incorporated at a time per document (in this process)."""
        return self._incorporations.setdefault(document_id, asyncio.Lock())

    async def in_session(self, work: Callable[[Session], T]) -> T:
        """Run `work` in a database transaction on a worker thread; commit if it returns."""

        def run() -> T:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                return work(session)

        return await asyncio.to_thread(run)
