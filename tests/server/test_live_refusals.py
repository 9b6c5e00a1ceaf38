"""On a real server, refusals happen before the WebSocket is accepted: the client sees HTTP 403."""

from __future__ import annotations

import asyncio

import httpx
import pytest
import websockets
from websockets.exceptions import InvalidStatus

from tests.support.server import LiveServer


async def _status(url: str, headers: dict[str, str]) -> int:
    try:
        async with websockets.connect(url, additional_headers=headers, open_timeout=10):
            return 101
    except InvalidStatus as refused:
        return int(refused.response.status_code)


def test_no_credentials_a_bad_token_and_a_foreign_origin_get_403(live_server: LiveServer) -> None:
    users = httpx.get(live_server.url + "/api/demo/users").json()
    user_id = next(u["id"] for u in users if u["role"] == "head")
    signed = httpx.post(
        live_server.url + "/api/demo/signin", json={"user_id": user_id}, headers={"Origin": live_server.url}
    )
    cookie = f"consenso_session={signed.cookies['consenso_session']}"
    url = live_server.ws_url + "/1"
    token = live_server.token("head.mex@demo.consenso")
    cases = {
        "none": {},
        "bad token": {"Authorization": "Bearer cst_forged"},
        "foreign origin": {"Cookie": cookie, "Origin": "https://evil.example"},
        "cookie, our origin": {"Cookie": cookie, "Origin": live_server.url},
        "token": {"Authorization": f"Bearer {token}"},
    }
    statuses = {name: asyncio.run(_status(url, headers)) for name, headers in cases.items()}
    assert statuses == {
        "none": 403,
        "bad token": 403,
        "foreign origin": 403,
        "cookie, our origin": 101,
        "token": 101,
    }


@pytest.mark.parametrize("path", ["/api/me", "/api/documents", "/api/documents/1"])
def test_rest_without_credentials_says_to_sign_in(live_server: LiveServer, path: str) -> None:
    response = httpx.get(live_server.url + path)
    assert response.status_code == 401
    assert "sign in" in response.json()["error"]
