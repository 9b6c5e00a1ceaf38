"""Live notices end to end: GET /api/documents/{id}/events read as server-sent events while others comment.

Starlette's TestClient streams a response as the app sends it, so the listeners are in-process. Every wait
is bounded: the keepalive is shortened to a tick, and a listener that sees only ticks past its deadline
fails instead of waiting on.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest

from server import notices
from tests.server.conftest import App

DOC = "/api/documents/1"
HEAD_MEX, DELEGATE_MEX = "head.mex@demo.consenso", "delegate.mex@demo.consenso"
HEAD_GTM, HEAD_CAN = "head.gtm@demo.consenso", "head.can@demo.consenso"
WAIT_SECONDS = 10.0


class Listener:
    """One subscriber's stream of notices, read event by event."""

    def __init__(self, lines: Iterator[str]) -> None:
        self.lines = lines
        first = next(self.lines)
        assert first == ": connected", first

    def next_notice(self) -> tuple[str, dict[str, Any]]:
        deadline = time.monotonic() + WAIT_SECONDS
        kind, data = None, None
        for line in self.lines:
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                data = json.loads(line.removeprefix("data: "))
            elif line == "" and kind is not None and data is not None:
                return kind, data
            elif line == ": keepalive" and time.monotonic() > deadline:
                break
        raise AssertionError(f"no notice within {WAIT_SECONDS}s")

    def next_comment(self) -> dict[str, Any]:
        kind, data = self.next_notice()
        assert kind == "comment", (kind, data)
        return data


@pytest.fixture
def listen(app: App, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setattr(notices, "KEEPALIVE_SECONDS", 0.2)
    with contextlib.ExitStack() as streams:

        def subscribe(email: str) -> Listener:
            response = streams.enter_context(
                app.client.stream("GET", f"{DOC}/events", headers=app.bearer(email))
            )
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            return Listener(response.iter_lines())

        yield subscribe


def comment(app: App, email: str, body: str, visibility: str = "participants") -> dict[str, Any]:
    paragraph_id = app.client.get(DOC, headers=app.bearer(HEAD_MEX)).json()["paragraphs"][1]["id"]
    made = app.client.post(
        f"{DOC}/comments",
        json={"paragraph_id": paragraph_id, "body": body, "visibility": visibility},
        headers=app.bearer(email),
    )
    assert made.status_code == 201, made.text
    result: dict[str, Any] = made.json()
    return result


def test_a_comment_reaches_every_listener_live(app: App, listen: Any) -> None:
    guatemala, mexico = listen(HEAD_GTM), listen(DELEGATE_MEX)
    made = comment(app, HEAD_CAN, "Canadá propone «regular» 🍁")
    for listener in (guatemala, mexico):
        notice = listener.next_comment()
        assert notice["event"] == "created"
        assert notice["comment"]["id"] == made["id"]
        assert notice["comment"]["body"] == "Canadá propone «regular» 🍁"
        assert notice["comment"]["delegation"] == "CAN"


def test_a_delegation_note_reaches_only_that_delegation(app: App, listen: Any) -> None:
    guatemala, mexico = listen(HEAD_GTM), listen(DELEGATE_MEX)
    note = comment(app, HEAD_MEX, "Solo México: ¿aceptamos? 🤫", visibility="delegation")
    assert mexico.next_comment()["comment"]["id"] == note["id"]
    public = comment(app, HEAD_CAN, "Para todos 🌎")
    # Had the note leaked, it would be the first comment Guatemala sees.
    seen = guatemala.next_comment()["comment"]
    assert (seen["id"], seen["visibility"]) == (public["id"], "participants")
    assert mexico.next_comment()["comment"]["id"] == public["id"]


def test_replies_and_resolutions_are_notices_too(app: App, listen: Any) -> None:
    guatemala = listen(HEAD_GTM)
    thread = comment(app, HEAD_CAN, "¿Migración segura? 🤔")
    assert guatemala.next_comment()["event"] == "created"
    reply = app.client.post(
        f"{DOC}/comments/{thread['id']}/replies", json={"body": "Sí ✅"}, headers=app.bearer(HEAD_MEX)
    )
    assert reply.status_code == 201
    replied = guatemala.next_comment()
    assert (replied["event"], replied["comment"]["thread_id"]) == ("replied", thread["id"])
    resolve = app.client.post(f"{DOC}/comments/{thread['id']}/resolve", headers=app.bearer(HEAD_CAN))
    assert resolve.status_code == 200
    resolved = guatemala.next_comment()
    assert (resolved["event"], resolved["comment"]["id"]) == ("resolved", thread["id"])
