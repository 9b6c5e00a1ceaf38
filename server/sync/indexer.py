"""Authorship at checkpoints, filled in off the commit path (docs/decisions/0022, phase 2).

After a checkpoint is stored, the runs of who wrote what at it are computed in a worker thread and kept
beside it (drafting.authorship_index.index), so the time slider's authorship replays only from the nearest
checkpoint. One document is indexed by one worker at a time; a failure is logged, never raised: the runs
are a cache, and authorship without them is only slower.
"""

from __future__ import annotations

import asyncio
import logging

from drafting.authorship_index import index
from drafting.errors import DraftingError
from drafting.store import Store

log = logging.getLogger(__name__)


class AuthorshipIndexer:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._running: dict[int, asyncio.Task[None]] = {}
        self._again: set[int] = set()

    def checkpointed(self, document_id: int) -> None:
        """A checkpoint of the document was stored: index it (again, after a run already under way)."""
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
        """Wait until every indexing under way has finished (shutdown, tests)."""
        while self._running:
            await asyncio.gather(*self._running.values(), return_exceptions=True)
