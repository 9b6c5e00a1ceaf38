"""One open sync socket in a room: a send queue bounded in frames and in bytes, drained by its own task.

A peer that cannot keep up is disconnected rather than slowing the room down (or making the server hold
its backlog); y-websocket reconnects and resyncs on its own. The drain task sends everything queued on
each wake-up; one timer per peer sends a keepalive when the socket has been quiet.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections import deque
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
    queue_bytes: int = 4 * 1024 * 1024
    keepalive_seconds: float = 15.0
    id: int = field(default_factory=lambda: next(_ids))
    closed: bool = False

    def __post_init__(self) -> None:
        self._queue: deque[bytes] = deque()
        self._queued_bytes = 0
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._keepalive: asyncio.TimerHandle | None = None
        self._last_sent = 0.0

    @property
    def queued_bytes(self) -> int:
        return self._queued_bytes

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._drain(), name=f"peer-{self.id}")
        self._last_sent = loop.time()
        self._keepalive = loop.call_later(self.keepalive_seconds, self._keep_alive)

    def send(self, frame: bytes) -> None:
        if self.closed:
            return
        queue = self._queue
        # An empty queue takes any one frame (a large document's first sync may exceed the byte bound).
        if queue and (len(queue) >= self.queue_limit or self._queued_bytes + len(frame) > self.queue_bytes):
            log.warning(
                "peer %s (%s) cannot keep up (%d frames, %d bytes queued); disconnecting it",
                self.id, self.principal.email, len(queue), self._queued_bytes,
            )  # fmt: skip
            self.close(CLOSE_TOO_SLOW, "too slow to keep up; reconnect to resync")
            return
        queue.append(frame)
        self._queued_bytes += len(frame)
        self._wakeup.set()

    def close(self, code: int, reason: str) -> None:
        if self.closed:
            return
        self._halt()
        asyncio.get_running_loop().create_task(self._close_quietly(code, reason))

    async def stop(self) -> None:
        task = self._task
        self._halt()
        if task is not None:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    def _halt(self) -> None:
        self.closed = True
        self._queue.clear()
        self._queued_bytes = 0
        if self._keepalive is not None:
            self._keepalive.cancel()
            self._keepalive = None
        if self._task is not None:
            self._task.cancel()

    async def _close_quietly(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):  # the socket may already be gone; the reason is logged
            await self.close_socket(code, reason)

    def _keep_alive(self) -> None:
        loop = asyncio.get_running_loop()
        idle = loop.time() - self._last_sent
        if idle >= self.keepalive_seconds and not self._queue:
            self.send(KEEPALIVE)
            idle = 0.0
        if not self.closed:
            self._keepalive = loop.call_later(self.keepalive_seconds - idle, self._keep_alive)

    async def _drain(self) -> None:
        queue, wakeup = self._queue, self._wakeup
        loop = asyncio.get_running_loop()
        try:
            while True:
                await wakeup.wait()
                wakeup.clear()
                while queue:
                    frame = queue.popleft()
                    self._queued_bytes -= len(frame)
                    await self.send_frame(frame)
                self._last_sent = loop.time()
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a socket that broke mid-send: the receive loop will see it close
            log.info("peer %s: send failed (%s); closing", self.id, exc)
            self.closed = True
