"""Open sync sockets and event streams end when the credential they were opened with ends.

Each open connection holds its `Standing` here (auth/endings.py). An end reaches it three ways
(docs/decisions/0010-credential-endings.md):
- at once, from this process (and from every instance, when several share Redis): an ending noted in a
  transaction is published on the `EndingsChannel` once the transaction commits (Services.in_session);
- exactly on time, by a timer, when what it came with expires (an access token, a session, a script token);
- within CONSENSO_CREDENTIAL_CHECK_SECONDS, from anywhere: every open connection's standing is checked
  against the database in one query, so `consenso token revoke` in another process, or a role changed
  there, is seen too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError

from auth.endings import Ending, EndReason, Standing
from drafting.clock import utcnow

log = logging.getLogger(__name__)

Check = Callable[[Collection[Standing]], Awaitable[dict[Standing, EndReason]]]


class EndingsChannel(Protocol):
    """How an ending reaches every open connection: in-process (InProcessEndings), or through Redis pub/sub
    to every instance when several share the documents (server/pubsub.py, SharedEndings)."""

    def publish(self, ending: Ending) -> None: ...

    def subscribe(self, receiver: Callable[[Ending], object]) -> None: ...


class InProcessEndings:
    def __init__(self) -> None:
        self._receivers: list[Callable[[Ending], object]] = []

    def publish(self, ending: Ending) -> None:
        for receiver in self._receivers:
            receiver(ending)

    def subscribe(self, receiver: Callable[[Ending], object]) -> None:
        self._receivers.append(receiver)


@dataclass(eq=False)
class Hold:
    """One open connection's standing, and how to end the connection (called once)."""

    standing: Standing
    on_end: Callable[[EndReason], None]
    ended: EndReason | None = None
    timer: asyncio.TimerHandle | None = field(default=None, repr=False)


class Watch:
    def __init__(
        self,
        channel: EndingsChannel,
        check: Check,
        *,
        interval: float,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.check = check
        self.interval = interval
        self.now = now
        self._holds: dict[int, set[Hold]] = {}  # by user id
        self._task: asyncio.Task[None] | None = None
        channel.subscribe(self.end)

    def __len__(self) -> int:
        return sum(len(holds) for holds in self._holds.values())

    def hold(self, standing: Standing, on_end: Callable[[EndReason], None]) -> Hold:
        """Keep `standing` for an open connection until `release`; call from the event loop."""
        hold = Hold(standing, on_end)
        self._holds.setdefault(standing.user_id, set()).add(hold)
        if standing.expires_at is not None:
            delay = max(0.0, (standing.expires_at - self.now()).total_seconds())
            hold.timer = asyncio.get_running_loop().call_later(delay, self._end, hold, EndReason.EXPIRED)
        return hold

    def release(self, hold: Hold) -> None:
        if hold.timer is not None:
            hold.timer.cancel()
        holds = self._holds.get(hold.standing.user_id)
        if holds is not None:
            holds.discard(hold)
            if not holds:
                del self._holds[hold.standing.user_id]

    def end(self, ending: Ending) -> int:
        """End every open connection `ending` ends; returns how many."""
        ended = [hold for hold in self._holds.get(ending.user_id, ()) if ending.ends(hold.standing)]
        for hold in ended:
            self._end(hold, ending.reason)
        return len(ended)

    def _end(self, hold: Hold, reason: EndReason) -> None:
        if hold.ended is not None:
            return
        hold.ended = reason
        self.release(hold)
        log.info("ending a connection of user %d: %s", hold.standing.user_id, reason.value)
        hold.on_end(reason)

    async def check_now(self) -> int:
        """Check every open connection's standing against the database; returns how many ended."""
        standings = {hold.standing for holds in self._holds.values() for hold in holds}
        if not standings:
            return 0
        ended = await self.check(standings)
        holds = [hold for holds in self._holds.values() for hold in holds if hold.standing in ended]
        for hold in holds:
            self._end(hold, ended[hold.standing])
        return len(holds)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._check_forever(), name="credential-watch")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _check_forever(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                await self.check_now()
            except SQLAlchemyError as exc:
                # Connections stay open on what was last known; the next round tries again.
                log.warning("could not check the credentials of open connections: %s", exc, exc_info=exc)
