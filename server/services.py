"""What the web layer holds for the life of the process: settings, database, committer, rooms, and the watch
that ends open connections whose credential ended."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from auth.credentials import ended_standings
from auth.endings import Ending, EndReason, Standing, noted_endings
from drafting.database import make_engine
from drafting.store import Store
from server.consensus import clock as silence_clock
from server.consensus.realign import realign_room
from server.notices import Events
from server.settings import Settings
from server.signin.watch import EndingsChannel, InProcessEndings, Watch
from server.sync.committer import Committer
from server.sync.rooms import Rooms

T = TypeVar("T")


@dataclass
class Services:
    settings: Settings
    engine: Engine
    store: Store
    endings: EndingsChannel
    watch: Watch
    events: Events
    committer: Committer | None = None
    rooms: Rooms | None = None
    _incorporations: dict[int, asyncio.Lock] = field(default_factory=dict)

    @classmethod
    def create(cls, settings: Settings) -> Services:
        engine = make_engine(settings.database_url, synchronous=settings.sqlite_synchronous)

        async def check(standings: Collection[Standing]) -> dict[Standing, EndReason]:
            now = datetime.now(UTC)
            return await services.in_session(lambda session: ended_standings(session, standings, now))

        endings = InProcessEndings()
        watch = Watch(endings, check, interval=settings.credential_check_seconds)
        services = cls(settings, engine, Store(engine), endings, watch, Events(watch))
        return services

    async def start(self) -> None:
        self.committer = Committer(self.store)
        self.committer.start()
        self.rooms = Rooms(
            self.store,
            self.committer,
            idle_seconds=self.settings.room_idle_seconds,
            checkpoint_every=self.settings.checkpoint_every,
            guard=self.settings.guard,
            on_open=lambda room: realign_room(self, room),
        )
        await silence_clock.start(self)
        self.watch.start()

    async def stop(self) -> None:
        await self.watch.stop()
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
        """Run `work` in a database transaction on a worker thread; commit if it returns. The credential
        endings it noted (auth/endings.py) are published once it has committed."""

        def run() -> tuple[T, list[Ending]]:
            with Session(self.engine, expire_on_commit=False) as session:
                with session.begin():
                    result = work(session)
                return result, noted_endings(session)

        result, endings = await asyncio.to_thread(run)
        for ending in endings:
            self.endings.publish(ending)
        return result
