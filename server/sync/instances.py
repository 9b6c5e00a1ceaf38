"""Rooms shared by several instances through Redis and one lease per document (docs/decisions/0043).

Every instance with sockets on a document holds a room for it. The one holding the document's lease
(drafting/leases.py) is its writer: it guards and commits, naming the lease's token in each commit, and
then adds what it committed, with the log's numbers, to the document's `committed` stream. The others are
replicas: what their clients send goes to the document's `inbox` stream, which the writer reads; server
edits made there (the consensus workflow) are sent the same way and wait for the writer's word. A replica
reads the `committed` stream in order, applies each update to its document and sends it to its own peers,
so nobody anywhere is sent what is not committed; a gap in the numbers is read from the log.

Every third of a lease's length the writer renews its leases and the replicas try to take theirs: when a
writer dies its lease runs out and a replica takes it with a new token, reads the log past what it holds,
and writes from there. A writer that fails to renew (it was taken over) drops the room: its clients
reconnect and resync.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

import redis.asyncio
from redis.exceptions import RedisError

from drafting import leases
from drafting.clock import utcnow
from drafting.errors import MalformedUpdate, StorageUnavailable
from drafting.guard import Rights
from drafting.leases import Lease
from drafting.senders import Sender
from drafting.store import PendingUpdate, Store
from server.pubsub import Bus
from server.sync.committer import Committer
from server.sync.peer import Peer
from server.sync.protocol import AwarenessEntry, encode_permission_denied
from server.sync.room import Room
from server.sync.rooms import Rooms

log = logging.getLogger(__name__)

STREAM_LENGTH = 10_000  # entries kept per stream (approximately); a replica further behind reads the log
READ_BLOCK_MS = 1000
READ_COUNT = 500
CLOSE_INVALID_PAYLOAD = 1007
CLOSE_RELAY_FAILED = 1011


@dataclass(frozen=True)
class Instance:
    """This process among several: its name, the Redis they share, and the lease's length."""

    instance_id: str
    redis_url: str
    prefix: str = "consenso"
    lease_seconds: float = 6.0


class _Shared:
    """One room's part in the several instances: writer or replica, and the tasks that relay for it."""

    def __init__(self, rooms: InstanceRooms, room: Room) -> None:
        self.rooms = rooms
        self.room = room
        self.instance = rooms.instance
        key = f"{self.instance.prefix}:doc:{room.document_id}"
        self.inbox, self.committed, self.inbox_done = f"{key}:inbox", f"{key}:committed", f"{key}:inbox-done"
        self.lease: Lease | None = None
        self.started: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._reader: asyncio.Task[None] | None = None
        self._outgoing: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._publisher: asyncio.Task[None] | None = None
        self._to_inbox: asyncio.Queue[tuple[dict[str, Any], Peer | None]] = asyncio.Queue()
        self._forwarder: asyncio.Task[None] | None = None
        self._behind: int | None = None  # a replica's number when the log was last seen ahead of it
        self._acks: dict[str, asyncio.Future[None]] = {}
        self._ack_ids = 0
        self._last_committed_id = "0-0"
        self.closed = False

    @property
    def redis(self) -> Any:
        return self.rooms.redis

    # -- start, promotion, end ----------------------------------------------------------------------

    async def start(self) -> None:
        room = self.room
        room.replica_of = self  # until the lease is ours: nothing is guarded or committed here
        self._forwarder = asyncio.create_task(self._forward(), name=f"forwarder-{room.document_id}")
        await room.ready()
        newest = await self.redis.xrevrange(self.committed, count=1)
        self._last_committed_id = newest[0][0].decode() if newest else "0-0"
        lease = await asyncio.to_thread(self._take)
        if lease is not None:
            await self.promote(lease)
        else:
            await self.catch_up()
            self._reader = asyncio.create_task(self._read_committed(), name=f"replica-{room.document_id}")

    def _take(self) -> Lease | None:
        return leases.take(
            self.rooms.store.engine,
            self.room.document_id,
            self.instance.instance_id,
            now=utcnow(),
            seconds=self.instance.lease_seconds,
        )

    async def promote(self, lease: Lease) -> None:
        """The lease is ours: read the log past our replica, then write."""
        await self._stop_reader()
        self.lease = lease
        await self.catch_up()
        self.room.fence = lease.token
        self.room.replica_of = None
        self.room.on_committed = self._committed
        self._publisher = asyncio.create_task(self._publish(), name=f"publisher-{self.room.document_id}")
        self._reader = asyncio.create_task(self._read_inbox(), name=f"writer-{self.room.document_id}")
        log.info("instance %s writes document %s (token %s)", lease.holder, lease.document_id, lease.token)
        if self.rooms.realign is not None:
            await self.rooms.realign(self.room)

    async def catch_up(self, upto: int | None = None) -> None:
        """Apply what the log holds past this replica (up to `upto`)."""
        room = self.room
        missing = await asyncio.to_thread(
            lambda: list(self.rooms.store.updates_between(room.document_id, room.seq, upto))
        )
        for seq, update in missing:
            if seq > room.seq:  # the stream's reader may have applied it meanwhile
                room.apply_committed(seq, update)

    async def tick(self) -> None:
        """Renew the lease if this is the writer, or try to take it if the writer is gone."""
        if self.closed or not self.started.done():
            return
        if self.lease is not None:
            renewed = await asyncio.to_thread(
                leases.renew,
                self.rooms.store.engine,
                self.lease,
                now=utcnow(),
                seconds=self.instance.lease_seconds,
            )
            if renewed is None:
                log.warning("document %s: another instance took the lease over", self.room.document_id)
                self.room.storage_failed("another instance writes this document now")
                self.rooms.drop(self.room.document_id)
            else:
                self.lease = renewed
            return
        lease = await asyncio.to_thread(self._take)
        if lease is not None and not self.closed:
            await self.promote(lease)
            return
        await self._check_behind()

    async def _check_behind(self) -> None:
        """A replica the log stays ahead of for a whole tick (a publish lost: Redis restarted, a writer
        died between commit and publish) reads what it lacks from the log."""
        room = self.room
        last = await asyncio.to_thread(self.rooms.store.last_seq, room.document_id)
        if last <= room.seq:
            self._behind = None
        elif self._behind is not None and room.seq <= self._behind:
            log.warning(
                "document %s: the committed stream is behind the log; reading the log", room.document_id
            )
            await self.catch_up()
            self._behind = None
        else:
            self._behind = room.seq

    async def _stop_reader(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None and reader is not asyncio.current_task():
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader

    def close(self) -> None:
        self.closed = True
        for task in self.tasks():
            task.cancel()
        for ack in self._acks.values():
            if not ack.done():
                ack.set_exception(StorageUnavailable("the document was closed on this instance"))
        self._acks.clear()

    def tasks(self) -> list[asyncio.Task[None]]:
        return [task for task in (self._reader, self._publisher, self._forwarder) if task is not None]

    # -- as a replica: forwarding to the writer, taking what it committed -------------------------

    def forward(self, peer: Peer, update: bytes, sender: Sender) -> None:
        fields = {
            "update": update,
            "edit": int(peer.rights.edit_text),
            "restructure": int(peer.rights.restructure),
            "translate": int(peer.rights.translate),
            "sender": json.dumps(sender.as_json()),
            "from": self.instance.instance_id,
            "peer": peer.id,
        }
        self._to_inbox.put_nowait((fields, peer))

    async def forward_edit(self, update: bytes, sender: Sender) -> None:
        self._ack_ids += 1
        ack_id = f"{self.instance.instance_id}/{self._ack_ids}"
        done = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = done
        self._to_inbox.put_nowait(
            (
                {
                    "update": update,
                    "server": 1,
                    "sender": json.dumps(sender.as_json()),
                    "from": self.instance.instance_id,
                    "ack": ack_id,
                },
                None,
            )
        )
        try:
            await asyncio.wait_for(asyncio.shield(done), 3 * self.instance.lease_seconds)
        except TimeoutError as exc:
            raise StorageUnavailable("no instance took the change to this document in time") from exc
        finally:
            self._acks.pop(ack_id, None)

    async def _forward(self) -> None:
        """Add to the writer's inbox in the order received (one task, so one order per client)."""
        while True:
            batch = [await self._to_inbox.get()]
            while not self._to_inbox.empty():
                batch.append(self._to_inbox.get_nowait())
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for fields, _ in batch:
                        pipe.xadd(self.inbox, fields, maxlen=STREAM_LENGTH, approximate=True)
                    await pipe.execute()
            except (RedisError, OSError) as exc:
                # Those clients' later updates would depend on these: they reconnect and resend all.
                log.error(
                    "document %s: could not forward %d updates: %s", self.room.document_id, len(batch), exc
                )
                for _, peer in batch:
                    if peer is not None:
                        peer.close(CLOSE_RELAY_FAILED, "the server could not pass your change on; reconnect")

    async def _read(self, stream: str, after: str) -> list[tuple[bytes, dict[bytes, bytes]]]:
        """The entries of `stream` after id `after`, waiting a while for some; none if Redis failed.

        Ids are Redis's clock in milliseconds, so a Redis that restarted empty gives later ones still."""
        try:
            found = await self.redis.xread({stream: after}, block=READ_BLOCK_MS, count=READ_COUNT)
        except (RedisError, OSError) as exc:
            log.error("document %s: cannot read %s: %s", self.room.document_id, stream, exc)
            await asyncio.sleep(1.0)  # Redis is away: look again shortly
            return []
        return [entry for _, entries in found for entry in entries]

    async def _read_committed(self) -> None:
        while True:
            for entry_id, fields in await self._read(self.committed, self._last_committed_id):
                self._last_committed_id = entry_id.decode()
                await self._take_committed(fields)

    async def _take_committed(self, fields: dict[bytes, bytes]) -> None:
        room = self.room
        if b"seq" in fields:
            seq = int(fields[b"seq"])
            if seq <= room.seq:
                return
            if seq > room.seq + 1:
                await self.catch_up(seq - 1)  # committed, but not published (or trimmed): from the log
            room.apply_committed(seq, fields[b"update"])
        elif fields.get(b"to", b"").decode() == self.instance.instance_id:
            self.told(fields)

    def told(self, fields: dict[bytes, bytes]) -> None:
        """The writer's word for this instance: a server edit committed, or a peer's update refused."""
        if b"ack" in fields:
            ack = self._acks.get(fields[b"ack"].decode())
            if ack is not None and not ack.done():
                ack.set_result(None)
            return
        peer_id = int(fields[b"peer"])
        for peer in list(self.room.peers):
            if peer.id == peer_id:
                reason = fields[b"reason"].decode()
                if b"close" in fields:
                    peer.close(int(fields[b"close"]), reason)
                else:
                    peer.send(encode_permission_denied(reason))

    # -- as the writer: taking forwarded updates, publishing what was committed --------------------

    async def _read_inbox(self) -> None:
        done = await self.redis.get(self.inbox_done)
        last = done.decode() if done else "0-0"
        while True:
            entries = await self._read(self.inbox, last)
            for entry_id, fields in entries:
                await self._take_forwarded(fields)
                last = entry_id.decode()
            if entries:
                await self.room.committed()
                with contextlib.suppress(RedisError, OSError):
                    await self.redis.set(self.inbox_done, last)

    async def _take_forwarded(self, fields: dict[bytes, bytes]) -> None:
        room, sender = self.room, fields[b"from"].decode()
        author = Sender.from_json(json.loads(fields[b"sender"]))
        if b"server" in fields:
            await room.apply_server_update(fields[b"update"], author)
            self._tell(sender, {"ack": fields[b"ack"]})
            return
        rights = Rights(
            edit_text=fields[b"edit"] == b"1",
            restructure=fields[b"restructure"] == b"1",
            translate=fields.get(b"translate") == b"1",
        )
        try:
            verdict = room.apply_client_update(fields[b"update"], rights, author)
        except MalformedUpdate as exc:
            await room.committed()
            self._tell(sender, {"peer": fields[b"peer"], "reason": str(exc), "close": CLOSE_INVALID_PAYLOAD})
            return
        if not verdict.accepted:
            await room.committed()  # told after the compensation is committed and published
            self._tell(sender, {"peer": fields[b"peer"], "reason": "; ".join(verdict.refused)})

    def _tell(self, instance_id: str, fields: dict[str, Any]) -> None:
        fields = {**fields, "to": instance_id}
        if instance_id == self.instance.instance_id:
            self.told({key.encode(): _as_bytes(value) for key, value in fields.items()})
        else:
            self._outgoing.put_nowait(fields)

    def _committed(self, _room: Room, updates: Sequence[PendingUpdate]) -> None:
        for update in updates:
            self._outgoing.put_nowait({"seq": update.seq, "update": update.data})

    async def _publish(self) -> None:
        """Add to the committed stream, in the order committed (one task, so one order)."""
        while True:
            batch = [await self._outgoing.get()]
            while not self._outgoing.empty():
                batch.append(self._outgoing.get_nowait())
            try:
                async with self.redis.pipeline(transaction=False) as pipe:
                    for fields in batch:
                        pipe.xadd(self.committed, fields, maxlen=STREAM_LENGTH, approximate=True)
                    await pipe.execute()
            except (RedisError, OSError) as exc:
                # The replicas see the gap in the numbers at the next update and read the log.
                log.error(
                    "document %s: could not publish %d entries: %s", self.room.document_id, len(batch), exc
                )
            for _ in batch:
                self._outgoing.task_done()

    async def flush(self, timeout: float) -> None:
        """Wait (a while) until what was committed is published: an instance stopping says all it did."""
        if self._publisher is not None and not self._publisher.done():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._outgoing.join(), timeout)


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
        self.redis: Any = redis.asyncio.Redis.from_url(instance.redis_url)
        self._shared: dict[int, _Shared] = {}
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
        await asyncio.gather(*tasks, *self._tasks, return_exceptions=True)
        for lease in held:
            with contextlib.suppress(StorageUnavailable):
                await asyncio.to_thread(leases.release, self.store.engine, lease, now=utcnow())
        await self.redis.aclose()
        await self.redis.connection_pool.disconnect()

    async def open_cold(self, document_id: int) -> Room:
        room = await super().open_cold(document_id)
        shared = self._shared.get(document_id)
        if shared is None or shared.room is not room:
            shared = _Shared(self, room)
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

    def shared(self, document_id: int) -> _Shared | None:
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


def _as_bytes(value: object) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()
