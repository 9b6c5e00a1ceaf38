"""A minimal y-protocols client over any send/receive pair, holding its own pycrdt Doc."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pycrdt import Array, Doc, Map, Text

from server.sync.protocol import (
    AuthMessage,
    AwarenessMessage,
    Message,
    SyncMessage,
    SyncType,
    decode,
    encode_sync,
)


class YClient:
    def __init__(self) -> None:
        self.doc: Doc[Any] = Doc()
        self.outgoing: list[bytes] = []
        self.denied: list[str] = []
        self.awareness: list[bytes] = []
        self.doc.observe(lambda event: self.outgoing.append(event.update))

    @property
    def order(self) -> Array[Any]:
        return self.doc.get("order", type=Array)

    @property
    def paragraphs(self) -> Map[Any]:
        return self.doc.get("paragraphs", type=Map)

    @property
    def info(self) -> Map[Any]:
        return self.doc.get("info", type=Map)

    def text(self, paragraph_id: str) -> Text:
        text = self.paragraphs[paragraph_id]
        assert isinstance(text, Text)
        return text

    def step1(self) -> bytes:
        return encode_sync(SyncType.STEP1, self.doc.get_state())

    def receive(self, frame: bytes, reply: Callable[[bytes], None] | None = None) -> Message:
        message = decode(frame)
        if isinstance(message, SyncMessage):
            if message.kind is SyncType.STEP1:
                if reply is not None:
                    reply(encode_sync(SyncType.STEP2, self.doc.get_update(message.payload)))
            else:
                self.outgoing_paused(lambda: self.doc.apply_update(message.payload))
        elif isinstance(message, AuthMessage):
            self.denied.append(message.reason)
        elif isinstance(message, AwarenessMessage):
            self.awareness.append(message.payload)
        return message

    def outgoing_paused(self, action: Callable[[], None]) -> None:
        """Apply remote changes without queuing them to be sent back."""
        before = len(self.outgoing)
        action()
        del self.outgoing[before:]

    def take_updates(self) -> list[bytes]:
        updates, self.outgoing = self.outgoing, []
        return [encode_sync(SyncType.UPDATE, update) for update in updates]
