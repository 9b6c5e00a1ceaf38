"""One open sync socket in a room: a bounded send queue drained by its own task.

A peer that cannot keep up is disconnected rather than slowing the room down; y-websocket reconnects
and resyncs on its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from auth.principal import Principal
from drafting.guard import Rights
from server.sync.protocol import MessageType

log = logging.getLogger(__name__)

# An awareness update that names no client: a message that changes nothing, sent to an idle socket
# so y-websocket's 30-second silence timeout does not fire.
KEEPALIVE = bytes((MessageType.AWARENESS, 1, 0))
CLOSE_TOO_SLOW = 1013

_ids = itertools.count(1)


@dataclass(eq=False)
class Peer:
    principal: Principal
    rights: Rights
    send_frame: Callable[[bytes], Awaitable[None]]
    close_socket: Callable[[int, str], Awaitable[None]]
    queue_limit: int = 1024
    keepalive_seconds: float = 15.0
    id: int = field(default_factory=lambda: next(_ids))
    awareness_clients: set[int] = field(default_factory=set)
    closed: bool = False

    def __post_init__(self) -> None:
        self._queue: asyncio.Queue[bytes] = asyncio.Queue(self.queue_limit)
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._drain(), name=f"peer-{self.id}")

    def send(self, frame: bytes) -> None:
        if self.closed:
            return
        try:
            self._queue.put_nowait(frame)
        except asyncio.QueueFull:
            log.warning("peer %s (%s) cannot keep up; disconnecting it", self.id, self.principal.email)
            self.close(CLOSE_TOO_SLOW, "too slow to keep up; reconnect to resync")

    def close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self.closed = True
        if self._task is not None:
            self._task.cancel()
        asyncio.get_running_loop().create_task(self._close_quietly(code, reason))

    async def stop(self) -> None:
        self.closed = True
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _close_quietly(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):  # the socket may already be gone; the reason is logged
            await self.close_socket(code, reason)

    async def _drain(self) -> None:
        try:
            while True:
                try:
                    frame = self._queue.get_nowait()
                except asyncio.QueueEmpty:
                    try:
                        frame = await asyncio.wait_for(self._queue.get(), self.keepalive_seconds)
                    except TimeoutError:
                        frame = KEEPALIVE
                await self.send_frame(frame)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a socket that broke mid-send: the receive loop will see it close
            log.info("peer %s: send failed (%s); closing", self.id, exc)
            self.closed = True
