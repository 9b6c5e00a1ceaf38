"""Engines and migrations: SQLite (WAL) embedded by default, PostgreSQL in production."""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event

MIGRATIONS = Path(__file__).with_name("migrations")
log = logging.getLogger(__name__)


def make_engine(url: str, *, synchronous: str = "FULL") -> Engine:
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas(synchronous))
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10)


def dispose_when_returned(engine: Engine, *, within: float = 10.0) -> bool:
    """Close the engine's connections once every one taken from its pool is back, or after `within`
    seconds; returns whether they all came back. A worker thread whose awaiting task was cancelled at
    shutdown still finishes its transaction and hands its connection back afterwards: disposing before
    that leaves the connection in a pool nobody holds, and it is never closed."""
    pool = engine.pool
    checked_out = getattr(pool, "checkedout", lambda: 0)
    deadline = time.monotonic() + within
    while checked_out() > 0 and time.monotonic() < deadline:
        time.sleep(0.005)  # a thread finishing a transaction: there is no event to wait on
    returned = checked_out() == 0
    if not returned:
        log.warning(
            "%d database connections were still out after %.0f s; closing the rest", checked_out(), within
        )
    # From here on a connection handed back (one still out, or taken by work queued before the end) is
    # closed as it comes back: no pool is left to close it later.
    event.listen(engine, "checkin", _close_on_return)
    engine.dispose()
    return returned


def _close_on_return(dbapi_connection: Any, _record: Any) -> None:
    if dbapi_connection is not None:
        with contextlib.suppress(Exception):  # already broken: nothing is left open
            dbapi_connection.close()


def _sqlite_pragmas(synchronous: str) -> Any:
    if synchronous.upper() not in {"OFF", "NORMAL", "FULL", "EXTRA"}:
        raise ValueError(f"unknown SQLite synchronous mode {synchronous!r}")

    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    return on_connect


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration of every branch (each area of the domain migrates
    on its own branch from 0001 until a merge revision joins them).

    Alembic is imported here, not with the module: a serving process does not keep its 12 MB for the
    one call at start (docs/decisions/0051)."""
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "heads")
