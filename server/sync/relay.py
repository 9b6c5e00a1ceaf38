"""One document's part in several instances (docs/decisions/0043): its writer, or a replica relaying
through Redis.

The instance holding the document's lease (drafting/leases.py) is its writer: it guards and commits, naming
the lease's token in each commit, and then adds what it committed, with the log's numbers, to the document's
`committed` stream. The others are replicas: what their clients send goes to the document's `inbox` stream,
which the writer reads; server edits made there (the consensus workflow) are sent the same way and wait for
the writer's word. A replica reads the `committed` stream in order, applies each update to its document and
sends it to its own peers, so nobody anywhere is sent what is not committed; a gap in the numbers, or a log
that stays ahead of it, is read from the log. A consensus act on a replica that decides from the text
(adoption, the start of silence) asks the writer to hold the text while it lasts (`held`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from drafting import leases
from drafting.clock import utcnow
from drafting.errors import MalformedUpdate, StorageUnavailable
from drafting.guard import Rights
from drafting.leases import Lease
from drafting.senders import Sender
from drafting.store import PendingUpdate, Store
from server import redis_link
from server.sync.peer import Peer
from server.sync.protocol import encode_permission_denied
from server.sync.room import Room

log = logging.getLogger(__name__)

STREAM_LENGTH = 10_000  # entries kept per stream (approximately); a replica further behind reads the log
READ_BLOCK_MS = 1000
READ_COUNT = 500
CLOSE_INVALID_PAYLOAD = 1007
CLOSE_RELAY_FAILED = 1011
# A writer lets a replica's hold of the text go after this long without a word from the replica (it died
# meanwhile, or Redis lost its release); the replica renews its hold three times as often while its act runs.
HOLD_SECONDS = 30.0


@dataclass(frozen=True)
class Instance:
    """This process among several: its name, the Redis they share, and the lease's length."""

    instance_id: str
    redis_url: str
    prefix: str = "consenso"
    lease_seconds: float = 6.0


class Host(Protocol):
    """What a relay needs of the rooms it belongs to (server/sync/instances.py)."""

    instance: Instance
    store: Store
    redis: Any
    realign: Callable[[Room], Awaitable[None]] | None

    def drop(self, document_id: int) -> None: ...


class Relay:
    """One room's part in the several instances: writer or replica, and the tasks that relay for it."""

    def __init__(self, rooms: Host, room: Room) -> None:
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
        self._acks: dict[str, asyncio.Future[dict[bytes, bytes]]] = {}
        self._hold_ends: dict[str, asyncio.TimerHandle] = {}  # as the writer: each replica's hold
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
        for ending in self._hold_ends.values():
            ending.cancel()
        self._hold_ends.clear()
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
        await self._ask({"update": update, "server": 1, "sender": json.dumps(sender.as_json())})

    @contextlib.asynccontextmanager
    async def held(self, reason: str) -> AsyncIterator[None]:
        """The writer holds the text (participants' edits are compensated there) while this lasts, and
        this replica has applied everything the writer committed before it began holding. However the act
        ends, the writer is told to let go of this hold (and only this one)."""
        self._ack_ids += 1
        hold = {"hold": reason, "hold_id": f"{self.instance.instance_id}/hold/{self._ack_ids}"}
        renewing: asyncio.Task[None] | None = None
        try:
            reply = await self._ask({**hold, "seconds": HOLD_SECONDS})
            await self.catch_up(int(reply[b"held_at"]))
            renewing = asyncio.create_task(self._renew(hold), name=f"hold-{self.room.document_id}")
            yield
        finally:
            if renewing is not None:
                renewing.cancel()
            try:
                await self._ask({**hold, "hold": ""})
            except StorageUnavailable as exc:
                log.warning(
                    "document %s: the writer was not told to let the text go (%s); it does so after %.0f s",
                    self.room.document_id,
                    exc,
                    HOLD_SECONDS,
                )

    async def _renew(self, hold: dict[str, Any]) -> None:
        while True:
            await asyncio.sleep(HOLD_SECONDS / 3)
            with contextlib.suppress(StorageUnavailable):
                await self._ask({**hold, "seconds": HOLD_SECONDS})

    async def _ask(self, fields: dict[str, Any]) -> dict[bytes, bytes]:
        """Send `fields` to the writer through the inbox, in order with this replica's updates, and
        wait for its answer."""
        self._ack_ids += 1
        ack_id = f"{self.instance.instance_id}/{self._ack_ids}"
        done: asyncio.Future[dict[bytes, bytes]] = asyncio.get_running_loop().create_future()
        self._acks[ack_id] = done
        self._to_inbox.put_nowait(({**fields, "from": self.instance.instance_id, "ack": ack_id}, None))
        try:
            return await asyncio.wait_for(asyncio.shield(done), 3 * self.instance.lease_seconds)
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
            except redis_link.failures() as exc:
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
        except redis_link.failures() as exc:
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
                ack.set_result(fields)
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
                with contextlib.suppress(*redis_link.failures()):
                    await self.redis.set(self.inbox_done, last)

    async def _take_forwarded(self, fields: dict[bytes, bytes]) -> None:
        room, sender = self.room, fields[b"from"].decode()
        if b"hold" in fields:
            reason = fields[b"hold"].decode() or None
            await self._hold(fields[b"hold_id"].decode(), reason, float(fields.get(b"seconds", b"0")))
            self._tell(sender, {"ack": fields[b"ack"], "held_at": room.seq})
            return
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

    async def _hold(self, hold_id: str, reason: str | None, seconds: float) -> None:
        """Hold the text for a replica's consensus act (`reason`; again: renewed), or let that hold go
        (None); then wait until everything taken before is committed."""
        ending = self._hold_ends.pop(hold_id, None)
        if ending is not None:
            ending.cancel()
        self.room.hold_text(hold_id, reason)  # from here on no participant's edit gets in
        if reason is not None:
            loop = asyncio.get_running_loop()
            self._hold_ends[hold_id] = loop.call_later(seconds, self._hold_expired, hold_id, reason)
        await self.room.committed()

    def _hold_expired(self, hold_id: str, reason: str) -> None:
        log.warning(
            "document %s: a replica's hold (%s) was not renewed; letting it go", self.room.document_id, reason
        )
        self._hold_ends.pop(hold_id, None)
        self.room.hold_text(hold_id, None)

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
            except redis_link.failures() as exc:
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


def _as_bytes(value: object) -> bytes:
    return value if isinstance(value, bytes) else str(value).encode()
