"""Rate limits on sign-in and token endpoints: a fixed window per client address and route group.

The count lives in Redis when one is configured, so every worker of a deployment shares it; otherwise in
this process. If Redis fails, requests go through and the log says why: a Redis outage must not lock
everybody out of signing in.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import redis_link
from server.errors import error_response

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RouteGroup:
    """Paths that share one budget: `requests` per `window_seconds` per client address."""

    name: str
    prefixes: tuple[str, ...]
    requests: int
    window_seconds: int

    def covers(self, path: str) -> bool:
        return path.startswith(self.prefixes)


class Counter(Protocol):
    async def hit(self, key: str, window: int, window_seconds: int) -> int:
        """Count one request under `key` in fixed window number `window`; return the count so far."""

    async def close(self) -> None: ...


class MemoryCounter:
    """One process's counts; stale windows are dropped as new ones start."""

    def __init__(self) -> None:
        self._counts: dict[str, tuple[int, int]] = {}
        self._window = -1

    async def hit(self, key: str, window: int, window_seconds: int) -> int:
        if window != self._window:
            self._counts = {k: v for k, v in self._counts.items() if v[0] >= window}
            self._window = window
        seen, count = self._counts.get(key, (window, 0))
        count = count + 1 if seen == window else 1
        self._counts[key] = (window, count)
        return count

    async def close(self) -> None:
        self._counts.clear()


class RedisCounter:
    """Counts shared by every worker: INCR on a key per window, which expires after the window."""

    def __init__(self, url: str, prefix: str = "consenso:ratelimit:") -> None:
        self._redis: Any = redis_link.connect(url)
        self._prefix = prefix

    async def hit(self, key: str, window: int, window_seconds: int) -> int:
        name = f"{self._prefix}{key}:{window}"
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(name)
            pipe.expire(name, window_seconds + 1)
            count, _ = await pipe.execute()
        return int(count)

    async def close(self) -> None:
        await self._redis.aclose()


def counter_for(redis_url: str | None) -> Counter:
    return RedisCounter(redis_url) if redis_url else MemoryCounter()


class RateLimitMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        *,
        groups: Sequence[RouteGroup],
        counter: Counter,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.app = app
        self.groups = tuple(groups)
        self.counter = counter
        self.clock = clock  # wall clock: workers sharing Redis must agree on the windows

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self.app(scope, self._closing_on_shutdown(receive), send)
            return
        group = (
            next((g for g in self.groups if g.covers(scope["path"])), None)
            if scope["type"] == "http"
            else None
        )
        if group is not None:
            retry_after = await self._retry_after(group, _client_address(scope))
            if retry_after is not None:
                message = (
                    f"too many {group.name} requests from your address; try again in {retry_after} seconds"
                )
                response = error_response(
                    429,
                    message,
                    "too_many_requests",
                    {"retry_after": retry_after},
                    headers={"Retry-After": str(retry_after)},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _retry_after(self, group: RouteGroup, address: str) -> int | None:
        """Count this request; the seconds to wait if it is over the group's budget, else None."""
        now = self.clock()
        window = int(now // group.window_seconds)
        try:
            count = await self.counter.hit(f"{group.name}:{address}", window, group.window_seconds)
        except redis_link.failures() as exc:
            log.warning("rate limit for %s not counted (%s): letting the request through", group.name, exc)
            return None
        if count <= group.requests:
            return None
        return max(1, math.ceil((window + 1) * group.window_seconds - now))

    def _closing_on_shutdown(self, receive: Receive) -> Receive:
        async def wrapped() -> Message:
            message = await receive()
            if message["type"] == "lifespan.shutdown":
                await self.counter.close()
            return message

        return wrapped


def _client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"
