"""Group commit: every accepted update is committed before anyone is sent it.

Updates queue up while the previous batch is being written, so under load one transaction carries many
updates and the wait per update stays short. After a batch commits, each room publishes its part of it,
in the order the updates were accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from drafting.errors import StorageUnavailable
from drafting.leases import StaleLease
from drafting.store import Checkpoint, PendingUpdate, Store

log = logging.getLogger(__name__)


class Publisher(Protocol):
    def published(self, updates: Sequence[PendingUpdate]) -> None: ...

    def storage_failed(self, reason: str) -> None: ...


@dataclass
class _Entry:
    room: Publisher
    update: PendingUpdate
    checkpoint: Checkpoint | None
    done: asyncio.Future[None] | None
    fence: int | None = None  # the writer's lease token (several instances: drafting/leases.py)


class Committer:
    def __init__(self, store: Store, *, max_batch: int = 2000) -> None:
        self.store = store
        self.max_batch = max_batch
        self._pending: list[_Entry] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.batches = 0

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="committer")

    async def stop(self) -> None:
        """Commit what is queued, then stop."""
        if self._task is None:
            return
        while self._pending:
            await self._commit_once()
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task
        self._task = None

    def submit(
        self,
        room: Publisher,
        update: PendingUpdate,
        checkpoint: Checkpoint | None = None,
        *,
        wait: bool = False,
        fence: int | None = None,
    ) -> asyncio.Future[None] | None:
        done = asyncio.get_running_loop().create_future() if wait else None
        self._pending.append(_Entry(room, update, checkpoint, done, fence))
        self._wakeup.set()
        return done

    async def _run(self) -> None:
        while True:
            await self._wakeup.wait()
            self._wakeup.clear()
            while self._pending:
                await self._commit_once()

    async def _commit_once(self) -> None:
        batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch :]
        await self._commit(batch)

    async def _commit(self, batch: list[_Entry]) -> None:
        updates = [entry.update for entry in batch]
        checkpoints = [entry.checkpoint for entry in batch if entry.checkpoint is not None]
        fences = {entry.update.document_id: entry.fence for entry in batch if entry.fence is not None}
        try:
            await asyncio.to_thread(self.store.commit, updates, checkpoints, fences)
        except StaleLease as exc:
            # Another instance writes those documents now: their updates fail, the others' go on.
            log.warning("%s", exc.message)
            self._fail([entry for entry in batch if entry.update.document_id in exc.document_ids], exc)
            rest = [entry for entry in batch if entry.update.document_id not in exc.document_ids]
            if rest:
                await self._commit(rest)
            return
        except StorageUnavailable as exc:
            log.error("commit of %d updates failed: %s", len(batch), exc.reason)
            self._fail(batch, exc)
            return
        self.batches += 1
        for room, room_updates in _by_room(batch):
            room.published(room_updates)
        for entry in batch:
            if entry.done is not None and not entry.done.done():
                entry.done.set_result(None)

    def _fail(self, batch: list[_Entry], exc: StorageUnavailable) -> None:
        for room, _ in _by_room(batch):
            room.storage_failed(exc.reason)
        for entry in batch:
            if entry.done is not None and not entry.done.done():
                entry.done.set_exception(exc)
                entry.done.exception()  # retrieved: the rooms were told; an awaiting caller sees it too


def _by_room(batch: list[_Entry]) -> list[tuple[Publisher, list[PendingUpdate]]]:
    grouped: dict[int, tuple[Publisher, list[PendingUpdate]]] = {}
    for entry in batch:
        grouped.setdefault(id(entry.room), (entry.room, []))[1].append(entry.update)
    return list(grouped.values())
