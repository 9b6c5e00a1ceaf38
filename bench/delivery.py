"""Server CPU per delivered update: N readers, one writer at a steady rate, awareness off or on.

CPU time (utime + stime of the server) is counted only from the moment every reader is synced until every
reader has every update, so connecting is left out, and it is CPU, not wall time, so a busy machine moves it
less than it moves latency. With awareness on, each reader behaves as a stock y-websocket client: it sets a
state, renews it every 15 s, and re-sends every awareness message it receives (the N² pattern a server has to
absorb). Delivered = updates × (readers + 1): the writer gets its own updates back too.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from dataclasses import dataclass

from pycrdt import Doc, Map
from websockets.asyncio.client import ClientConnection, connect

from bench import ywire
from bench.server import ServerProcess

RENEW_SECONDS = 15.0


@dataclass
class DeliveryResult:
    readers: int
    updates: int
    awareness: bool
    server_cpu_s: float
    us_per_delivered: float
    wall_s: float
    peak_rss_mb: float


def run(
    server: ServerProcess, document_id: int, token: str, *, readers: int, updates: int, rate: float,
    awareness: bool,
) -> DeliveryResult:  # fmt: skip
    return asyncio.run(_run(server, document_id, token, readers, updates, rate, awareness))


async def _run(
    server: ServerProcess, document_id: int, token: str, readers: int, updates: int, rate: float,
    awareness: bool,
) -> DeliveryResult:  # fmt: skip
    url, headers = server.url(document_id), {"Authorization": f"Bearer {token}"}
    gate = asyncio.Semaphore(25)
    clients = [_Reader(awareness) for _ in range(readers + 1)]
    await asyncio.gather(*(client.connect(url, headers, gate) for client in clients))
    writer = clients[0]
    cpu_before, started = server.cpu_seconds(), time.monotonic()
    renewals = [asyncio.create_task(client.renew()) for client in clients if awareness]
    last = await writer.write(updates, rate)
    for client in clients:
        client.expect(writer.doc.client_id, last)
    await asyncio.wait_for(asyncio.gather(*(client.done.wait() for client in clients)), 120)
    cpu = server.cpu_seconds() - cpu_before
    wall = time.monotonic() - started
    for task in renewals:
        task.cancel()
    await asyncio.gather(*(client.close() for client in clients))
    delivered = updates * len(clients)
    return DeliveryResult(readers, updates, awareness, cpu, cpu / delivered * 1e6, wall, server.peak_rss_mb())


class _Reader:
    def __init__(self, awareness: bool) -> None:
        self.awareness = awareness
        self.doc: Doc = Doc()  # type: ignore[type-arg]
        self.ws: ClientConnection | None = None
        self.synced = asyncio.Event()
        self.done = asyncio.Event()
        self.expected: tuple[int, int] | None = None  # writer's client id and last clock
        self.seen: dict[int, int] = {}  # clock reached per client, from the updates received
        self.clock = 0
        self.reader: asyncio.Task[None] | None = None

    async def connect(self, url: str, headers: dict[str, str], gate: asyncio.Semaphore) -> None:
        async with gate:
            self.ws = await connect(url, additional_headers=headers, max_size=None, open_timeout=60)
            self.reader = asyncio.create_task(self.read())
            await self.ws.send(ywire.step1(self.doc))
            await asyncio.wait_for(self.synced.wait(), 60)
            if self.awareness:
                await self.set_state()

    async def set_state(self) -> None:
        assert self.ws is not None
        self.clock += 1
        state = json.dumps({"user": {"name": "bench"}, "color": "#30bced", "cursor": None})
        entry = ywire.var_uint(self.doc.client_id) + ywire.var_uint(self.clock)
        entry += ywire.var_uint(len(state.encode())) + state.encode()
        payload = b"\x01" + entry
        await self.ws.send(bytes((ywire.AWARENESS,)) + ywire.var_uint(len(payload)) + payload)

    async def renew(self) -> None:
        while True:
            await asyncio.sleep(RENEW_SECONDS)
            await self.set_state()

    async def read(self) -> None:
        assert self.ws is not None
        async for message in self.ws:
            assert isinstance(message, bytes)
            kind, sync_kind, payload = ywire.read_message(message)
            if kind == ywire.AWARENESS:
                if self.awareness and len(message) > 3:
                    await self.ws.send(message)  # what a stock client does with every change it receives
                continue
            if sync_kind == ywire.STEP1:
                await self.ws.send(ywire.step2(self.doc, payload))
            elif not self.synced.is_set():
                self.doc.apply_update(payload)
                self.synced.set()
            else:
                for client, clock in ywire.update_clocks(payload).items():
                    self.seen[client] = max(clock, self.seen.get(client, 0))
                self.check()

    def expect(self, client: int, clock: int) -> None:
        self.expected = (client, clock)
        self.check()

    def check(self) -> None:
        if self.expected is not None and self.seen.get(self.expected[0], 0) >= self.expected[1]:
            self.done.set()

    async def write(self, updates: int, rate: float) -> int:
        """Send `updates` keystrokes at `rate` a second; the clock just past the last one."""
        assert self.ws is not None
        paragraphs = list(self.doc.get("paragraphs", type=Map).values())
        outgoing: list[bytes] = []
        self.doc.observe(lambda event: outgoing.append(event.update))
        rng = random.Random(7)
        clock = 0
        period, next_at = 1.0 / rate, time.monotonic()
        for _ in range(updates):
            paragraph = rng.choice(paragraphs)
            paragraph.insert(0, rng.choice("abc "))
            update = outgoing.pop()
            clock = ywire.update_clocks(update).get(self.doc.client_id, clock)
            await self.ws.send(ywire.update_message(update))
            next_at += period
            await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        return clock

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            self.reader.cancel()
