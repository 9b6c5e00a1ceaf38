"""Whether this instance can do its work now: what `/healthz` answers, and what HAProxy routes by
(deploy/haproxy.cfg takes an instance that answers 503 out of the rotation until it answers 200 again).

An instance that cannot reach its database cannot commit an edit; one of several that cannot reach Redis
cannot relay. Both are asked at once and each may take `CHECK_SECONDS`. The database is asked on a
connection and a thread of the check's own, so a busy instance (its worker threads and pooled connections
all taken by commits, imports, exports) is not mistaken for one cut off from its database; and a check
still running from an earlier call (a connection attempt that hangs) is waited for, not started again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.pool import NullPool

from server import redis_link

log = logging.getLogger(__name__)

CHECK_SECONDS = 2.0
UNREACHABLE = "unreachable"


class Pingable(Protocol):
    async def ping(self) -> Any: ...


class Health:
    def __init__(self, engine: Engine, redis: Pingable | None = None) -> None:
        self.engine = engine
        self.redis = redis
        self._worker = ThreadPoolExecutor(1, thread_name_prefix="health")
        self._checks: dict[str, asyncio.Future[Any]] = {}

    @classmethod
    def of(cls, database_url: str, redis: Pingable | None = None) -> Health:
        """Checks on a connection of their own, opened for each check and never pooled."""
        postgres = database_url.startswith("postgresql")
        connect_args = {"connect_timeout": int(CHECK_SECONDS)} if postgres else {}
        return cls(create_engine(database_url, poolclass=NullPool, connect_args=connect_args), redis)

    async def problems(self) -> dict[str, str]:
        """What this instance cannot reach: {"database": "unreachable"}, {"redis": …}; {} when all is well."""
        loop = asyncio.get_running_loop()
        checks: dict[str, Callable[[], Awaitable[Any]]] = {
            "database": lambda: loop.run_in_executor(self._worker, self._select_one)
        }
        if self.redis is not None:
            checks["redis"] = self.redis.ping
        reached = await asyncio.gather(*(self._reached(what, start) for what, start in checks.items()))
        return {what: UNREACHABLE for what, ok in zip(checks, reached, strict=True) if not ok}

    def close(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)
        self.engine.dispose()

    def _select_one(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    async def _reached(self, what: str, start: Callable[[], Awaitable[Any]]) -> bool:
        running = self._checks.get(what)
        if running is None or running.done():
            running = self._checks[what] = asyncio.ensure_future(start())
        try:
            await asyncio.wait_for(asyncio.shield(running), CHECK_SECONDS)
        except TimeoutError:
            log.warning("health: the %s did not answer within %.0f s", what, CHECK_SECONDS)
            return False
        except (SQLAlchemyError, OSError) as exc:
            return _unreachable(what, exc)
        except Exception as exc:
            # Redis's own errors, asked about only where Redis is used: asking imports it (decision 0051).
            if self.redis is not None and isinstance(exc, redis_link.failures()):
                return _unreachable(what, exc)
            raise
        return True


def _unreachable(what: str, exc: BaseException) -> bool:
    log.warning("health: the %s is unreachable: %s", what, exc)
    return False
