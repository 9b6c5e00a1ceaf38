"""A guarded server document and its clients, for the guard's tests: three paragraphs, PP1 locked."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from pycrdt import Doc, Subscription, Text

from drafting.compensate import read_chunks
from drafting.guard import Guard, Rights, Verdict
from drafting.kinds import DocumentKind, DocumentStatus, ParagraphKind, ParagraphStatus
from drafting.layout import DOCUMENT_KEY, bind, new_draft, write_document
from drafting.layout_contract import LayoutLimits
from drafting.textpos import utf8_offset

PP, OP = ParagraphKind.PREAMBULAR, ParagraphKind.OPERATIVE

LOCKED_TEXT = "Reconociendo la contribución de las personas migrantes 🌎 a la región;"
OPEN_TEXT = "Acuerdan fortalecer la cooperación regional;"
OTHER_TEXT = "Promoverán una migración segura, ordenada y regular 🤝."

# The sync socket's rights per role (auth/policy.py): the PPT restructures the negotiation it chairs.
OBSERVER = Rights(edit_text=False, restructure=False)
DELEGATE = Rights(edit_text=True, restructure=False)
HEAD = Rights(edit_text=True, restructure=False)
PPT = Rights(edit_text=True, restructure=True)
ROLES = {"observer": OBSERVER, "delegate": DELEGATE, "head": HEAD, "ppt": PPT}
EDITOR = PPT
READER = OBSERVER


@dataclass
class Room:
    """The server's document under a guard, and the documents of its clients."""

    server: Doc[Any]
    guard: Guard
    locked: str  # PP1, agreed ad ref
    open: str  # OP1
    other: str  # OP2
    initial: bytes = b""  # the server's state when the room opened
    relayed: list[bytes] = field(default_factory=list)  # every update the server's document emitted since
    _subscription: Subscription | None = None

    def __post_init__(self) -> None:
        self._subscription = self.server.observe(lambda event: self.relayed.append(event.update))

    def close(self) -> None:
        self.guard.close()
        if self._subscription is not None:
            self.server.unobserve(self._subscription)
            self._subscription = None

    def client(self) -> Doc[Any]:
        doc: Doc[Any] = Doc()
        doc.apply_update(self.server.get_update())
        return doc

    def send(self, client: Doc[Any], rights: Rights) -> Verdict:
        """The client's changes reach the server; what the server then holds goes back to the client."""
        verdict = self.guard.apply(client.get_update(self.server.get_state()), rights)
        client.apply_update(self.server.get_update(client.get_state()))
        return verdict

    def replica(self) -> Doc[Any]:
        """A client that only ever received what the server relayed since the room opened."""
        doc: Doc[Any] = Doc()
        doc.apply_update(self.initial)
        for update in self.relayed:
            doc.apply_update(update)
        return doc

    def server_edit(self, **changes: Any) -> None:
        """The server changes a paragraph's info, or with `document=`, the document's."""
        _, _, info = bind(self.server)
        with self.server.transaction(origin="server"):
            for key, values in changes.items():
                target = DOCUMENT_KEY if key == "document" else getattr(self, key)
                info[target] = {**info[target], **values}

    def reload(self, limits: LayoutLimits | None = None) -> None:
        """The room is let go and opened again: a new document from the stored state, a new guard."""
        stored = self.stored
        self.close()
        self.server = Doc()
        self.server.apply_update(stored)
        self.initial = stored
        self.relayed = []
        self.guard = Guard(self.server, limits)
        self.__post_init__()

    @property
    def stored(self) -> bytes:
        return self.server.get_update()


def open_room(limits: LayoutLimits | None = None, status: DocumentStatus = DocumentStatus.DRAFT) -> Room:
    server = new_draft()
    locked, open_, other = write_document(
        server,
        title="Declaración de México",
        kind=DocumentKind.DECLARATION,
        status=status,
        paragraphs=[(PP, LOCKED_TEXT), (OP, OPEN_TEXT), (OP, OTHER_TEXT)],
    )
    _, _, info = bind(server)
    with server.transaction(origin="server"):
        info[locked] = {**info[locked], "status": ParagraphStatus.AGREED_AD_REF.value, "locked": True}
    return Room(server, Guard(server, limits), locked, open_, other, initial=server.get_update())


def room_fixture() -> Iterator[Room]:
    room = open_room()
    yield room
    room.close()


def texts(doc: Doc[Any]) -> dict[str, str]:
    return {key: str(value) for key, value in bind(doc)[1].items()}


def text(doc: Doc[Any], paragraph_id: str) -> Text:
    value = bind(doc)[1][paragraph_id]
    assert isinstance(value, Text)
    return value


def state(doc: Doc[Any]) -> tuple[list[Any], dict[str, Any], dict[str, Any]]:
    order, paragraphs, info = bind(doc)
    return list(order), {k: read_chunks(v) for k, v in paragraphs.items()}, info.to_py() or {}


def insert_at(doc: Doc[Any], paragraph_id: str, codepoint: int, value: str, **attrs: Any) -> None:
    target = text(doc, paragraph_id)
    target.insert(utf8_offset(str(target), codepoint), value, attrs or None)


def delete_range(doc: Doc[Any], paragraph_id: str, start: int, stop: int) -> None:
    target = text(doc, paragraph_id)
    content = str(target)
    del target[utf8_offset(content, start) : utf8_offset(content, stop)]
