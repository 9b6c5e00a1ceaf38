"""Offline: a browser loses the server, types, reloads, and comes back: the edits were kept on the device
meanwhile, and then reach the server and the others."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import WebSocketRoute, expect

from tests.browser.pages import (
    WAIT_MS,
    People,
    escape,
    exact,
    expect_connected,
    paragraph_id,
    server_text,
    text_of,
    type_at_end,
    wait_for_text,
)

pytestmark = pytest.mark.browser

LABEL = "OP2"
OFFLINE_WORDS = " [texto escrito sin conexión]"


class Network:
    """Stands between the page and the sync socket: passes frames through, or drops the connection."""

    def __init__(self) -> None:
        self.up = True
        self.sockets: list[WebSocketRoute] = []

    def route(self, socket: WebSocketRoute) -> None:
        if not self.up:
            socket.close(code=1006, reason="offline")
            return
        socket.connect_to_server()
        self.sockets.append(socket)

    def cut(self) -> None:
        self.up = False
        for socket in self.sockets:
            socket.close(code=1006, reason="offline")
        self.sockets.clear()


STORED = """async (name) => new Promise((resolve) => {
  const request = indexedDB.open(name)
  request.onsuccess = () => {
    const count = request.result.transaction('updates', 'readonly').objectStore('updates').count()
    count.onsuccess = () => { request.result.close(); resolve(count.result) }
  }
})"""


def test_edits_made_offline_survive_a_reload_and_reach_the_others(people: People, live_server: Any) -> None:
    network = Network()
    other = people.enter("delegate.gtm")
    page = people.enter("delegate.mex", open_document=False)
    page.context.route_web_socket("**/sync/**", network.route)
    page.get_by_role("link", name="Declaration").first.click()
    expect_connected(page)
    pid = paragraph_id(page, LABEL)
    original = text_of(page, pid)

    network.cut()
    expect(page.locator("#connection")).not_to_have_attribute("data-state", "connected", timeout=WAIT_MS)
    type_at_end(page, LABEL, OFFLINE_WORDS)
    connection = page.locator("#connection")
    expect(connection).to_have_text("Offline: 29 changes kept on this device", timeout=WAIT_MS)
    user_id = page.evaluate("window.consenso.room.me.id")
    store = f"consenso-u{user_id}-d{page.evaluate('window.consenso.room.documentId')}"
    page.wait_for_function(f"({STORED})({js_string(store)}).then((n) => n > 1)", timeout=WAIT_MS)
    assert server_text(page, pid) == original  # nothing has left the device

    page.reload()
    wait_for_text(page, pid, exact(original + OFFLINE_WORDS))  # from IndexedDB, without the server
    expect(connection).to_have_text("Offline: 29 changes kept on this device", timeout=WAIT_MS)
    assert text_of(other, pid) == original

    network.up = True  # y-websocket retries by itself
    expect(connection).to_have_text("Connected", timeout=WAIT_MS)
    wait_for_text(other, pid, "^" + escape(original + OFFLINE_WORDS) + "$")
    assert server_text(other, pid) == original + OFFLINE_WORDS


def js_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
