"""A pycrdt client speaking y-protocols over a plain websocket, single-threaded.

Messages from the server are applied only while the test calls in (wait_for, pump, text), so the Doc
is only touched from the test's thread. Positions passed in count code points; pycrdt 0.14 indexes
Y.Text by UTF-8 bytes, converted here.
"""

from __future__ import annotations

from collections.abc import Callable
from time import monotonic
from typing import Any

from pycrdt import (
    Array,
    Doc,
    Map,
    Text,
    YMessageType,
    YSyncMessageType,
    create_sync_message,
    create_update_message,
    handle_sync_message,
    read_message,
)
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import ClientConnection, connect

MESSAGE_AUTH = 2  # y-protocols: [2, 0 (permission denied), reason]


class PycrdtClient:
    def __init__(self, ws_url: str, document_id: str, token: str) -> None:
        self.url = f"{ws_url}/{document_id}"
        self._headers = {"Authorization": f"Bearer {token}"}
        self.doc: Doc[Any] = Doc()
        self.order = self.doc.get("order", type=Array)
        self.paragraphs = self.doc.get("paragraphs", type=Map)
        self.received: list[bytes] = []  # every update the server sent us, in order
        self.denied: list[str] = []
        self.closed: ConnectionClosed | None = None
        self._socket: ClientConnection | None = None
        self._synced = False

    def connect(self, timeout: float = 10.0) -> None:
        """Open the socket and complete the sync handshake (our step 1, the server's step 2)."""
        self.close()
        self._socket = connect(
            self.url, additional_headers=self._headers, proxy=None, open_timeout=timeout, legacy=True
        )
        self._synced = False
        self.closed = None
        self._socket.send(create_sync_message(self.doc))
        self.wait_for(lambda: self._synced, timeout, lambda: "sync step 2 from the server")

    def wait_for(self, predicate: Callable[[], bool], timeout: float, describe: Callable[[], str]) -> None:
        assert self._socket is not None, "connect first"
        deadline = monotonic() + timeout
        while not predicate():
            remaining = deadline - monotonic()
            if remaining <= 0:
                raise AssertionError(f"pycrdt client: timed out after {timeout}s waiting for {describe()}")
            if self.closed is not None:
                raise AssertionError(
                    f"pycrdt client: connection closed ({self.closed}) waiting for {describe()}"
                )
            self._receive(remaining)

    def wait_text(self, paragraph: str, equals: str, timeout: float = 15.0) -> str:
        self.wait_for(
            lambda: self.text(paragraph) == equals,
            timeout,
            lambda: f"paragraph {paragraph} to equal {equals!r}; it is {self.text(paragraph)!r}",
        )
        return equals

    def pump(self) -> None:
        """Apply what the server has sent so far, without waiting."""
        while self._receive(0):
            pass

    def drain(self, timeout: float = 10.0) -> None:
        """Apply everything until the server closes the connection (after it was killed)."""
        self.wait_for(lambda: self.closed is not None, timeout, lambda: "the server to close the connection")

    def _receive(self, timeout: float) -> bool:
        """Handle one message if one comes within `timeout`; False if none did or the connection closed."""
        if self._socket is None or self.closed is not None:
            return False
        try:
            message = self._socket.recv(timeout=timeout, decode=False)
        except TimeoutError:
            return False
        except ConnectionClosed as closed:
            self.closed = closed
            return False
        if message[0] == YMessageType.SYNC:
            if message[1] in (YSyncMessageType.SYNC_STEP2, YSyncMessageType.SYNC_UPDATE):
                self.received.append(read_message(message[2:]))
            reply = handle_sync_message(message[1:], self.doc)
            if message[1] == YSyncMessageType.SYNC_STEP2:
                self._synced = True
            if reply is not None:
                self._socket.send(reply)
        elif message[0] == MESSAGE_AUTH:
            self.denied.append(read_message(message[2:]).decode())
        return True  # awareness and other messages are not our business

    def paragraph(self, paragraph: str) -> Text:
        text = self.paragraphs.get(paragraph)
        if not isinstance(text, Text):
            raise AssertionError(f"pycrdt client: no paragraph {paragraph!r}; order is {list(self.order)}")
        return text

    def text(self, paragraph: str) -> str:
        self.pump()
        return str(self.paragraph(paragraph))

    def insert(self, paragraph: str, index: int, text: str) -> None:
        """Insert `text` at code point `index` and send the update."""
        assert self._socket is not None, "connect first"
        ytext = self.paragraph(paragraph)
        before = self.doc.get_state()
        ytext.insert(len(str(ytext)[:index].encode()), text)
        self._socket.send(create_update_message(self.doc.get_update(before)))

    def close(self) -> None:
        if self._socket is not None:
            self._socket.close()
            self._socket = None
