"""Engines: letting go of their connections at shutdown."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest

from drafting.database import dispose_when_returned, make_engine


def test_a_connection_still_out_is_closed_once_it_comes_back(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'consenso.db'}")
    taken = engine.connect()
    raw = taken.connection.dbapi_connection
    assert raw is not None
    counting = engine.pool.checkedout  # type: ignore[attr-defined]
    asked = threading.Event()

    def checkedout() -> int:
        asked.set()
        return int(counting())

    engine.pool.checkedout = checkedout  # type: ignore[attr-defined]
    returned: list[bool] = []
    disposing = threading.Thread(target=lambda: returned.append(dispose_when_returned(engine, within=30)))
    disposing.start()
    assert asked.wait(10), "dispose_when_returned did not look whether connections were out"
    taken.close()  # the worker thread finishing its transaction after shutdown began
    disposing.join(30)
    assert returned == [True]
    with pytest.raises(sqlite3.ProgrammingError):
        raw.execute("SELECT 1")  # closed, not left open in a pool nobody holds


def test_a_connection_that_does_not_come_back_does_not_hold_up_the_shutdown(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'consenso.db'}")
    taken = engine.connect()
    assert dispose_when_returned(engine, within=0.05) is False
    taken.close()


def test_a_connection_taken_after_the_end_is_closed_when_it_comes_back(tmp_path: Path) -> None:
    """Work queued before shutdown may still connect after the pool was let go: that connection is closed
    as it is handed back, not left in a pool nobody holds."""
    engine = make_engine(f"sqlite:///{tmp_path / 'consenso.db'}")
    assert dispose_when_returned(engine) is True
    late = engine.connect()
    raw = late.connection.dbapi_connection
    assert raw is not None
    late.close()
    with pytest.raises(sqlite3.ProgrammingError):
        raw.execute("SELECT 1")
