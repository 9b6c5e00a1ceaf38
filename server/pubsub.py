"""What every instance must hear at once, through Redis pub/sub (several instances, docs/decisions/0044):
live notices for the event streams, and credential endings that close sockets and streams.

Each message is published on its kind's channel and delivered by every instance to its own listeners,
the publisher included (it hears its own message back), so one path serves all. Published in the order
given, by one task. Pub/sub delivers at most once: an instance cut off from Redis for a moment misses what
was said meanwhile, which is why the credential watch still checks every open connection against the
database (server/signin/watch.py) and why event streams are only notices (the state is in the REST).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from typing import Any

from auth.endings import Credential, CredentialKind, Ending, EndReason
from server import redis_link

log = logging.getLogger(__name__)

RETRY_SECONDS = 1.0
Receiver = Callable[[dict[str, Any]], None]


class Bus:
    def __init__(self, redis_url: str, prefix: str) -> None:
        self.prefix = prefix
        self._redis: Any = redis_link.connect(redis_url)
        self._receivers: dict[str, list[Receiver]] = {}
        self._outgoing: asyncio.Queue[tuple[str, str]] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self.subscribed = asyncio.Event()

    def channel(self, kind: str) -> str:
        return f"{self.prefix}:{kind}"

    def subscribe(self, kind: str, receiver: Receiver) -> None:
        """Call `receiver` with every message of `kind`, this instance's own included (before start)."""
        self._receivers.setdefault(self.channel(kind), []).append(receiver)

    async def ping(self) -> None:
        await self._redis.ping()

    def publish(self, kind: str, message: dict[str, Any]) -> None:
        if self._outgoing is None:
            raise RuntimeError("the bus is not started")
        self._outgoing.put_nowait((self.channel(kind), json.dumps(message)))

    async def start(self) -> None:
        self._outgoing = asyncio.Queue()
        self._tasks = [
            asyncio.create_task(self._listen(), name="bus-listen"),
            asyncio.create_task(self._send(), name="bus-send"),
        ]
        await self.subscribed.wait()

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._redis.aclose()
        await self._redis.connection_pool.disconnect()

    async def _send(self) -> None:
        assert self._outgoing is not None
        while True:
            channel, payload = await self._outgoing.get()
            try:
                await self._redis.publish(channel, payload)
            except redis_link.failures() as exc:
                log.error("could not publish on %s (dropped): %s", channel, exc)

    async def _listen(self) -> None:
        while True:
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(*self._receivers)
                self.subscribed.set()
                async for message in pubsub.listen():
                    self._deliver(message["channel"].decode(), message["data"])
            except redis_link.failures() as exc:
                log.error("lost the Redis subscription (retrying): %s", exc)
                await asyncio.sleep(RETRY_SECONDS)
            finally:
                with contextlib.suppress(*redis_link.failures()):
                    await pubsub.aclose()

    def _deliver(self, channel: str, data: bytes) -> None:
        try:
            message = json.loads(data)
        except ValueError:
            log.error("a message on %s is not JSON; ignored", channel)
            return
        for receiver in self._receivers.get(channel, ()):
            receiver(message)


def ending_json(ending: Ending) -> dict[str, Any]:
    credential = ending.credential
    return {
        "reason": ending.reason.value,
        "user_id": ending.user_id,
        "credential": None if credential is None else [credential.kind.value, credential.id],
    }


def ending_of(message: dict[str, Any]) -> Ending:
    credential = message["credential"]
    return Ending(
        EndReason(message["reason"]),
        int(message["user_id"]),
        None if credential is None else Credential(CredentialKind(credential[0]), int(credential[1])),
    )


class SharedEndings:
    """The endings channel of several instances (server/signin/watch.py's EndingsChannel)."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self._receivers: list[Callable[[Ending], object]] = []
        bus.subscribe("endings", self._received)

    def publish(self, ending: Ending) -> None:
        self.bus.publish("endings", ending_json(ending))

    def subscribe(self, receiver: Callable[[Ending], object]) -> None:
        self._receivers.append(receiver)

    def _received(self, message: dict[str, Any]) -> None:
        try:
            ending = ending_of(message)
        except (KeyError, ValueError, TypeError) as exc:
            log.error("an ending from Redis could not be read (%s): %r", exc, message)
            return
        for receiver in self._receivers:
            receiver(ending)
