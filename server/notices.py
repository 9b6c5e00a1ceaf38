"""Live notices for a document's participants (new comments, positions, silence broken), fanned out
in-process to every listener of the document. GET /api/documents/{id}/events (server/api/notices.py) streams
them as server-sent events; the text itself travels on the sync socket."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from auth.principal import Principal

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


class Notices:
    """In-process fan-out of notices to the listeners of each document."""

    def __init__(self) -> None:
        self._listeners: dict[int, set[_Listener]] = defaultdict(set)

    def publish(self, document_id: int, notice: Notice) -> None:
        for listener in list(self._listeners.get(document_id, ())):
            if notice.delegation_id is not None and listener.principal.delegation_id != notice.delegation_id:
                continue
            try:
                listener.queue.put_nowait(notice)
            except asyncio.QueueFull:
                self._listeners[document_id].discard(listener)  # too far behind: it reconnects

    async def listen(self, document_id: int, principal: Principal) -> AsyncIterator[Notice | None]:
        """Notices for `principal`, and None every KEEPALIVE_SECONDS of silence."""
        listener = _Listener(principal, asyncio.Queue(QUEUE_LIMIT))
        self._listeners[document_id].add(listener)
        try:
            while listener in self._listeners[document_id]:
                try:
                    yield await asyncio.wait_for(listener.queue.get(), KEEPALIVE_SECONDS)
                except TimeoutError:
                    yield None
        finally:
            self._listeners[document_id].discard(listener)
            if not self._listeners[document_id]:
                del self._listeners[document_id]
