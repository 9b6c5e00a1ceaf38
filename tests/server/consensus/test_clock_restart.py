"""On a real server: the silence deadline passes while the server is down → adopted at start-up."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from tests.support.server import LiveServer

PPT = "ppt@demo.consenso"
HEAD_CAN = "head.can@demo.consenso"
DOC = 1


def _document(server: LiveServer, token: str) -> dict[str, Any]:
    response = httpx.get(
        f"{server.url}/api/documents/{DOC}", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def _wait_for_status(server: LiveServer, token: str, wanted: str, timeout: float = 20.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        body = _document(server, token)
        if body["status"] == wanted or time.monotonic() > deadline:
            assert body["status"] == wanted, f"still {body['status']} after {timeout}s:\n{server.log()}"
            return body
        time.sleep(0.1)  # polling a condition (the status), bounded above


def test_deadline_passing_across_a_restart_adopts(live_server: LiveServer) -> None:
    token = live_server.token(PPT)
    headers = {"Authorization": f"Bearer {token}"}
    deadline = datetime.now(UTC) + timedelta(seconds=3)
    started = httpx.post(
        f"{live_server.url}/api/documents/{DOC}/silence",
        json={"deadline": deadline.isoformat()},
        headers=headers,
        timeout=10,
    )
    assert started.status_code == 201, started.text
    assert _document(live_server, token)["status"] == "under_silence"

    live_server.stop()
    while datetime.now(UTC) <= deadline:  # the deadline passes while the server is down
        time.sleep(0.1)
    live_server.start()

    adopted = _wait_for_status(live_server, token, "adopted")
    assert {(p["status"], p["locked"]) for p in adopted["paragraphs"]} == {("agreed", True)}
    silence = httpx.get(f"{live_server.url}/api/documents/{DOC}/silence", headers=headers, timeout=10)
    assert silence.json()["state"] == "adopted"


def test_silence_broken_reopens_the_named_paragraphs(live_server: LiveServer) -> None:
    token = live_server.token(PPT)
    headers = {"Authorization": f"Bearer {token}"}
    ids = [p["id"] for p in _document(live_server, token)["paragraphs"]]
    for paragraph_id in ids[:2]:
        response = httpx.post(
            f"{live_server.url}/api/documents/{DOC}/paragraphs/{paragraph_id}/status",
            json={"status": "agreed_ad_ref"},
            headers=headers,
            timeout=10,
        )
        assert response.status_code == 200, response.text
    started = httpx.post(f"{live_server.url}/api/documents/{DOC}/silence", headers=headers, timeout=10)
    assert started.status_code == 201, started.text
    broken = httpx.post(
        f"{live_server.url}/api/documents/{DOC}/silence/break",
        json={"paragraphs": [ids[1]], "reason": "Canada needs to consult its capital"},
        headers={"Authorization": f"Bearer {live_server.token(HEAD_CAN)}"},
        timeout=10,
    )
    assert broken.status_code == 200, broken.text
    live_server.restart()
    after = {p["id"]: (p["status"], p["locked"]) for p in _document(live_server, token)["paragraphs"]}
    assert _document(live_server, token)["status"] == "draft"
    assert after[ids[0]] == ("agreed_ad_ref", True)
    assert after[ids[1]] == ("open", False)
