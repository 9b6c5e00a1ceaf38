"""/healthz: 200 while the instance reaches its database (and Redis, when several share it), 503 naming
what it cannot reach, so that HAProxy takes it out of the rotation (deploy/haproxy.cfg)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import threading
from pathlib import Path
from typing import Any, cast

import pytest
import redis.asyncio
from sqlalchemy import Engine

from drafting.database import make_engine
from server import health
from server.health import Health
from tests.server.conftest import App
from tests.server.test_credential_endings import services_of


def test_a_healthy_instance_answers_200(app: App) -> None:
    response = app.client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_an_instance_without_its_database_answers_503(app: App) -> None:
    services = services_of(app)
    unreachable = make_engine("postgresql+psycopg://postgres@127.0.0.1:1/consenso")
    services.health.engine = unreachable
    try:
        response = app.client.get("/healthz")
    finally:
        unreachable.dispose()
    assert response.status_code == 503
    assert response.json() | {"open_documents": 0} == {
        "status": "unavailable",
        "database": "unreachable",
        "open_documents": 0,
    }


def test_an_instance_without_redis_answers_503(app: App) -> None:
    services = services_of(app)
    unreachable = redis.asyncio.Redis.from_url("redis://127.0.0.1:1/0", socket_connect_timeout=1)
    services.health.redis = unreachable
    response = app.client.get("/healthz")
    app.client.portal.call(unreachable.aclose)  # type: ignore[union-attr]
    assert response.status_code == 503
    assert response.json()["redis"] == "unreachable" and "database" not in response.json()


def test_a_database_check_that_hangs_is_not_started_again(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(health, "CHECK_SECONDS", 0.05)
    released, connects = threading.Event(), []

    class Hanging:
        def connect(self) -> Any:
            connects.append(1)
            released.wait(10)
            raise OSError("connection timed out")

        def dispose(self) -> None:
            pass

    async def twice() -> list[dict[str, str]]:
        checking = Health(cast(Engine, Hanging()))
        found = [await checking.problems(), await checking.problems()]
        released.set()
        with contextlib.suppress(OSError):
            await checking._checks["database"]  # the one check, ending
        checking.close()
        return found

    assert asyncio.run(twice()) == [{"database": "unreachable"}] * 2
    assert connects == [1]


def test_busy_worker_threads_are_not_an_unreachable_database(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every worker thread busy (commits, imports, exports): the instance is busy, not cut off."""
    monkeypatch.setattr(health, "CHECK_SECONDS", 0.5)
    checking = Health.of(f"sqlite:///{tmp_path / 'consenso.db'}")
    release = threading.Event()

    async def busy() -> dict[str, str]:
        loop = asyncio.get_running_loop()
        workers = min(32, (os.cpu_count() or 1) + 4)  # the default executor's size
        jobs = [loop.run_in_executor(None, release.wait, 10) for _ in range(workers)]
        try:
            return await checking.problems()
        finally:
            release.set()
            await asyncio.gather(*jobs)

    try:
        assert asyncio.run(busy()) == {}
    finally:
        checking.close()


def test_a_redis_check_that_hangs_is_not_started_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(health, "CHECK_SECONDS", 0.05)
    pings: list[int] = []

    class Hanging:
        async def ping(self) -> None:
            pings.append(1)
            await asyncio.Event().wait()

    async def many() -> list[dict[str, str]]:
        checking = Health.of(f"sqlite:///{tmp_path / 'consenso.db'}", Hanging())
        try:
            return [await checking.problems() for _ in range(5)]
        finally:
            checking.close()

    assert asyncio.run(many()) == [{"redis": "unreachable"}] * 5
    assert pings == [1]
