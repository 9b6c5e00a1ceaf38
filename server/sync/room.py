"""A room: one document's live Y.Doc, the sockets editing it, and their presence (server/sync/awareness.py).

An incoming update is applied to the room's document, gets the next sequence number of the document's
log, and goes to the committer; only once it is committed is it sent to every peer, the sender included
(stock clients ignore what they already have). Server-side edits take the same path.

A room opened for a sync socket starts cold: it holds the stored state as bytes, and a new client's first
sync (an empty state vector) is answered with them at once. Only once that answer has left does the room
decode its document, attach the guard and realign (`ready()`); anything that needs the document waits for
that. A client so gets a large draft in about the time it takes to send it (docs/decisions/0042).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import Any, Protocol

from pycrdt import Doc, TransactionEvent, merge_updates

from drafting.errors import MalformedUpdate
from drafting.guard import Guard, Rights, Verdict
from drafting.kinds import UpdateOrigin
from drafting.languages import keep_in_step
from drafting.layout import bind, label_unlabelled
from drafting.layout_contract import LayoutLimits
from drafting.senders import Sender
from drafting.store import Checkpoint, PendingUpdate, StoredDocument
from drafting.updates import EMPTY_UPDATE, apply_checked
from server.sync.awareness import Presence, PresenceLimits
from server.sync.committer import Committer
from server.sync.peer import Peer
from server.sync.protocol import (
    SyncType,
    encode_awareness,
    encode_awareness_entries,
    encode_permission_denied,
    encode_sync,
)

log = logging.getLogger(__name__)


class Replica(Protocol):
    """How a replica room reaches the instance that writes its document (server/sync/instances.py)."""

    def forward(self, peer: Peer, update: bytes, sender: Sender) -> None: ...

    async def forward_edit(self, update: bytes, sender: Sender) -> None: ...

    def held(self, reason: str) -> contextlib.AbstractAsyncContextManager[None]: ...


CLOSE_STORAGE_FAILED = 1011
_HOLDERS = itertools.count(1)
EMPTY_STATE_VECTOR = b"\x00"
# A cold room that a client joined but sent no sync step 1 to gets ready after this long anyway.
COLD_GRACE_SECONDS = 0.2
LAYOUT = Sender.server(UpdateOrigin.LABELS)  # the server's upkeep of the layout
UNKNOWN_CLIENT = Sender(UpdateOrigin.CLIENT)  # a client update applied without a socket (tests, benchmarks)


class Room:
    def __init__(
        self,
        document_id: int,
        doc: Doc[Any] | None,
        last_seq: int,
        committer: Committer,
        *,
        checkpoint_every: int = 500,
        checkpoint_seq: int = 0,
        guard: bool = True,
        layout: LayoutLimits | None = None,
        presence: PresenceLimits | None = None,
        on_open: Callable[[Room], Awaitable[None]] | None = None,
    ) -> None:
        self.document_id = document_id
        self._layout = layout
        self._doc = doc
        self.seq = last_seq
        self.committer = committer
        self.checkpoint_every = checkpoint_every
        self._checkpoint_seq = checkpoint_seq
        self.peers: set[Peer] = set()
        self.presence = Presence(self.broadcast, presence)
        self.failed = False
        self._captured: list[bytes] = []
        self._order_changed = False
        self._last_commit: asyncio.Future[None] | None = None
        self._guarded = guard
        self._on_open = on_open
        self.guard: Guard | None = None
        self._subscriptions: list[tuple[Any, Any]] = []
        self._stored: StoredDocument | None = None  # while cold: what the document is decoded from
        self._stored_state: bytes | None = None  # while cold: the same as one update
        self._opening: asyncio.Future[None] | None = None
        self._awaiting_step1: set[Peer] = set()
        self._background: set[asyncio.Task[None]] = set()
        self._grace: asyncio.TimerHandle | None = None
        self._full_state: tuple[int, bytes] | None = None  # (seq, the whole state): new clients' answer
        # Several instances (server/sync/instances.py): only the writer guards and commits; a replica
        # forwards its clients' updates and server edits to the writer and applies what it committed.
        self.fence: int | None = None  # the writer's lease token, named by each of its commits
        self.replica_of: Replica | None = None  # set while another instance writes the document
        self.on_committed: Callable[[Room, Sequence[PendingUpdate]], None] | None = None
        self._holds: dict[str, str] = {}  # who holds the text (an act here, a replica's act) → why
        if doc is not None:
            self._attach(doc)

    @classmethod
    def cold(
        cls, document_id: int, stored: StoredDocument, state: bytes, committer: Committer, **options: Any
    ) -> Room:
        """A room that has not decoded its document yet; `state` is `stored` as one update."""
        room = cls(
            document_id, None, stored.last_seq, committer, checkpoint_seq=stored.checkpoint_seq, **options
        )
        room._stored, room._stored_state = stored, state
        return room

    @property
    def doc(self) -> Doc[Any]:
        if self._doc is None:
            raise RuntimeError(f"room {self.document_id} is not open yet: await ready() first")
        return self._doc

    @property
    def is_ready(self) -> bool:
        return self._doc is not None and (self._opening is None or self._opening.done())

    async def ready(self) -> None:
        """Decode the document, attach the guard and run the opening hook, once; later callers wait."""
        if self._opening is None:
            if self._grace is not None:
                self._grace.cancel()
            self._opening = asyncio.get_running_loop().create_future()
            try:
                if self._doc is None:
                    assert self._stored is not None
                    self._attach(self._stored.to_doc())
                    if self._stored_state is not None:
                        self._full_state = (self.seq, self._stored_state)
                    self._stored = self._stored_state = None
                if self._on_open is not None:
                    await self._on_open(self)
            except BaseException as exc:
                self._opening.set_exception(exc)
                self._opening.exception()  # retrieved: the callers below see it
                self.failed = True
                for peer in list(self.peers):
                    peer.close(CLOSE_STORAGE_FAILED, "the server could not open the document; reconnect")
                raise
            self._opening.set_result(None)
            awaiting, self._awaiting_step1 = self._awaiting_step1, set()
            for peer in awaiting & self.peers:
                peer.send(encode_sync(SyncType.STEP1, self.doc.get_state()))
        elif not self._opening.done():
            await asyncio.shield(self._opening)
        else:
            self._opening.result()

    def _attach(self, doc: Doc[Any]) -> None:
        self._doc = doc
        # Without the guard (a benchmark setting, refused in production) updates apply as sent.
        self.guard = Guard(doc, self._layout) if self._guarded else None
        self._apply_holds()
        order = bind(doc)[0]
        self._subscriptions = [
            (doc, doc.observe(self._capture)),
            (order, order.observe(self._mark_order_changed)),
        ]

    # -- the document -------------------------------------------------------------------------------

    def _capture(self, event: TransactionEvent) -> None:
        update = event.update
        if update != EMPTY_UPDATE:
            self._captured.append(update)

    def _mark_order_changed(self, _event: Any) -> None:
        self._order_changed = True

    def apply_client_update(self, update: bytes, rights: Rights, sender: Sender = UNKNOWN_CLIENT) -> Verdict:
        """Apply a client's update under the guard; what it changed is committed under `sender`, then
        published.

        What the sender may not change is compensated in the same transaction (see drafting/guard.py), so
        the row is the sender's; authorship keeps what came back unchanged with its author.
        """
        try:
            verdict = self.guard.apply(update, rights) if self.guard else self._apply_unguarded(update)
        except MalformedUpdate:
            self._captured.clear()
            raise
        self._submit_captured(sender)
        structure, self._order_changed = self._order_changed, False
        if structure or (verdict.texts and not self._stale_marks_follow(verdict.texts)):
            # The server's part of the layout follows: labels of new paragraphs, the language versions.
            with self.doc.transaction(origin="server"):
                if structure:
                    label_unlabelled(self.doc)
                keep_in_step(self.doc, verdict.texts, structure=structure)
            self._submit_captured(LAYOUT)
        return verdict

    def _stale_marks_follow(self, paragraph_ids: frozenset[str]) -> bool:
        # On every keystroke: the guard answers from its own copy of `info`, without a transaction.
        return self.guard is not None and self.guard.stale_marks_follow(paragraph_ids) is True

    @contextlib.asynccontextmanager
    async def text_held(self, reason: str) -> AsyncIterator[None]:
        """No participant changes the text while this lasts (their edits are compensated, and they are
        told the document is `reason`); the server's own edits go on. On a replica the writer holds it,
        and this room has what the writer committed before, so the act decides from the text it freezes."""
        if self.replica_of is not None:
            async with self.replica_of.held(reason):
                yield
            return
        holder = f"here/{next(_HOLDERS)}"
        self.hold_text(holder, reason)
        try:
            yield
        finally:
            self.hold_text(holder, None)

    def hold_text(self, holder: str, reason: str | None) -> None:
        """`holder` holds the text for `reason`, or lets it go (None); it stays held while anyone does."""
        if reason is None:
            self._holds.pop(holder, None)
        else:
            self._holds[holder] = reason
        self._apply_holds()

    def _apply_holds(self) -> None:
        if self.guard is not None:
            self.guard.hold(next(reversed(self._holds.values()), None))

    def _apply_unguarded(self, update: bytes) -> Verdict:
        apply_checked(self.doc, update)
        return Verdict()

    async def edit(self, change: Callable[[Doc[Any]], None], sender: Sender) -> None:
        """A server-side edit (labels, statuses and locks, amendments, structure, restores): committed
        under `sender`, what caused it, then published.

        On a replica the edit is made on a copy of the state and sent to the writer; this returns once the
        writer committed it and this room applied it."""
        if self.replica_of is not None:
            copy: Doc[Any] = Doc()
            copy.apply_update(self.doc.get_update())
            before = copy.get_state()
            with copy.transaction(origin="server"):
                change(copy)
            update = copy.get_update(before)
            if update != EMPTY_UPDATE:
                await self.replica_of.forward_edit(update, sender)
            return
        with self.doc.transaction(origin="server"):
            change(self.doc)
            keep_in_step(self.doc, None, structure=True)
        done = self._submit_captured(sender, wait=True)
        if done is not None:
            await done

    async def apply_server_update(self, update: bytes, sender: Sender) -> None:
        """A server edit another instance made on its replica (see `edit`): committed, then published."""
        with self.doc.transaction(origin="server"):
            apply_checked(self.doc, update)
            keep_in_step(self.doc, None, structure=True)
        self._order_changed = False
        done = self._submit_captured(sender, wait=True)
        if done is not None:
            await done

    def _submit_captured(self, sender: Sender, *, wait: bool = False) -> asyncio.Future[None] | None:
        captured, self._captured = self._captured, []
        done = None
        for index, update in enumerate(captured):
            self.seq += 1
            checkpoint = None
            if self.seq - self._checkpoint_seq >= self.checkpoint_every and index == len(captured) - 1:
                # The document holds exactly updates 1..seq now: fold them into a checkpoint that
                # commits in the same transaction as the update itself.
                checkpoint = Checkpoint(self.document_id, self.seq, self.doc.get_update())
                self._checkpoint_seq = self.seq
            done = self.committer.submit(
                self,
                PendingUpdate(self.document_id, self.seq, update, sender),
                checkpoint,
                wait=True,
                fence=self.fence,
            )
        if done is not None:
            self._last_commit = done
        return done if wait else None

    def checkpoint_now(self) -> Checkpoint | None:
        """The whole committed state as a checkpoint, if the log has grown since the last one.

        Only when everything applied is committed: the document then holds exactly updates 1..seq.
        """
        if self.seq <= self._checkpoint_seq or not self.committed_all() or self.replica_of is not None:
            return None
        self._checkpoint_seq = self.seq
        if self._doc is None and self._stored_state is not None:
            return Checkpoint(self.document_id, self.seq, self._stored_state)  # cold: nothing applied
        return Checkpoint(self.document_id, self.seq, self.doc.get_update())

    def committed_all(self) -> bool:
        return self._last_commit is None or self._last_commit.done()

    async def committed(self) -> None:
        """Wait until everything applied so far is committed."""
        last = self._last_commit
        if last is not None and not last.done():
            await asyncio.shield(last)

    async def snapshot(self) -> tuple[int, bytes]:
        """(seq, state) of the document once everything applied is committed: it holds exactly updates
        1..seq of the log (read with no await in between, so no update slips in)."""
        while not self.committed_all():
            await self.committed()
        return self.seq, self.doc.get_update()

    def published(self, updates: Sequence[PendingUpdate]) -> None:
        merged = updates[0].data if len(updates) == 1 else merge_updates(*(update.data for update in updates))
        self.broadcast(encode_sync(SyncType.UPDATE, merged))
        if self.on_committed is not None:
            self.on_committed(self, updates)

    def apply_committed(self, seq: int, update: bytes) -> None:
        """On a replica: apply update `seq` that the writer committed, and send it to this room's peers."""
        apply_checked(self.doc, update)
        self._captured.clear()
        self._order_changed = False
        self.seq = seq
        self.broadcast(encode_sync(SyncType.UPDATE, update))

    def storage_failed(self, reason: str) -> None:
        # The room's document now holds updates that are not stored: drop it and let clients resync.
        self.failed = True
        for peer in list(self.peers):
            peer.close(CLOSE_STORAGE_FAILED, "the server could not store your change; reconnect to resync")

    def state_diff(self, state_vector: bytes) -> bytes:
        if state_vector == EMPTY_STATE_VECTOR:
            # Every new client asks for the whole state: encode it once per sequence number.
            if self._full_state is None or self._full_state[0] != self.seq:
                self._full_state = (self.seq, self.doc.get_update())
            return self._full_state[1]
        try:
            return self.doc.get_update(state_vector)
        except ValueError as exc:
            raise MalformedUpdate(f"state vector: {exc}") from exc

    # -- peers --------------------------------------------------------------------------------------

    def join(self, peer: Peer) -> None:
        self.peers.add(peer)
        if self.is_ready:
            peer.send(encode_sync(SyncType.STEP1, self.doc.get_state()))
        else:
            self._awaiting_step1.add(peer)  # sent once the room is ready
            if self._grace is None and self._opening is None:
                self._grace = asyncio.get_running_loop().call_later(
                    COLD_GRACE_SECONDS, lambda: self._in_background(self._ready_logged())
                )
        snapshot = self.presence.snapshot()
        if snapshot is not None:
            peer.send(snapshot)

    def leave(self, peer: Peer) -> None:
        self.peers.discard(peer)
        self.presence.leave(peer.id)

    def broadcast(self, frame: bytes) -> None:
        for peer in list(self.peers):
            peer.send(frame)

    async def sync_step1(self, peer: Peer, state_vector: bytes) -> None:
        if not self.is_ready:
            if state_vector == EMPTY_STATE_VECTOR and self._stored_state is not None:
                # Cold, and the client has nothing: the stored state is the answer (nothing is applied
                # before the room is ready, so it is all committed). Decode once it has left.
                peer.send(encode_sync(SyncType.STEP2, self._stored_state))
                if self._grace is not None:
                    self._grace.cancel()
                self._in_background(self._ready_after(peer))
                return
            await self.ready()
        # Answer only with committed state: wait until nothing applied is still uncommitted, then
        # compute the diff without yielding to the event loop in between.
        while not self.committed_all():
            await self.committed()
        peer.send(encode_sync(SyncType.STEP2, self.state_diff(state_vector)))

    async def _ready_after(self, peer: Peer) -> None:
        await peer.flushed()
        await self._ready_logged()

    async def _ready_logged(self) -> None:
        try:
            await self.ready()
        except Exception as exc:  # the peers were closed with the reason; the log gets the cause
            log.error("document %s could not be opened: %s", self.document_id, exc)

    def _in_background(self, work: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    def receive_update(self, peer: Peer, update: bytes) -> None:
        principal = peer.principal
        sender = Sender.participant(principal.user_id, principal.delegation_id)
        if self.replica_of is not None:
            self.replica_of.forward(peer, update, sender)
            return
        verdict = self.apply_client_update(update, peer.rights, sender)
        if not verdict.accepted:
            peer.send(encode_permission_denied("; ".join(verdict.refused)))

    def receive_awareness(self, peer: Peer, payload: bytes) -> None:
        self.presence.receive(peer.id, peer.principal, payload)

    def send_awareness(self, peer: Peer) -> None:
        peer.send(self.presence.snapshot() or encode_awareness(encode_awareness_entries([])))

    def close(self) -> None:
        if self._grace is not None:
            self._grace.cancel()
        for task in self._background:
            task.cancel()
        self.presence.close()
        if self.guard is not None:
            self.guard.close()
        for target, subscription in self._subscriptions:
            target.unobserve(subscription)
        self._subscriptions.clear()
