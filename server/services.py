"""What the web layer holds for the life of the process: settings, database, committer, rooms, live
notices, the consensus workflow with its silence clock, and the watch that ends open connections whose
credential ended."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, TypeVar

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from auth.credentials import ended_standings
from auth.endings import Ending, EndReason, Standing, noted_endings
from drafting.clock import utcnow
from drafting.database import dispose_when_returned, make_engine
from drafting.store import Store
from server.consensus.clock import SilenceClock
from server.consensus.locks import DocumentLocks
from server.consensus.workflow import ConsensusWorkflow
from server.health import Health
from server.notices import Notices
from server.pubsub import Bus, SharedEndings
from server.settings import Settings
from server.signin.watch import EndingsChannel, InProcessEndings, Watch
from server.sync.awareness import PresenceLimits
from server.sync.committer import Committer
from server.sync.indexer import AuthorshipIndexer
from server.sync.instances import InstanceRooms
from server.sync.relay import Instance
from server.sync.rooms import Rooms

T = TypeVar("T")


@dataclass
class Services:
    settings: Settings
    engine: Engine
    store: Store
    endings: EndingsChannel
    watch: Watch
    notices: Notices
    committer: Committer | None = None
    rooms: Rooms | None = None
    bus: Bus | None = None  # several instances: notices and endings through Redis
    consensus: ConsensusWorkflow = field(init=False)
    silence_clock: SilenceClock = field(init=False)

    indexer: AuthorshipIndexer = field(init=False)
    health: Health = field(init=False)

    def __post_init__(self) -> None:
        self.indexer = AuthorshipIndexer(self.store)
        self.health = Health.of(self.settings.database_url, self.bus)
        self.consensus = ConsensusWorkflow(
            self.in_session,
            lambda: self.rooms,
            self.notices,
            default_silence=timedelta(hours=self.settings.silence_hours),
            # Several instances: the lock of each document's consensus changes is PostgreSQL's.
            locks=DocumentLocks(self.engine if self.settings.instance_id is not None else None),
            layout=self.settings.layout,
        )
        self.silence_clock = SilenceClock(self.consensus)
        self.consensus.deadlines_changed = self.silence_clock.wake
        bus = self.bus
        if bus is not None:
            # Every instance's clock looks again, so the deadline fires even if this instance is gone by then.
            self.consensus.deadlines_changed = lambda: bus.publish("deadlines", {})
            bus.subscribe("deadlines", lambda _message: self.silence_clock.wake())

    @classmethod
    def create(cls, settings: Settings) -> Services:
        engine = make_engine(settings.database_url, synchronous=settings.sqlite_synchronous)

        async def check(standings: Collection[Standing]) -> dict[Standing, EndReason]:
            now = utcnow()
            return await services.in_session(lambda session: ended_standings(session, standings, now))

        bus = None
        endings: EndingsChannel = InProcessEndings()
        if settings.instance_id is not None and settings.redis_url is not None:
            bus = Bus(settings.redis_url, settings.redis_prefix)
            endings = SharedEndings(bus)
        watch = Watch(endings, check, interval=settings.credential_check_seconds)
        services = cls(settings, engine, Store(engine), endings, watch, Notices(watch, bus), bus=bus)
        if bus is not None:
            bus.subscribe("presence", services._presence)
        return services

    def _presence(self, message: dict[str, Any]) -> None:
        if isinstance(self.rooms, InstanceRooms):
            self.rooms.presence_arrived(message)

    async def start(self) -> None:
        if self.bus is not None:
            await self.bus.start()
        self.committer = Committer(self.store)
        self.committer.checkpointed = self.indexer.checkpointed
        self.committer.start()
        options: dict[str, Any] = dict(
            idle_seconds=self.settings.room_idle_seconds,
            checkpoint_every=self.settings.checkpoint_every,
            guard=self.settings.guard,
            presence=PresenceLimits(
                state_bytes=self.settings.presence_state_bytes,
                clients_per_connection=self.settings.presence_clients_per_connection,
                interval_seconds=self.settings.presence_interval_ms / 1000,
            ),
            layout=self.settings.layout,
            on_open=self.consensus.realign,
        )
        settings = self.settings
        if settings.instance_id is not None and settings.redis_url is not None:
            instance = Instance(
                settings.instance_id, settings.redis_url, settings.redis_prefix, settings.lease_seconds
            )
            shared = InstanceRooms(self.store, self.committer, instance, self.bus, **options)
            shared.start()
            self.rooms = shared
        else:
            self.rooms = Rooms(self.store, self.committer, **options)
        await self.silence_clock.start()
        self.watch.start()

    async def stop(self) -> None:
        await self.watch.stop()
        await self.silence_clock.stop()
        if self.committer is not None:
            await self.committer.stop()
        if self.rooms is not None:
            await self.rooms.checkpoint_all()
            if isinstance(self.rooms, InstanceRooms):
                await self.rooms.stop()
            self.rooms.close_all()
        await self.indexer.idle()
        if self.bus is not None:
            await self.bus.stop()
        self.health.close()
        await asyncio.to_thread(dispose_when_returned, self.engine)

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
