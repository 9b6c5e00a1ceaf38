"""The open rooms of this process: loaded on first join, unloaded when nobody has been in them a while."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from pycrdt import merge_updates

from drafting.errors import StorageUnavailable
from drafting.layout_contract import LayoutLimits
from drafting.store import Checkpoint, Store, StoredDocument
from drafting.updates import EMPTY_UPDATE
from server.sync.awareness import PresenceLimits
from server.sync.committer import Committer
from server.sync.room import Room

log = logging.getLogger(__name__)


class Rooms:
    def __init__(
        self,
        store: Store,
        committer: Committer,
        *,
        idle_seconds: float = 30.0,
        checkpoint_every: int = 500,
        guard: bool = True,
        layout: LayoutLimits | None = None,
        presence: PresenceLimits | None = None,
        on_open: Callable[[Room], Awaitable[None]] | None = None,
    ) -> None:
        self.store = store
        self.committer = committer
        self.idle_seconds = idle_seconds
        self.checkpoint_every = checkpoint_every
        self.guard = guard
        self.layout = layout
        self.presence = presence
        self.on_open = on_open
        self._rooms: dict[int, Room] = {}
        self._loading: dict[int, asyncio.Future[Room]] = {}
        self._unloads: dict[int, asyncio.TimerHandle] = {}
        self._checkpoints: set[asyncio.Task[None]] = set()

    def __len__(self) -> int:
        return len(self._rooms)

    def loaded(self, document_id: int) -> Room | None:
        """The document's room if it is open and ready (a cold room's document is not decoded yet)."""
        room = self._rooms.get(document_id)
        return room if room is not None and room.is_ready else None

    async def open(self, document_id: int) -> Room:
        """The document's room, ready: loaded from storage, decoded and realigned if it was not."""
        room = await self.open_cold(document_id)
        try:
            await room.ready()
        except BaseException:
            if self._rooms.get(document_id) is room:
                self._drop(document_id)
            raise
        return room

    async def open_cold(self, document_id: int) -> Room:
        """The document's room, loaded but perhaps not decoded yet (for a sync socket: see Room)."""
        self._cancel_unload(document_id)
        room = self._rooms.get(document_id)
        if room is not None and not room.failed:
            return room
        if room is not None:
            self._drop(document_id)
        loading = self._loading.get(document_id)
        if loading is None:
            loading = asyncio.get_running_loop().create_future()
            self._loading[document_id] = loading
            try:
                stored, state = await asyncio.to_thread(self._load, document_id)
                room = Room.cold(
                    document_id, stored, state, self.committer, checkpoint_every=self.checkpoint_every,
                    guard=self.guard, layout=self.layout, presence=self.presence, on_open=self.on_open,
                )  # fmt: skip
                self._rooms[document_id] = room
                loading.set_result(room)
            except BaseException as exc:
                loading.set_exception(exc)
                loading.exception()  # retrieved here so a lone opener does not log "never retrieved"
                raise
            finally:
                del self._loading[document_id]
            return room
        return await asyncio.shield(loading)

    async def caught_up(self, room: Room) -> None:
        """Wait until `room` holds everything committed for its document (one process: it always does)."""

    def _load(self, document_id: int) -> tuple[StoredDocument, bytes]:
        """The stored document, and its whole state as one update (merged here, off the event loop)."""
        stored = self.store.load(document_id)
        parts = ([stored.checkpoint] if stored.checkpoint is not None else []) + stored.tail
        state = parts[0] if len(parts) == 1 else merge_updates(*parts) if parts else EMPTY_UPDATE
        return stored, state

    def left(self, room: Room) -> None:
        """Call after a peer left: an empty room is unloaded once it has stayed empty a while."""
        if room.failed:
            self._drop(room.document_id)
        elif not room.peers:
            self._cancel_unload(room.document_id)
            handle = asyncio.get_running_loop().call_later(self.idle_seconds, self._unload_if_idle, room)
            self._unloads[room.document_id] = handle

    def _unload_if_idle(self, room: Room) -> None:
        self._unloads.pop(room.document_id, None)
        if room.peers or self._rooms.get(room.document_id) is not room:
            return
        if not room.committed_all():
            self.left(room)
            return
        # Fold the log before letting go, so the next open reads one state, not a long tail
        # (replaying some tails hangs pycrdt 0.14; docs/decisions/0008).
        checkpoint = room.checkpoint_now()
        self._drop(room.document_id)
        if checkpoint is not None:
            task = asyncio.get_running_loop().create_task(self._store_checkpoint(checkpoint))
            self._checkpoints.add(task)
            task.add_done_callback(self._checkpoints.discard)

    async def _store_checkpoint(self, checkpoint: Checkpoint) -> None:
        try:
            await asyncio.to_thread(self.store.checkpoint, checkpoint)
        except StorageUnavailable as exc:
            log.warning(
                "checkpoint of document %s at %s not stored: %s", checkpoint.document_id, checkpoint.seq, exc
            )

    async def flush_checkpoints(self) -> None:
        """Wait for the checkpoints of unloaded rooms to be written (shutdown, tests)."""
        while self._checkpoints:
            await asyncio.gather(*self._checkpoints, return_exceptions=True)

    def _cancel_unload(self, document_id: int) -> None:
        handle = self._unloads.pop(document_id, None)
        if handle is not None:
            handle.cancel()

    def _drop(self, document_id: int) -> None:
        room = self._rooms.pop(document_id, None)
        if room is not None:
            room.close()
            log.info("unloaded document %s", document_id)

    async def checkpoint_all(self) -> None:
        """At shutdown: fold every open room's log, then wait for those checkpoints."""
        for room in list(self._rooms.values()):
            checkpoint = room.checkpoint_now()
            if checkpoint is not None:
                await self._store_checkpoint(checkpoint)
        await self.flush_checkpoints()

    def close_all(self) -> None:
        for handle in self._unloads.values():
            handle.cancel()
        self._unloads.clear()
        for document_id in list(self._rooms):
            self._drop(document_id)
