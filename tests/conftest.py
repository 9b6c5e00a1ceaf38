from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.exc import OperationalError

from drafting.database import make_engine, upgrade
from tests.support.server import LiveServer, demo_server

IN_CI = os.environ.get("CI") == "true"
REDIS_URL = os.environ.get("CONSENSO_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
POSTGRES_ADMIN_URL = os.environ.get(
    "CONSENSO_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def skip_unless_ci(reason: str) -> None:
    """Outside CI a missing service skips with a reason; in CI it is a failure."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped afterwards."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = "consenso_test_" + secrets.token_hex(4)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        skip_unless_ci(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {exc.orig}")
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def redis_prefix() -> Iterator[str]:
    """A key prefix of this test's own on the machine's Redis (REDIS_URL); its keys are removed afterwards."""
    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.RedisError as exc:
        client.close()
        skip_unless_ci(f"Redis is not reachable at {REDIS_URL}: {exc}")
    prefix = "consenso-test-" + secrets.token_hex(4)
    yield prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)
    client.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A migrated, empty database: an SQLite file, and PostgreSQL."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'consenso.db'}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    yield from _fresh_postgres(request.getfixturevalue("postgres_database"))


@pytest.fixture
def postgres_engine(postgres_database: str) -> Iterator[Engine]:
    """A migrated, empty PostgreSQL database only (what several instances share)."""
    yield from _fresh_postgres(postgres_database)


def _fresh_postgres(url: str) -> Iterator[Engine]:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    out = engine.pool.checkedout()  # type: ignore[attr-defined]
    engine.dispose()
    # A connection still out would be closed by the garbage collector, warning in some later test.
    assert out == 0, f"{out} connections of the test database are still out after the test"


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A real server on a free port with an SQLite database, migrated, demo loaded, demo sign-in on."""
    with demo_server(tmp_path) as server:
        yield server
