"""Live notices for a document's participants (new comments, positions, silence broken), fanned out
in-process to every listener of the document. GET /api/documents/{id}/events (server/api/notices.py) streams
them as server-sent events; the text itself travels on the sync socket.

A listener lasts only as long as the credential it listens with: when that ends (server/signin/watch.py) it
gets one last notice, `ended`, and nothing after it."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from auth.endings import EndReason, Standing
from auth.principal import Principal
from server.pubsub import Bus
from server.signin.watch import Watch

QUEUE_LIMIT = 256
KEEPALIVE_SECONDS = 15.0


@dataclass(frozen=True)
class Notice:
    kind: str  # e.g. "comment", "position", "paragraph_status", "silence"
    payload: dict[str, Any]
    delegation_id: int | None = None  # set: only that delegation's members receive it


@dataclass(eq=False)
class _Listener:
    principal: Principal
    queue: asyncio.Queue[Notice]
    ended: EndReason | None = None

    def end(self, reason: EndReason) -> None:
        self.ended = reason
        with contextlib.suppress(asyncio.QueueFull):  # wakes a waiting listener; a busy one sees `ended`
            self.queue.put_nowait(Notice("ended", {}))


def ended_notice(reason: EndReason) -> Notice:
    return Notice("ended", {"reason": reason.value, "message": reason.message})


class Notices:
    """Fan-out of notices to the listeners of each document: in-process, or through every instance's
    (server/pubsub.py) when several share the documents."""

    def __init__(self, watch: Watch, bus: Bus | None = None) -> None:
        self.watch = watch
        self._listeners: dict[int, set[_Listener]] = defaultdict(set)
        self._bus = bus
        if bus is not None:
            bus.subscribe("notices", self._received)

    def publish(self, document_id: int, notice: Notice) -> None:
        if self._bus is not None:
            self._bus.publish(
                "notices",
                {
                    "document_id": document_id,
                    "kind": notice.kind,
                    "payload": notice.payload,
                    "delegation_id": notice.delegation_id,
                },
            )
        else:
            self.deliver(document_id, notice)

    def _received(self, message: dict[str, Any]) -> None:
        notice = Notice(message["kind"], message["payload"], message["delegation_id"])
        self.deliver(int(message["document_id"]), notice)

    def deliver(self, document_id: int, notice: Notice) -> None:
        """Give `notice` to this process's listeners of the document."""
        for listener in list(self._listeners.get(document_id, ())):
            if notice.delegation_id is not None and listener.principal.delegation_id != notice.delegation_id:
                continue
            try:
                listener.queue.put_nowait(notice)
            except asyncio.QueueFull:
                self._listeners[document_id].discard(listener)  # too far behind: it reconnects

    async def listen(
        self, document_id: int, principal: Principal, standing: Standing
    ) -> AsyncIterator[Notice | None]:
        """Notices for `principal`, and None every KEEPALIVE_SECONDS of silence, while `standing` stands;
        the `ended` notice last if it ends."""
        listener = _Listener(principal, asyncio.Queue(QUEUE_LIMIT))
        self._listeners[document_id].add(listener)
        hold = self.watch.hold(standing, listener.end)
        try:
            while listener in self._listeners[document_id] and listener.ended is None:
                try:
                    notice: Notice | None = await asyncio.wait_for(listener.queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    notice = None
                if listener.ended is not None:
                    yield ended_notice(listener.ended)
                    return
                yield notice
        finally:
            self.watch.release(hold)
            self._listeners[document_id].discard(listener)
            if not self._listeners[document_id]:
                del self._listeners[document_id]
