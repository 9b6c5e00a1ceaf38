"""What the web layer holds for the life of the process: settings, database, committer, rooms, live
notices and the consensus workflow with its silence clock."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from drafting.database import make_engine
from drafting.store import Store
from server.consensus.clock import SilenceClock
from server.consensus.workflow import ConsensusWorkflow
from server.notices import Notices
from server.settings import Settings
from server.sync.committer import Committer
from server.sync.rooms import Rooms

T = TypeVar("T")


@dataclass
class Services:
    settings: Settings
    engine: Engine
    store: Store
    notices: Notices = field(default_factory=Notices)
    committer: Committer | None = None
    rooms: Rooms | None = None
    consensus: ConsensusWorkflow = field(init=False)
    silence_clock: SilenceClock = field(init=False)

    def __post_init__(self) -> None:
        self.consensus = ConsensusWorkflow(
            self.in_session,
            lambda: self.rooms,
            self.notices,
            default_silence=timedelta(hours=self.settings.silence_hours),
        )
        self.silence_clock = SilenceClock(self.consensus)
        self.consensus.deadlines_changed = self.silence_clock.wake

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
            on_open=self.consensus.realign,
        )
        await self.silence_clock.start()

    async def stop(self) -> None:
        await self.silence_clock.stop()
        if self.committer is not None:
            await self.committer.stop()
        if self.rooms is not None:
            await self.rooms.checkpoint_all()
            self.rooms.close_all()
        self.engine.dispose()

    async def in_session(self, work: Callable[[Session], T]) -> T:
        """Run `work` in a database transaction on a worker thread; commit if it returns."""

        def run() -> T:
            with Session(self.engine, expire_on_commit=False) as session, session.begin():
                return work(session)

        return await asyncio.to_thread(run)
