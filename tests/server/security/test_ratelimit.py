"""Rate limits on sign-in and token endpoints: in-process, through the app, and on a real Redis."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import secrets
import socket
from collections.abc import Iterator

import pytest
import redis
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from server.security import RATE_LIMITS, SIGN_IN_PATHS, TOKEN_PATHS
from server.security.ratelimit import (
    MemoryCounter,
    RateLimitMiddleware,
    RedisCounter,
    RouteGroup,
    counter_for,
)
from tests.conftest import skip_unless_ci
from tests.server.conftest import ORIGIN, App

REDIS_URL = os.environ.get("CONSENSO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
SIGN_IN = RouteGroup("sign-in", ("/signin/",), requests=3, window_seconds=60)


class Clock:
    def __init__(self, now: float = 6_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def limited_app(clock: Clock, counter: MemoryCounter | RedisCounter | None = None) -> TestClient:
    async def ok(_request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    app = Starlette(routes=[Route("/signin/{provider}", ok), Route("/api/documents", ok)])
    wrapped = RateLimitMiddleware(app, groups=[SIGN_IN], counter=counter or MemoryCounter(), clock=clock)
    return TestClient(wrapped)


def test_the_limited_paths_cover_sign_in_and_tokens() -> None:
    covered = [path for group in RATE_LIMITS for path in group.prefixes]
    for path in ["/api/demo/signin", "/signin/entra", "/auth/callback/entra", "/api/tokens", "/api/tokens/3"]:
        assert any(path.startswith(prefix) for prefix in covered), path
    assert not any("/signin".startswith(prefix) for prefix in covered), "the sign-in page itself is a page"
    assert set(SIGN_IN_PATHS) | set(TOKEN_PATHS) == set(covered)


def test_over_the_budget_a_client_gets_429_with_retry_after() -> None:
    clock = Clock(6_015.0)
    with limited_app(clock) as client:
        assert [client.get("/signin/entra").status_code for _ in range(3)] == [200, 200, 200]
        refused = client.get("/signin/keycloak")  # one budget for the whole group
        assert refused.status_code == 429
        assert refused.headers["Retry-After"] == "45"
        assert refused.json() == {
            "error": "too many sign-in requests from your address; try again in 45 seconds",
            "code": "too_many_requests",
            "params": {"retry_after": 45},
        }
        assert client.get("/api/documents").status_code == 200, "other routes are not limited"
        clock.now = 6_060.0  # the next window
        assert client.get("/signin/entra").status_code == 200


def test_each_client_address_has_its_own_budget() -> None:
    clock = Clock()
    with limited_app(clock) as first, TestClient(first.app, client=("203.0.113.9", 4000)) as second:
        for _ in range(3):
            first.get("/signin/entra")
        assert first.get("/signin/entra").status_code == 429
        assert second.get("/signin/entra").status_code == 200


def test_the_memory_counter_forgets_old_windows() -> None:
    counter = MemoryCounter()

    async def run() -> list[int]:
        counts = [await counter.hit("a", 1, 60), await counter.hit("a", 1, 60), await counter.hit("b", 1, 60)]
        return [*counts, await counter.hit("a", 2, 60)]

    assert asyncio.run(run()) == [1, 2, 1, 1]
    assert set(counter._counts) == {"a"}


def test_the_demo_sign_in_is_limited_in_the_app(app: App) -> None:
    group = next(g for g in RATE_LIMITS if g.name == "sign-in")
    user_id = app.client.get("/api/demo/users").json()[0]["id"]
    statuses = [
        app.client.post("/api/demo/signin", json={"user_id": user_id}, headers={"Origin": ORIGIN}).status_code
        for _ in range(group.requests + 1)
    ]
    assert statuses == [204] * group.requests + [429]
    assert app.client.get("/api/me").status_code == 200, "pages and the API stay usable"


def test_without_a_redis_url_the_count_is_in_process() -> None:
    assert isinstance(counter_for(None), MemoryCounter)


@pytest.fixture
def redis_url() -> str:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        skip_unless_ci(f"Redis is not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL


def test_workers_sharing_redis_share_the_budget(redis_url: str) -> None:
    prefix = f"consenso-test:{secrets.token_hex(4)}:"
    clock = Clock()
    worker_a, worker_b = RedisCounter(redis_url, prefix), RedisCounter(redis_url, prefix)
    try:
        with limited_app(clock, worker_a) as a, limited_app(clock, worker_b) as b:
            assert [a.get("/signin/x").status_code, b.get("/signin/x").status_code] == [200, 200]
            assert a.get("/signin/x").status_code == 200
            refused = b.get("/signin/x")
            assert refused.status_code == 429
            assert refused.headers["Retry-After"] == "60"
        keys = redis.Redis.from_url(redis_url).keys(prefix + "*")
        assert len(keys) == 1
        assert 0 < redis.Redis.from_url(redis_url).ttl(keys[0]) <= 61, "a window's key expires"
    finally:
        cleanup = redis.Redis.from_url(redis_url)
        for key in cleanup.keys(prefix + "*"):
            cleanup.delete(key)
        cleanup.close()


def test_when_redis_fails_requests_go_through_and_the_log_says_why(caplog: pytest.LogCaptureFixture) -> None:
    with socket_nobody_listens_on() as port:
        counter = RedisCounter(f"redis://127.0.0.1:{port}/0")
        with (
            caplog.at_level(logging.WARNING, "server.security.ratelimit"),
            limited_app(Clock(), counter) as client,
        ):
            assert all(client.get("/signin/x").status_code == 200 for _ in range(5))
    assert "not counted" in caplog.text


@contextlib.contextmanager
def socket_nobody_listens_on() -> Iterator[int]:
    with socket.socket() as bound:
        bound.bind(("127.0.0.1", 0))  # bound, never listening: connections are refused
        yield int(bound.getsockname()[1])
