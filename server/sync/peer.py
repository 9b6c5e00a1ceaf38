"""One open sync socket in a room: a send queue bounded in frames and in bytes, drained by its own task.

A frame for an idle socket is sent at once: the ASGI send coroutine is stepped in place, and it finishes
without suspending whenever the transport can take the bytes (uvicorn's send only waits when writing is
paused). Only a send that does suspend is handed to the peer's task, which finishes it and then drains the
queue, everything queued per wake-up. This spares a task switch per frame and per recipient, the largest
cost of a broadcast (docs/decisions/0042). A peer that cannot keep up is disconnected rather than slowing the
room down (or making the server hold its backlog); y-websocket reconnects and resyncs on its own. One timer
per peer sends a keepalive when the socket has been quiet.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine, Generator
from dataclasses import dataclass, field
from typing import Any

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
    send_frame: Callable[[bytes], Coroutine[Any, Any, None]]
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
        self._sent = False  # since the keepalive timer last looked
        self._suspended: _Started | None = None  # a send that could not finish at once
        self._idle = asyncio.Event()  # nothing queued or suspended
        self._idle.set()

    @property
    def queued_bytes(self) -> int:
        return self._queued_bytes

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self._task = loop.create_task(self._drain(), name=f"peer-{self.id}")
        self._keepalive = loop.call_later(self.keepalive_seconds, self._keep_alive)

    def send(self, frame: bytes) -> None:
        if self.closed:
            return
        queue = self._queue
        if not queue and self._suspended is None and self._task is not None:
            self._send_now(frame)
            return
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
        self._idle.clear()
        self._wakeup.set()

    def _send_now(self, frame: bytes) -> None:
        self._sent = True
        coroutine = self.send_frame(frame)
        try:
            waiting_on = coroutine.send(None)
        except StopIteration:
            return
        except Exception as exc:
            self._broken(exc)
            return
        self._suspended = _Started(coroutine, waiting_on)
        self._idle.clear()
        self._wakeup.set()

    def _broken(self, exc: Exception) -> None:
        # A socket that broke mid-send: the receive loop will see it close.
        log.info("peer %s: send failed (%s); closing", self.id, exc)
        self._halt()

    async def flushed(self) -> None:
        """Wait until the socket has taken what was sent so far (uvicorn lets a send wait only while its
        transport holds too much): an empty awareness message goes after it."""
        await self._idle.wait()
        if not self.closed:
            with contextlib.suppress(Exception):  # a broken socket: the receive loop sees it close
                await self.send_frame(KEEPALIVE)

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
        if self._suspended is not None:
            self._suspended.coroutine.close()
            self._suspended = None
        self._queue.clear()
        self._queued_bytes = 0
        self._idle.set()
        if self._keepalive is not None:
            self._keepalive.cancel()
            self._keepalive = None
        if self._task is not None:
            self._task.cancel()

    async def _close_quietly(self, code: int, reason: str) -> None:
        with contextlib.suppress(Exception):  # the socket may already be gone; the reason is logged
            await self.close_socket(code, reason)

    def _keep_alive(self) -> None:
        if not self._sent:
            self.send(KEEPALIVE)
        self._sent = False
        if not self.closed:
            self._keepalive = asyncio.get_running_loop().call_later(self.keepalive_seconds, self._keep_alive)

    async def _drain(self) -> None:
        queue, wakeup = self._queue, self._wakeup
        try:
            while True:
                await wakeup.wait()
                wakeup.clear()
                if self._suspended is not None:
                    await self._suspended
                    self._suspended = None
                while queue:
                    frame = queue.popleft()
                    self._queued_bytes -= len(frame)
                    self._sent = True
                    await self.send_frame(frame)
                self._idle.set()
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._broken(exc)


class _Started:
    """Awaiting this finishes a coroutine that was stepped once already and suspended on `waiting_on`."""

    __slots__ = ("coroutine", "waiting_on")

    def __init__(self, coroutine: Coroutine[Any, Any, None], waiting_on: Any) -> None:
        self.coroutine = coroutine
        self.waiting_on = waiting_on

    def __await__(self) -> Generator[Any, Any, None]:
        waiting_on = self.waiting_on
        while True:
            try:
                result = yield waiting_on
            except BaseException as exc:  # a cancellation of the task goes on into the coroutine
                try:
                    waiting_on = self.coroutine.throw(exc)
                except StopIteration:
                    return
            else:
                try:
                    waiting_on = self.coroutine.send(result)
                except StopIteration:
                    return
