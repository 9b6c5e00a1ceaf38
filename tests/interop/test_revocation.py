"""A credential that ends elsewhere ends what it opened on a live server: `consenso token revoke` run as
another process, or an access token running out. A stock y-websocket client is closed for good (it does not
reconnect), its event stream ends, and what it edits afterwards never reaches the server."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.interop.interop_node import NodeClient
from tests.interop.interop_peers import HEAD_MEX, PPT, Peers
from tests.support.server import LiveServer, demo_server

pytestmark = pytest.mark.node

CHECK_SECONDS = "0.2"
ACCESS_TOKEN_SECONDS = "2"


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The demo server, checking open connections' credentials every 0.2 s, minting 2-second access tokens."""
    env = {
        "CONSENSO_CREDENTIAL_CHECK_SECONDS": CHECK_SECONDS,
        "CONSENSO_ACCESS_TOKEN_SECONDS": ACCESS_TOKEN_SECONDS,
    }
    with demo_server(tmp_path_factory.mktemp("revocation"), env) as server:
        yield server


def paragraph_texts(peers: Peers) -> list[str]:
    return [p["text"] for p in peers.document("1", PPT)["paragraphs"]]


def test_a_token_revoked_by_the_admin_tool_closes_its_socket_and_stream(
    live_server: LiveServer, peers: Peers
) -> None:
    token = peers.token(HEAD_MEX)
    editor = peers.node("1", HEAD_MEX)
    editor.wait_synced()
    first = editor.order()[1]
    before = editor.insert(first, 0, "Antes ✅ ")
    peers.pycrdt("1", PPT).wait_text(first, before)  # the server has it
    bearer = {"Authorization": f"Bearer {token}"}
    with httpx.stream(
        "GET", f"{live_server.url}/api/documents/1/events", headers=bearer, timeout=10
    ) as stream:
        lines = stream.iter_lines()
        assert next(lines) == ": connected"
        token_id = live_server.cli("token", "list", HEAD_MEX).splitlines()[-1].split("\t")[0]  # the newest
        live_server.cli("token", "revoke", token_id)  # another process: it cannot tell the server

        status = editor.wait_closed()
        assert status["ended"] == {"code": 4401, "reason": "your session or token was revoked; sign in again"}
        assert status["should_connect"] is False, "y-websocket would reconnect"
        rest = [line for line in lines if line and not line.startswith(":")]
    assert rest == [
        "event: ended",
        'data: {"reason": "revoked", "message": "your session or token was revoked; sign in again"}',
    ]

    editor.insert(first, 0, "Después ❌ ")
    assert editor.status()["connected"] is False
    texts = paragraph_texts(peers)
    assert any(text.startswith("Antes ✅ ") for text in texts)
    assert not any("Después ❌" in text for text in texts)


def test_an_expired_access_token_closes_a_stock_client_for_good(
    live_server: LiveServer, peers: Peers
) -> None:
    minted = httpx.post(
        f"{live_server.url}/api/tokens/access",
        headers={"Authorization": f"Bearer {peers.token(HEAD_MEX)}"},
        timeout=10,
    )
    assert minted.status_code == 200 and minted.json()["expires_in"] == int(ACCESS_TOKEN_SECONDS)
    editor = NodeClient("access token", live_server.ws_url, "1", minted.json()["access_token"])
    try:
        # Not waiting for the first sync: on a busy machine node may start as the token runs out.
        status = editor.wait_closed()
    finally:
        editor.close()
    expired = {"code": 4401, "reason": "your session or token expired; sign in again"}
    assert status["ended"] == expired
    assert status["closes"] == [expired] and status["errors"] == []  # let in, then closed once, not refused
    assert status["should_connect"] is False
