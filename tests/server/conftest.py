from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session
from starlette.testclient import TestClient, WebSocketTestSession

from auth.credentials import create_script_token
from drafting.catalogue import user_by_email
from drafting.database import make_engine, upgrade
from drafting.demo import load_demo
from server.app import create_app
from server.settings import Settings

ORIGIN = "http://testserver"


@dataclass
class App:
    client: TestClient
    engine: Engine
    settings: Settings
    sockets: contextlib.ExitStack

    def socket(self, path: str, headers: dict[str, str] | None = None) -> WebSocketTestSession:
        """Open a sync socket that is closed when the test ends."""
        return self.sockets.enter_context(self.client.websocket_connect(path, headers=headers or {}))

    def token(self, email: str) -> str:
        with Session(self.engine) as session, session.begin():
            return create_script_token(session, user_by_email(session, email))

    def bearer(self, email: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(email)}"}


AppFactory = Callable[..., App]


@pytest.fixture
def make_app(tmp_path: Path) -> Iterator[AppFactory]:
    """Start the application in-process (TestClient) on a fresh SQLite file with the demo loaded;
    keyword arguments override its Settings. Everything started is stopped when the test ends."""
    url = f"sqlite:///{tmp_path / 'consenso.db'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session, session.begin():
        load_demo(session)
    with contextlib.ExitStack() as stack:

        def start(**overrides: Any) -> App:
            settings = Settings(
                **{
                    "database_url": url,
                    "demo": True,
                    "allowed_origins": frozenset({ORIGIN}),
                    "max_message_bytes": 64 * 1024,
                    **overrides,
                }
            )
            client = stack.enter_context(TestClient(create_app(settings), base_url=ORIGIN))
            return App(client, engine, settings, stack.enter_context(contextlib.ExitStack()))

        yield start
    engine.dispose()


@pytest.fixture
def app(make_app: AppFactory) -> App:
    """The application with the test settings."""
    return make_app()
