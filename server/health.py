"""Whether this instance can do its work now: what `/healthz` answers, and what HAProxy routes by
(deploy/haproxy.cfg takes an instance that answers 503 out of the rotation until it answers 200 again).

An instance that cannot reach its database cannot commit an edit; one of several that cannot reach Redis
cannot relay. Each check waits at most `CHECK_SECONDS`; a database check still running from an earlier
call (a connection attempt that hangs) is not started again, so that health checks never take up the
worker threads the commits need.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable
from typing import Protocol

from redis.exceptions import RedisError
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

CHECK_SECONDS = 2.0
UNREACHABLE = "unreachable"


class Pingable(Protocol):
    async def ping(self) -> None: ...


class Health:
    def __init__(self, engine: Engine, redis: Pingable | None = None) -> None:
        self.engine = engine
        self.redis = redis
        self._database: asyncio.Future[None] | None = None

    async def problems(self) -> dict[str, str]:
        """What this instance cannot reach: {"database": "unreachable"}, {"redis": …}; {} when all is well."""
        problems = {}
        if not await self._reached("database", self._database_check()):
            problems["database"] = UNREACHABLE
        if self.redis is not None and not await self._reached("redis", self.redis.ping()):
            problems["redis"] = UNREACHABLE
        return problems

    def _database_check(self) -> asyncio.Future[None]:
        if self._database is None or self._database.done():
            self._database = asyncio.ensure_future(asyncio.to_thread(self._select_one))
        return self._database

    def _select_one(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    @staticmethod
    async def _reached(what: str, check: Awaitable[None]) -> bool:
        try:
            await asyncio.wait_for(asyncio.shield(check), CHECK_SECONDS)
        except TimeoutError:
            log.warning("health: the %s did not answer within %.0f s", what, CHECK_SECONDS)
            return False
        except (SQLAlchemyError, RedisError, OSError) as exc:
            log.warning("health: the %s is unreachable: %s", what, exc)
            return False
        return True
