"""A stock yjs client (y-websocket in Node) that knows nothing of the language versions edits the source
of the demo's bilingual Declaration: nothing of its edit is refused, the Spanish stays as it was, and
exactly that paragraph's translation is marked stale."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from pycrdt import Map, Text

from tests.interop.interop_peers import DELEGATE_GTM, PPT, Peers
from tests.interop.interop_pycrdt import PycrdtClient

pytestmark = pytest.mark.node

DECLARATION = "1"


def languages(live_server: Any, peers: Peers) -> dict[str, Any]:
    response = httpx.get(
        f"{live_server.url}/api/documents/{DECLARATION}/languages",
        headers={"Authorization": f"Bearer {peers.token(PPT)}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def spanish(client: PycrdtClient, paragraph: str) -> str:
    client.pump()
    text = client.doc.get("translations.es", type=Map).get(paragraph)
    assert isinstance(text, Text), f"no Spanish version of {paragraph}"
    return str(text)


def test_a_stock_client_editing_only_the_source_is_unaffected(live_server: Any, peers: Peers) -> None:
    assert languages(live_server, peers)["stale"] == []
    node = peers.node(DECLARATION, DELEGATE_GTM)
    node.wait_synced()
    paragraph = node.order()[1]
    before = node.text(paragraph)
    watcher = peers.pycrdt(DECLARATION, PPT)
    spanish_before = spanish(watcher, paragraph)

    node.insert(paragraph, 0, "Hoy 🌎, ")
    node.wait_text(paragraph, equals="Hoy 🌎, " + before)

    watcher.wait_text(paragraph, equals="Hoy 🌎, " + before)
    assert node.status()["denied"] == []
    assert [(item["id"], item["language"]) for item in languages(live_server, peers)["stale"]] == [
        (paragraph, "es")
    ]
    assert spanish(watcher, paragraph) == spanish_before
    assert spanish_before.startswith("Tomando en cuenta")
