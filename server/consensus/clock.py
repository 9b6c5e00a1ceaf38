"""The silence procedure's clock: it wakes at the next deadline and has the workflow adopt every document
whose silence procedure ended unbroken.

Deadlines are stored (drafting.consensus.records), so the clock survives a restart: at start-up it first
catches up on deadlines missed while the server was down. Starting, cancelling or breaking silence wakes
it to look again. Time is the workflow's `now` and `tick()` may be called directly, so tests never sleep.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from drafting.consensus import rules
from drafting.consensus.records import next_deadline
from server.consensus.workflow import ConsensusWorkflow

log = logging.getLogger(__name__)

# Sleep at most this long: a clock that jumped, or a deadline written by another instance, is seen
# within the hour even without a wake-up.
LONGEST_SLEEP = 3600.0
RETRY_AFTER_FAILURE = 5.0


class SilenceClock:
    def __init__(self, workflow: ConsensusWorkflow) -> None:
        self.workflow = workflow
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    async def tick(self) -> list[int]:
        """Adopt every document whose deadline has passed; returns their ids."""
        return await self.workflow.adopt_due()

    def wake(self) -> None:
        """Look at the deadlines again (one was added, cancelled or broken)."""
        if self._wake is not None:
            self._wake.set()

    async def start(self) -> None:
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="silence clock")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()
            try:
                await self.tick()
                deadline = await self.workflow.in_session(next_deadline)
                delay = LONGEST_SLEEP
                if deadline is not None:
                    delay = min(LONGEST_SLEEP, rules.seconds_until(deadline, self.workflow.now()) + 0.01)
            except Exception:
                # The clock must outlive a failed adoption (storage down): log the cause and retry.
                log.exception("the silence clock failed; retrying in %s s", RETRY_AFTER_FAILURE)
                delay = RETRY_AFTER_FAILURE
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
