"""The rooms of one instance among several sharing PostgreSQL and Redis (docs/decisions/0043).

Every instance with sockets on a document holds a room for it, writer or replica (server/sync/relay.py).
Every third of a lease's length the writer renews its leases and the replicas try to take theirs: when a
writer dies its lease runs out and a replica takes it with a new token, reads the log past what it holds,
and writes from there. A writer that fails to renew (it was taken over) drops the room: its clients
reconnect and resync. Presence goes to the other instances over pub/sub (server/pubsub.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from drafting import leases
from drafting.clock import utcnow
from drafting.errors import StorageUnavailable
from drafting.store import Store
from server import redis_link
from server.pubsub import Bus
from server.sync.committer import Committer
from server.sync.protocol import AwarenessEntry
from server.sync.relay import Instance, Relay
from server.sync.room import Room
from server.sync.rooms import Rooms

log = logging.getLogger(__name__)


class InstanceRooms(Rooms):
    """Rooms of one instance among several (see the module's docstring)."""

    def __init__(
        self, store: Store, committer: Committer, instance: Instance, bus: Bus | None = None, **options: Any
    ) -> None:
        realign: Callable[[Room], Awaitable[None]] | None = options.pop("on_open", None)
        super().__init__(store, committer, **options)
        self.instance = instance
        self.bus = bus  # presence goes to the other instances through it (the caller subscribes `presence`)
        self.realign = realign  # run by the writer only, once it holds the lease
        self.redis: Any = redis_link.connect(instance.redis_url)
        self._shared: dict[int, Relay] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._ticker: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._ticker = asyncio.create_task(self._tick_forever(), name="leases")

    async def stop(self) -> None:
        """Let go of every lease at once, so another instance writes without waiting for them to run out."""
        if self._ticker is not None:
            self._ticker.cancel()
        for shared in list(self._shared.values()):
            await shared.flush(timeout=2.0)
        held = [shared.lease for shared in self._shared.values() if shared.lease is not None]
        tasks = [task for shared in self._shared.values() for task in shared.tasks()]
        for shared in self._shared.values():
            shared.close()
            shared.lease = None
        with contextlib.suppress(
            TimeoutError
        ):  # a worker thread stuck on the database must not hang the stop
            await asyncio.wait_for(asyncio.gather(*tasks, *self._tasks, return_exceptions=True), 10)
        for lease in held:
            with contextlib.suppress(StorageUnavailable):
                await asyncio.to_thread(leases.release, self.store.engine, lease, now=utcnow())
        await self.redis.aclose()
        await self.redis.connection_pool.disconnect()

    async def open_cold(self, document_id: int) -> Room:
        room = await super().open_cold(document_id)
        shared = self._shared.get(document_id)
        if shared is None or shared.room is not room:
            shared = Relay(self, room)
            self._shared[document_id] = shared
            self.share_presence(room)
            try:
                await shared.start()
            except BaseException as exc:
                shared.started.set_exception(exc)
                shared.started.exception()
                self.drop(document_id)
                raise
            shared.started.set_result(None)
        else:
            await asyncio.shield(shared.started)
        return room

    def share_presence(self, room: Room) -> None:
        bus = self.bus
        if bus is None:
            return

        def publish(entries: list[AwarenessEntry]) -> None:
            bus.publish(
                "presence",
                {
                    "document_id": room.document_id,
                    "from": self.instance.instance_id,
                    "entries": [[e.client_id, e.clock, e.state] for e in entries],
                },
            )

        room.presence.on_flush = publish

    def presence_arrived(self, message: dict[str, Any]) -> None:
        """Presence another instance published (server/pubsub.py): merged into the document's room here."""
        if message.get("from") == self.instance.instance_id:
            return
        shared = self._shared.get(int(message["document_id"]))
        if shared is not None and shared.started.done():
            shared.room.presence.merge(
                [AwarenessEntry(int(c), int(k), str(v)) for c, k, v in message["entries"]]
            )

    async def caught_up(self, room: Room) -> None:
        shared = self._shared.get(room.document_id)
        if shared is not None and shared.room is room and room.replica_of is not None:
            await shared.catch_up()

    def shared(self, document_id: int) -> Relay | None:
        return self._shared.get(document_id)

    def drop(self, document_id: int) -> None:
        self._drop(document_id)

    def _drop(self, document_id: int) -> None:
        shared = self._shared.pop(document_id, None)
        if shared is not None:
            shared.close()
            if shared.lease is not None:
                lease = shared.lease
                self.background(asyncio.to_thread(leases.release, self.store.engine, lease, now=utcnow()))
        super()._drop(document_id)

    def background(self, work: Awaitable[Any]) -> None:
        task: asyncio.Task[Any] = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _tick_forever(self) -> None:
        while True:
            await asyncio.sleep(self.instance.lease_seconds / 3)
            for shared in list(self._shared.values()):
                try:
                    await shared.tick()
                except StorageUnavailable as exc:
                    log.warning("lease of document %s: %s", shared.room.document_id, exc)
                except Exception:
                    # The lease loop must outlive one document's failure (realign, Redis): log the cause.
                    log.exception("lease of document %s: tick failed", shared.room.document_id)
