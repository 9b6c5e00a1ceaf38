"""Authorship at checkpoints, filled in off the commit path (docs/decisions/0022, phase 2).

After a checkpoint is stored, the runs of who wrote what at it are computed in a worker thread and kept
beside it (drafting.authorship_index.index), so the time slider's authorship replays only from the nearest
checkpoint. Indexing waits for a quiet moment: it starts once no checkpoint of the document has come for
`quiet_seconds`. The replay is Python work that holds the GIL, and run while people type it raised the
p99 keystroke delay at 200 editors from 33 to 355 ms (BENCHMARKS.md). One document is indexed by one
worker at a time; a failure is logged, never raised: the runs are a cache, and authorship without them is
only slower.
"""

from __future__ import annotations

import asyncio
import logging

from drafting.authorship_index import index
from drafting.errors import DraftingError
from drafting.store import Store

log = logging.getLogger(__name__)


QUIET_SECONDS = 5.0


class AuthorshipIndexer:
    def __init__(self, store: Store, quiet_seconds: float = QUIET_SECONDS) -> None:
        self.store = store
        self.quiet_seconds = quiet_seconds
        self._waiting: dict[int, asyncio.TimerHandle] = {}
        self._running: dict[int, asyncio.Task[None]] = {}
        self._again: set[int] = set()

    def checkpointed(self, document_id: int) -> None:
        """A checkpoint of the document was stored: index it once the document is quiet."""
        waiting = self._waiting.pop(document_id, None)
        if waiting is not None:
            waiting.cancel()
        loop = asyncio.get_running_loop()
        self._waiting[document_id] = loop.call_later(self.quiet_seconds, self._start, document_id)

    def _start(self, document_id: int) -> None:
        """Index the document now (again, after a run already under way)."""
        self._waiting.pop(document_id, None)
        if document_id in self._running:
            self._again.add(document_id)
            return
        task = asyncio.get_running_loop().create_task(self._index(document_id))
        self._running[document_id] = task

    async def _index(self, document_id: int) -> None:
        try:
            while True:
                self._again.discard(document_id)
                try:
                    await asyncio.to_thread(index, self.store, document_id)
                except DraftingError as exc:
                    log.warning("authorship of document %s not indexed: %s", document_id, exc)
                if document_id not in self._again:
                    return
        finally:
            del self._running[document_id]

    async def idle(self) -> None:
        """Index what waits for a quiet moment now, and wait until every indexing has finished (shutdown,
        tests)."""
        for document_id, waiting in list(self._waiting.items()):
            waiting.cancel()
            self._start(document_id)
        while self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)
