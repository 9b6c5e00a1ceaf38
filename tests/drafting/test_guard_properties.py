"""Random interleavings of edits, attacks, locks and unlocks from three clients, through a guarded server."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Text

from drafting.compensate import Chunk, read_chunks
from drafting.guard import Guard, Rights
from drafting.kinds import DocumentKind, DocumentStatus, ParagraphKind
from drafting.layout import DOCUMENT_KEY, bind, label_unlabelled, new_draft, write_document
from drafting.textpos import utf8_offset

RIGHTS = (
    Rights(edit_text=True, restructure=True),
    Rights(edit_text=True, restructure=False),
    Rights(edit_text=False, restructure=False),
)
PARAGRAPHS = [
    (ParagraphKind.PREAMBULAR, "Reconociendo la contribución de los migrantes 🌎;"),
    (ParagraphKind.OPERATIVE, "Acuerdan fortalecer la cooperación;"),
    (ParagraphKind.OPERATIVE, "Promoverán la migración ordenada 🤝."),
]

fraction = st.floats(min_value=0, max_value=1)
client = st.integers(min_value=0, max_value=len(RIGHTS) - 1)
pick = st.integers(min_value=0, max_value=50)
words = st.text(alphabet="aáéíñü ¿?🌎🤝", min_size=1, max_size=4)

step = st.one_of(
    st.tuples(st.just("insert"), client, pick, fraction, words),
    st.tuples(st.just("delete"), client, pick, fraction, fraction),
    st.tuples(st.just("format"), client, pick, fraction, st.sampled_from([True, None])),
    st.tuples(st.just("replace"), client, pick, words),
    st.tuples(st.just("drop"), client, pick),
    st.tuples(st.just("add"), client, pick, words),
    st.tuples(st.just("move"), client, pick, pick),
    st.tuples(st.just("write_info"), client, pick, st.booleans()),
    st.tuples(st.just("lock"), pick, st.booleans() | st.just(True)),
    st.tuples(st.just("silence"), st.booleans()),
    # Sync more often than anything else, so that edits meet fresh locks.
    st.tuples(st.just("send"), client),
    st.tuples(st.just("send"), client),
    st.tuples(st.just("receive"), client),
    st.tuples(st.just("receive"), client),
)

Snapshot = tuple[list[Any], dict[str, list[Chunk]], dict[str, Any]]


def snapshot(doc: Doc[Any]) -> Snapshot:
    order, paragraphs, info = bind(doc)
    texts = {key: read_chunks(value) for key, value in paragraphs.items() if isinstance(value, Text)}
    return list(order), texts, info.to_py() or {}


@dataclass
class Negotiation:
    server: Doc[Any]
    guard: Guard
    clients: list[Doc[Any]]
    added: int = 0

    def frozen(self) -> bool:
        status = (bind(self.server)[2].get(DOCUMENT_KEY) or {}).get("status")
        return bool(status == DocumentStatus.UNDER_SILENCE.value)

    def protected(self) -> set[str]:
        _, paragraphs, info = bind(self.server)
        if self.frozen():
            return set(paragraphs.keys())
        metas = info.to_py() or {}
        return {key for key in set(paragraphs.keys()) if (metas.get(key) or {}).get("locked")}

    def send(self, index: int) -> None:
        rights = RIGHTS[index]
        before = snapshot(self.server)
        protected = self.protected() if rights.edit_text else set(before[1])
        frozen = self.frozen()
        self.guard.apply(self.clients[index].get_update(self.server.get_state()), rights)
        after = snapshot(self.server)
        for paragraph_id in protected:
            assert after[1].get(paragraph_id) == before[1][paragraph_id], "a locked paragraph changed"
        assert after[2] == before[2], "a client changed info"
        if not rights.restructure or frozen:
            assert after[0] == before[0], "order changed without the right"
        locked_in_order = [pid for pid in before[0] if pid in protected]
        assert all(pid in after[0] for pid in locked_in_order), "a locked paragraph left the order"
        # What the room does after a client's update: label new paragraphs.
        with self.server.transaction(origin="server"):
            label_unlabelled(self.server)

    def receive(self, index: int) -> None:
        doc = self.clients[index]
        doc.apply_update(self.server.get_update(doc.get_state()))

    def run(self, move: tuple[Any, ...]) -> None:
        kind = move[0]
        if kind == "send":
            self.send(move[1])
        elif kind == "receive":
            self.receive(move[1])
        elif kind == "lock":
            self.lock(move[1], locked=move[2])
        elif kind == "silence":
            self.set_status(DocumentStatus.UNDER_SILENCE if move[1] else DocumentStatus.DRAFT)
        else:
            self.edit(self.clients[move[1]], kind, *move[2:])

    def lock(self, pick: int, *, locked: bool) -> None:
        _, paragraphs, info = bind(self.server)
        ids = sorted(set(paragraphs.keys()) & set(info.keys()))
        if ids:
            paragraph_id = ids[pick % len(ids)]
            status = "agreed_ad_ref" if locked else "open"
            with self.server.transaction(origin="server"):
                info[paragraph_id] = {**info[paragraph_id], "locked": locked, "status": status}

    def set_status(self, status: DocumentStatus) -> None:
        info = bind(self.server)[2]
        with self.server.transaction(origin="server"):
            info[DOCUMENT_KEY] = {**info[DOCUMENT_KEY], "status": status.value}

    def edit(self, doc: Doc[Any], kind: str, *args: Any) -> None:
        order, paragraphs, info = bind(doc)
        ids = sorted(paragraphs.keys())
        if not ids:
            return
        paragraph_id = ids[args[0] % len(ids)]
        target = paragraphs[paragraph_id]
        content = str(target)

        def at(share: float) -> int:
            return utf8_offset(content, int(share * len(content)))

        if kind == "insert":
            target.insert(at(args[1]), args[2])
        elif kind == "delete":
            start, stop = sorted((at(args[1]), at(args[2])))
            del target[start:stop]
        elif kind == "format":
            target.format(0, at(args[1]), {"bold": args[2]})
        elif kind == "replace":
            paragraphs[paragraph_id] = Text(args[1])
        elif kind == "drop":
            with doc.transaction():
                del paragraphs[paragraph_id]
                if paragraph_id in list(order):
                    del order[list(order).index(paragraph_id)]
        elif kind == "add":
            self.added += 1
            new_id = f"p{self.added:012x}"
            with doc.transaction():
                paragraphs[new_id] = Text(args[1])
                order.insert(args[0] % (len(order) + 1), new_id)
        elif kind == "move" and len(order) > 1:
            with doc.transaction():
                value = order[args[0] % len(order)]
                del order[args[0] % len(order)]
                order.insert(args[1] % (len(order) + 1), value)
        elif kind == "write_info":
            info[paragraph_id] = {"label": "OP99", "locked": args[1]}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=4, max_size=40))
def test_locked_paragraphs_never_change_and_replicas_converge(moves: list[tuple[Any, ...]]) -> None:
    server = new_draft()
    first, *_ = write_document(
        server,
        title="Declaración sobre migración 🌎",
        kind=DocumentKind.DECLARATION,
        status=DocumentStatus.DRAFT,
        paragraphs=PARAGRAPHS,
    )
    info = bind(server)[2]
    with server.transaction(origin="server"):
        info[first] = {**info[first], "locked": True, "status": "agreed_ad_ref"}
    clients = []
    for _ in RIGHTS:
        doc: Doc[Any] = Doc()
        doc.apply_update(server.get_update())
        clients.append(doc)
    negotiation = Negotiation(server, Guard(server), clients)

    for move in moves:
        negotiation.run(move)
    for index in range(len(clients)):
        negotiation.send(index)
    for index in range(len(clients)):
        negotiation.receive(index)

    expected = snapshot(server)
    for doc in clients:
        assert snapshot(doc) == expected
    negotiation.guard.close()
