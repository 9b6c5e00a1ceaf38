"""Redis, for an instance that shares its work with others (CONSENSO_REDIS_URL, docs/decisions/0044).

The client library (6 MB of a serving process) is imported with the first connection, not with the server:
one instance alone never loads it (docs/decisions/0051).
"""

from __future__ import annotations

from typing import Any


def connect(url: str) -> Any:
    import redis.asyncio

    return redis.asyncio.Redis.from_url(url)


def failures() -> tuple[type[BaseException], ...]:
    """What a call to Redis raises when Redis does not answer: `except failures() as exc:`."""
    from redis.exceptions import RedisError

    return (RedisError, OSError)
