"""Simulated editors: worker processes that hold many y-websocket connections to one draft.

A typist worker runs ``editors`` typists in one asyncio loop. Each typist has its own pycrdt Doc,
syncs with the server (step 1 / step 2), then inserts one ASCII letter at a random place in a
random paragraph at ``rate`` keystrokes per second (open loop: the schedule does not wait for the
server), sends the update, and logs (client id, clock just past the keystroke, send time). It
drains what the server sends back without applying it: a browser would apply it, but here the
client CPU is better spent keeping the load honest.

An observer worker holds a few connections that type nothing; for every update received it logs,
per client, the clock the update reaches and the receipt time. A keystroke (client, clock) has
reached an observer at the first receipt whose clock for that client is >= its clock. All times
are ``time.monotonic()``, which on Linux is one clock for every process on the machine.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import random
import string
import time
from dataclasses import dataclass, field
from typing import Any

from pycrdt import Doc, Map
from websockets.asyncio.client import ClientConnection, connect

from bench import ywire

LETTERS = string.ascii_lowercase + " "


@dataclass
class WorkerPlan:
    role: str  # "typist" or "observer"
    url: str
    headers: dict[str, str]
    editors: int
    rate: float  # keystrokes per second per typist
    duration: float
    grace: float  # seconds to keep connections open after the last keystroke
    seed: int
    result_path: str
    connect_concurrency: int = 32
    flood: int = 0  # flooder: updates sent as fast as it can, from the middle of the window


@dataclass
class WorkerResult:
    role: str
    connected: int = 0
    failed: list[str] = field(default_factory=list)
    sends: list[tuple[int, int, float]] = field(default_factory=list)  # client, clock, t
    arrivals: list[list[tuple[int, int, float]]] = field(default_factory=list)  # per observer
    lags: list[float] = field(default_factory=list)  # actual - scheduled keystroke time
    send_blocked: list[float] = field(default_factory=list)  # time spent inside ws.send
    received_messages: int = 0
    received_bytes: int = 0
    cpu_seconds: float = 0.0  # this process, user + system, during the typing window
    initial_text_bytes: int = 0  # observer 0's document after the initial sync
    final_text_bytes: int = 0  # observer 0's document after applying all it received
    closed_early: int = 0
    flood_started: float = 0.0  # flooder: when it began, and when its last update left it
    flood_sent: float = 0.0


def worker_main(plan: WorkerPlan, ready: Any, start: Any, t0: Any) -> None:
    """Process entry: connect, report ready, wait for the start signal, run, pickle the result."""
    result = asyncio.run(_run_worker(plan, ready, start, t0))
    with open(plan.result_path, "wb") as out:
        pickle.dump(result, out)


async def _run_worker(plan: WorkerPlan, ready: Any, start: Any, t0: Any) -> WorkerResult:
    result = WorkerResult(role=plan.role)
    gate = asyncio.Semaphore(plan.connect_concurrency)
    rng = random.Random(plan.seed)
    editors = [_Editor(plan, result, random.Random(rng.random())) for _ in range(plan.editors)]
    await asyncio.gather(*(editor.connect(gate) for editor in editors))
    live = [editor for editor in editors if editor.ws is not None]
    result.connected = len(live)
    ready.put((plan.role, os.getpid(), len(live), result.failed[:3]))
    loop = asyncio.get_running_loop()
    await loop.run_in_executor(None, start.wait)
    start_at = t0.value
    end_at = start_at + plan.duration
    await _sleep_until(start_at)
    cpu_before = _cpu()
    tasks = [asyncio.create_task(editor.type(start_at, end_at)) for editor in live]
    await _sleep_until(end_at)
    result.cpu_seconds = _cpu() - cpu_before
    await asyncio.gather(*tasks)
    await _sleep_until(end_at + plan.grace)
    for editor in live:
        await editor.close()
    if plan.role == "observer":
        result.arrivals = [editor.arrivals for editor in live]
        if live:
            result.initial_text_bytes = live[0].text_bytes()
            live[0].apply_received()
            result.final_text_bytes = live[0].text_bytes()
    return result


def _cpu() -> float:
    times = os.times()
    return times.user + times.system


async def _sleep_until(deadline: float) -> None:
    delay = deadline - time.monotonic()
    if delay > 0:
        await asyncio.sleep(delay)


class _Editor:
    def __init__(self, plan: WorkerPlan, result: WorkerResult, rng: random.Random) -> None:
        self.plan = plan
        self.result = result
        self.rng = rng
        self.doc = Doc()
        self.ws: ClientConnection | None = None
        self.synced = asyncio.Event()
        self.reader: asyncio.Task[None] | None = None
        self.outgoing: list[bytes] = []
        self.arrivals: list[tuple[int, int, float]] = []
        self.seen: dict[int, int] = {}
        self.received: list[bytes] = []  # observers only, applied after the run

    async def connect(self, gate: asyncio.Semaphore) -> None:
        async with gate:
            try:
                self.ws = await connect(
                    self.plan.url, additional_headers=self.plan.headers, max_size=None, open_timeout=60
                )
                self.reader = asyncio.create_task(self.read())
                await self.ws.send(ywire.step1(self.doc))
                await asyncio.wait_for(self.synced.wait(), 60)
            except Exception as exc:  # report every failure, the run goes on with the others
                self.result.failed.append(f"{type(exc).__name__}: {exc}")
                if self.ws is not None:
                    await self.ws.close()
                self.ws = None

    async def read(self) -> None:
        assert self.ws is not None
        observer = self.plan.role == "observer"
        try:
            async for message in self.ws:
                assert isinstance(message, bytes)
                now = time.monotonic()
                self.result.received_messages += 1
                self.result.received_bytes += len(message)
                kind, sync_kind, payload = ywire.read_message(message)
                if kind != ywire.SYNC:
                    continue
                if sync_kind == ywire.STEP1:
                    await self.ws.send(ywire.step2(self.doc, payload))
                    continue
                if not self.synced.is_set():
                    if sync_kind == ywire.STEP2:
                        self.doc.apply_update(payload)
                        self.synced.set()
                        self.seen = ywire.decode_state(self.doc.get_state())
                    continue
                if observer:
                    self.received.append(payload)
                    for client, clock in ywire.update_clocks(payload).items():
                        if clock > self.seen.get(client, 0):
                            self.seen[client] = clock
                            self.arrivals.append((client, clock, now))
        except Exception as exc:
            self.result.failed.append(f"reader {type(exc).__name__}: {exc}")

    async def type(self, start_at: float, end_at: float) -> None:
        if self.plan.role == "flooder" and self.ws is not None:
            await self.flood(start_at + (end_at - start_at) / 2)
            return
        if self.plan.role != "typist" or self.ws is None:
            return
        rng = self.rng
        period = 1.0 / self.plan.rate
        paragraphs = list(self.doc.get("paragraphs", type=Map).values())
        self.doc.observe(lambda event: self.outgoing.append(event.update))
        client = self.doc.client_id
        clock = 0
        scheduled = start_at + rng.uniform(0, period)
        while scheduled < end_at:
            await _sleep_until(scheduled)
            before = time.monotonic()
            self.result.lags.append(before - scheduled)
            paragraph = rng.choice(paragraphs)
            text = str(paragraph)
            index = rng.randint(0, len(text))
            paragraph.insert(len(text[:index].encode()), rng.choice(LETTERS))
            update = self.outgoing.pop()
            clock = ywire.update_clocks(update).get(client, clock)
            sent_at = time.monotonic()
            try:
                await self.ws.send(ywire.update_message(update))
            except Exception as exc:
                self.result.failed.append(f"send {type(exc).__name__}: {exc}")
                self.result.closed_early += 1
                return
            self.result.send_blocked.append(time.monotonic() - sent_at)
            self.result.sends.append((client, clock, sent_at))
            scheduled += period * rng.uniform(0.5, 1.5)

    async def flood(self, at: float) -> None:
        """One client sending `plan.flood` keystrokes as fast as the socket takes them."""
        assert self.ws is not None
        paragraph = next(iter(self.doc.get("paragraphs", type=Map).values()))
        self.doc.observe(lambda event: self.outgoing.append(event.update))
        client = self.doc.client_id
        await _sleep_until(at)
        self.result.flood_started = time.monotonic()
        for _ in range(self.plan.flood):
            paragraph.insert(0, self.rng.choice(LETTERS))
            update = self.outgoing.pop()
            await self.ws.send(ywire.update_message(update))
        clock = ywire.update_clocks(update).get(client, 0)
        self.result.flood_sent = time.monotonic()
        self.result.sends.append((client, clock, self.result.flood_sent))

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self.reader is not None:
            await self.reader

    def apply_received(self) -> None:
        for update in self.received:
            self.doc.apply_update(update)

    def text_bytes(self) -> int:
        paragraphs = self.doc.get("paragraphs", type=Map)
        return sum(len(str(text).encode()) for text in paragraphs.values())
