"""Every way a credential ends closes the sync sockets and event streams opened with it, with a close code a
stock y-websocket client does not retry (4400-4499), and nothing the socket sends afterwards is applied.

Waits are bounded by a deadline; the sockets' keepalive is a second so a read never blocks longer than that.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from auth.access_tokens import TokenSettings
from auth.endings import access_changed
from drafting.catalogue import user_by_email
from drafting.kinds import Role
from drafting.layout import read_paragraphs
from server.errors import CLOSE_ACCESS_CHANGED, CLOSE_CREDENTIAL_ENDED
from server.security.csrf import HEADER, token_for_session
from server.services import Services
from server.signin.identify import SESSION_COOKIE
from server.sync.protocol import SyncMessage, SyncType
from tests.server.conftest import ORIGIN, App, AppFactory
from tests.support.yclient import YClient

HEAD = "head.mex@demo.consenso"
WAIT_SECONDS = 10.0
QUICK = {"keepalive_seconds": 1}


def services_of(app: App) -> Services:
    services: Services = app.client.app.state.services  # type: ignore[attr-defined]
    return services


def wait_for(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {WAIT_SECONDS}s")
        time.sleep(0.01)  # polling a condition of the app under test, not waiting out a guess


def connect(app: App, headers: dict[str, str]) -> tuple[WebSocketTestSession, YClient]:
    socket = app.socket("/sync/1", headers)
    client = YClient()
    socket.send_bytes(client.step1())
    for _ in range(200):
        message = client.receive(socket.receive_bytes(), reply=socket.send_bytes)
        if isinstance(message, SyncMessage) and message.kind is SyncType.STEP2:
            return socket, client
    raise AssertionError("no sync step 2")


def closed_with(socket: WebSocketTestSession, client: YClient) -> tuple[int, str]:
    """Read frames until the server closes the socket; its close code and reason."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        try:
            client.receive(socket.receive_bytes())
        except WebSocketDisconnect as closed:
            return closed.code, str(closed.reason)
    raise AssertionError(f"the socket is still open after {WAIT_SECONDS}s")


def still_open(socket: WebSocketTestSession, client: YClient) -> bool:
    socket.send_bytes(client.step1())
    for _ in range(200):
        message = client.receive(socket.receive_bytes())
        if isinstance(message, SyncMessage) and message.kind is SyncType.STEP2:
            return True
    return False


def demo_session(app: App, email: str = HEAD) -> str:
    """A new browser session of `email`; its cookie secret (the client's own jar is left empty)."""
    users = app.client.get("/api/demo/users").json()
    user_id = next(u["id"] for u in users if u["email"] == email)
    response = app.client.post("/api/demo/signin", json={"user_id": user_id}, headers={"Origin": ORIGIN})
    assert response.status_code == 204
    secret = response.cookies[SESSION_COOKIE]
    app.client.cookies.clear()
    return secret


def by_cookie(secret: str) -> dict[str, str]:
    return {"Cookie": f"{SESSION_COOKIE}={secret}", "Origin": ORIGIN}


def script_token(app: App, email: str = HEAD) -> tuple[dict[str, str], int]:
    headers = app.bearer(email)
    tokens = app.client.get("/api/tokens", headers=headers).json()
    return headers, max(t["id"] for t in tokens)


@pytest.fixture
def quick_app(make_app: AppFactory) -> App:
    return make_app(**QUICK)


def test_signing_out_closes_that_sessions_sockets_only(quick_app: App) -> None:
    app = quick_app
    laptop, phone = demo_session(app), demo_session(app)
    laptop_socket, laptop_client = connect(app, by_cookie(laptop))
    laptop_tab, laptop_tab_client = connect(app, by_cookie(laptop))
    phone_socket, phone_client = connect(app, by_cookie(phone))
    signed_out = app.client.post(
        "/api/signout", headers={**by_cookie(laptop), HEADER: token_for_session(laptop)}
    )
    assert signed_out.status_code == 204
    assert closed_with(laptop_socket, laptop_client) == (
        CLOSE_CREDENTIAL_ENDED,
        "you signed out; sign in again",
    )
    assert closed_with(laptop_tab, laptop_tab_client)[0] == CLOSE_CREDENTIAL_ENDED
    assert still_open(phone_socket, phone_client)


def test_an_edit_sent_after_the_token_was_revoked_is_not_applied(quick_app: App) -> None:
    app = quick_app
    headers, token_id = script_token(app)
    socket, client = connect(app, headers)
    rooms = services_of(app).rooms
    assert rooms is not None
    room = app.client.portal.call(rooms.open, 1)  # type: ignore[union-attr]  (a socket's room opens cold)
    assert len(room.peers) == 1
    assert app.client.delete(f"/api/tokens/{token_id}", headers=headers).status_code == 204
    client.text(client.order[1]).insert(0, "Después de revocado ")
    for frame in client.take_updates():
        socket.send_bytes(frame)
    assert closed_with(socket, client)[0] == CLOSE_CREDENTIAL_ENDED
    wait_for(lambda: not room.peers, "the server let go of the socket")
    assert not any("Después de revocado" in p.text for p in read_paragraphs(room.doc))


def test_revoking_all_of_a_users_credentials_closes_every_socket(quick_app: App) -> None:
    app = quick_app
    by_token, _ = script_token(app)
    browser = demo_session(app)
    sockets = [connect(app, by_token), connect(app, by_cookie(browser))]
    head_id = app.client.get("/api/me", headers=by_token).json()["id"]
    staff = app.bearer("secretariat@demo.consenso")
    assert app.client.delete(f"/api/users/{head_id}/credentials", headers=staff).status_code == 204
    assert [closed_with(*pair)[0] for pair in sockets] == [CLOSE_CREDENTIAL_ENDED] * 2


def test_an_expired_access_token_closes_its_socket_on_time(make_app: AppFactory) -> None:
    app = make_app(tokens=TokenSettings(ttl=timedelta(seconds=2)), **QUICK)
    headers = app.bearer(HEAD)
    before = time.time()
    minted = app.client.post("/api/tokens/access", headers=headers).json()
    # Read from the first frame: on a busy machine the token may run out before the handshake ends.
    socket = app.socket("/sync/1", {"Authorization": f"Bearer {minted['access_token']}"})
    code, reason = closed_with(socket, YClient())
    assert (code, reason) == (CLOSE_CREDENTIAL_ENDED, "your session or token expired; sign in again")
    assert time.time() >= before + 1  # at its expiry, not before (its exp counts whole seconds)


def change_role(app: App, email: str, role: Role) -> None:
    """What another process (the admin tool, another instance) does: it cannot tell this one."""
    with Session(app.engine) as session, session.begin():
        user_by_email(session, email).role = role


def test_a_role_changed_by_another_process_closes_the_socket(make_app: AppFactory) -> None:
    app = make_app(credential_check_seconds=0.05, **QUICK)
    socket, client = connect(app, app.bearer(HEAD))
    change_role(app, HEAD, Role.DELEGATE)
    code, reason = closed_with(socket, client)
    assert (code, reason) == (
        CLOSE_ACCESS_CHANGED,
        "your role or delegation changed; open the document again",
    )


def test_a_role_changed_in_this_process_closes_the_socket_at_once(make_app: AppFactory) -> None:
    app = make_app(credential_check_seconds=3600, **QUICK)  # no periodic check within the test
    socket, client = connect(app, app.bearer(HEAD))
    other_socket, other_client = connect(app, app.bearer("delegate.gtm@demo.consenso"))

    def demote(session: Session) -> None:
        user = user_by_email(session, HEAD)
        user.role = Role.DELEGATE
        access_changed(session, user.id)

    app.client.portal.call(services_of(app).in_session, demote)  # type: ignore[union-attr]
    assert closed_with(socket, client)[0] == CLOSE_ACCESS_CHANGED
    assert still_open(other_socket, other_client)


# -- the event stream ---------------------------------------------------------------------------------


def events(lines: Iterator[str]) -> Iterator[tuple[str, dict[str, Any]]]:
    """The stream's events until it ends; fails if it is still going after WAIT_SECONDS (the short
    keepalive makes a line arrive at least every 0.2 s)."""
    deadline = time.monotonic() + WAIT_SECONDS
    kind = None
    for line in lines:
        if time.monotonic() > deadline:
            raise AssertionError(f"the event stream is still going after {WAIT_SECONDS}s")
        if line.startswith("event: "):
            kind = line.removeprefix("event: ")
        elif line.startswith("data: ") and kind is not None:
            yield kind, json.loads(line.removeprefix("data: "))
            kind = None


@pytest.fixture
def short_keepalive(monkeypatch: pytest.MonkeyPatch) -> None:
    from server import notices

    monkeypatch.setattr(notices, "KEEPALIVE_SECONDS", 0.2)


@pytest.mark.usefixtures("short_keepalive")
def test_the_event_stream_of_a_revoked_token_ends_with_why(quick_app: App) -> None:
    app = quick_app
    headers, token_id = script_token(app)
    with app.client.stream("GET", "/api/documents/1/events", headers=headers) as response:
        assert response.status_code == 200
        lines = response.iter_lines()
        assert next(lines) == ": connected"
        assert app.client.delete(f"/api/tokens/{token_id}", headers=headers).status_code == 204
        received = list(events(lines))  # the stream ends: iterating stops
    assert received == [
        ("ended", {"reason": "revoked", "message": "your session or token was revoked; sign in again"})
    ]


@pytest.mark.usefixtures("short_keepalive")
def test_the_event_stream_of_an_expired_access_token_ends(make_app: AppFactory) -> None:
    app = make_app(tokens=TokenSettings(ttl=timedelta(seconds=1)), **QUICK)
    minted = app.client.post("/api/tokens/access", headers=app.bearer(HEAD)).json()
    access = {"Authorization": f"Bearer {minted['access_token']}"}
    with app.client.stream("GET", "/api/documents/1/events", headers=access) as response:
        assert response.status_code == 200
        received = list(events(response.iter_lines()))
    assert [(kind, data["reason"]) for kind, data in received] == [("ended", "expired")]
