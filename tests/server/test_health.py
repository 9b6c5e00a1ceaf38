"""/healthz: 200 while the instance reaches its database (and Redis, when several share it), 503 naming
what it cannot reach, so that HAProxy takes it out of the rotation (deploy/haproxy.cfg)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
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

    async def twice() -> list[dict[str, str]]:
        checking = Health(cast(Engine, Hanging()))
        found = [await checking.problems(), await checking.problems()]
        released.set()
        with contextlib.suppress(OSError):
            await checking._database  # type: ignore[misc]  (the one check, ending)
        return found

    assert asyncio.run(twice()) == [{"database": "unreachable"}] * 2
    assert connects == [1]
