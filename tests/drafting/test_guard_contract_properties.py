"""Hostile transactions mixed with legitimate edits, from every role, through a guarded server.

After every update the server's document holds the layout contract; a legitimate edit sent in the same
update as an attack, by a sender who may make it, survives; at the end the server, every client and a
replica built only from what the server relayed agree. More examples: CONSENSO_GUARD_EXAMPLES=2000.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycrdt import Array, Doc, Map, Text

from drafting.compensate import read_chunks
from drafting.guard import Rights
from drafting.kinds import DocumentStatus
from drafting.layout import DOCUMENT_KEY, bind, label_unlabelled
from drafting.layout_contract import ROOTS, LayoutLimits, is_paragraph_id
from drafting.update_items import format_size
from tests.drafting import raw_updates as raw
from tests.drafting.guard_room import ROLES, Room, open_room

EXAMPLES = int(os.environ.get("CONSENSO_GUARD_EXAMPLES", "60"))
LIMITS = LayoutLimits(max_paragraph_chars=120, max_paragraphs=6, max_formatting_chars=40)
MARK = "NOTA-CONFIDENCIAL"  # every hostile payload carries it; nothing legitimate does
ROLE_NAMES = list(ROLES)

role = st.sampled_from(ROLE_NAMES)
pick = st.integers(min_value=0, max_value=50)
words = st.text(alphabet="aáéñü 🌎🤝¿?", min_size=1, max_size=5)

hostile = st.one_of(
    st.tuples(
        st.just("root"),
        st.sampled_from(["notas", "apuntes", "🌎"]),
        st.sampled_from(["map", "text", "array"]),
    ),
    st.tuples(st.just("replace"), pick, st.sampled_from([42, "cadena", "map", "array", None])),
    st.tuples(st.just("bad_id"), st.sampled_from([DOCUMENT_KEY, "info", "pNUEVO", "p0123456789abc", "x"])),
    st.tuples(st.just("oversize"), pick, st.integers(min_value=121, max_value=3000)),
    st.tuples(st.just("format"), pick, st.booleans()),
    st.tuples(st.just("embed"), pick, st.sampled_from(["value", "map", "text"])),
    st.tuples(st.just("bad_order"), st.sampled_from([7, None, DOCUMENT_KEY, "order", "map"])),
    st.tuples(st.just("crowd"), st.integers(min_value=1, max_value=5)),
    st.tuples(
        st.just("hidden"), pick, st.sampled_from(["attribute", "in paragraphs", "in info", "in order"])
    ),
)
move = st.one_of(
    st.tuples(st.just("attack"), role, hostile, pick, words),
    st.tuples(st.just("type"), role, pick, words),
    st.tuples(st.just("add"), role, words),
    st.tuples(st.just("move"), role, pick, pick),
    st.tuples(st.just("status"), st.sampled_from(["draft", "under_silence", "adopted"])),
    st.tuples(st.just("lock"), pick, st.booleans()),
    st.tuples(st.just("receive"), role),
)


@dataclass
class Negotiation:
    room: Room
    clients: dict[str, Doc[Any]]
    attacker_clock: int = 0
    added: int = 0
    hidden_targets: dict[str, Any] = field(default_factory=dict)

    @property
    def server(self) -> Doc[Any]:
        return self.room.server

    def status(self) -> str:
        return str((bind(self.server)[2].get(DOCUMENT_KEY) or {}).get("status"))

    def editable(self, rights: Rights) -> set[str]:
        """Paragraphs whose text this sender may change now."""
        if not rights.edit_text or self.status() != "draft":
            return set()
        _, paragraphs, info = bind(self.server)
        metas = info.to_py() or {}
        return {pid for pid in paragraphs if not (metas.get(pid) or {}).get("locked")}

    # -- moves -------------------------------------------------------------------------------------

    def run(self, step: tuple[Any, ...]) -> None:
        kind = step[0]
        if kind == "status":
            info = bind(self.server)[2]
            with self.server.transaction(origin="server"):
                info[DOCUMENT_KEY] = {**info[DOCUMENT_KEY], "status": step[1]}
        elif kind == "lock":
            self.lock(step[1], step[2])
        elif kind == "receive":
            self.receive(step[1])
        elif kind == "attack":
            self.attack(step[1], step[2], step[3], step[4])
        else:
            self.edit(step)

    def receive(self, name: str) -> None:
        doc = self.clients[name]
        doc.apply_update(self.server.get_update(doc.get_state()))

    def send(self, name: str) -> tuple[str, ...]:
        doc = self.clients[name]
        info_before = bind(self.server)[2].to_py()
        verdict = self.room.guard.apply(doc.get_update(self.server.get_state()), ROLES[name])
        assert bind(self.server)[2].to_py() == info_before, "a client changed info"
        assert_contract(self.server)
        with self.server.transaction(origin="server"):
            label_unlabelled(self.server)
        return verdict.refused

    def lock(self, which: int, locked: bool) -> None:
        _, paragraphs, info = bind(self.server)
        ids = sorted(set(paragraphs) & set(info.keys()) - {DOCUMENT_KEY})
        if ids:
            paragraph_id = ids[which % len(ids)]
            with self.server.transaction(origin="server"):
                info[paragraph_id] = {
                    **info[paragraph_id],
                    "locked": locked,
                    "status": "agreed" if locked else "open",
                }

    def edit(self, step: tuple[Any, ...]) -> None:
        kind, name = step[0], step[1]
        doc = self.clients[name]
        order, paragraphs, _ = bind(doc)
        ids = sorted(pid for pid in paragraphs if isinstance(paragraphs[pid], Text))
        if kind == "type" and ids:
            target = paragraphs[ids[step[2] % len(ids)]]
            target.insert(0, step[3])
        elif kind == "add":
            self.added += 1
            new_id = f"p{self.added:012x}"
            with doc.transaction():
                paragraphs[new_id] = Text(step[2])
                order.append(new_id)
        elif kind == "move" and len(order) > 1:
            with doc.transaction():
                value = order[step[2] % len(order)]
                del order[step[2] % len(order)]
                order.insert(step[3] % (len(order) + 1), value)
        self.send(name)

    def attack(self, name: str, hostile_part: tuple[Any, ...], which: int, token: str) -> None:
        """One update: something the contract forbids, and a legitimate edit elsewhere."""
        self.receive(name)
        doc = self.clients[name]
        rights = ROLES[name]
        paragraphs = bind(doc)[1]
        ids = sorted(pid for pid in paragraphs if isinstance(paragraphs[pid], Text))
        if not ids:
            return
        target = ids[which % len(ids)]
        legit = sorted(self.editable(rights) - {target})
        mark = f"«{token}»"
        raw_update: bytes | None = None
        with doc.transaction():
            if legit:
                paragraphs[legit[0]].insert(0, mark)
            raw_update = self.hostile(doc, hostile_part, target)
        refused = self.send(name)
        if raw_update is None:
            assert refused, f"{hostile_part} was accepted"
        else:
            # A raw entry can be written where Yjs integrates it as deleted at once: then nothing is
            # refused because nothing stays (assert_contract).
            self.room.guard.apply(raw_update, rights)
            assert_contract(self.server)
        if legit:
            assert str(bind(self.server)[1][legit[0]]).startswith(mark), "a legitimate edit was lost"

    def hostile(self, doc: Doc[Any], part: tuple[Any, ...], target: str) -> bytes | None:
        order, paragraphs, _ = bind(doc)
        kind = part[0]
        secret = MARK + "-" + kind
        if kind == "root":
            root_type = {"map": Map, "text": Text, "array": Array}[part[2]]
            root: Any = doc.get(part[1], type=root_type)
            if part[2] == "map":
                root["x"] = secret
            elif part[2] == "text":
                root.insert(0, secret, {"nota": secret})
            else:
                root.append(secret)
        elif kind == "replace":
            value = part[2]
            paragraphs[target] = {"map": Map({"k": secret}), "array": Array([secret])}.get(value, value)
        elif kind == "bad_id":
            paragraphs[part[1]] = Text(secret)
            order.append(part[1])
        elif kind == "oversize":
            paragraphs[target].insert(0, secret + "ñ" * part[2])
        elif kind == "format":
            text: Text = paragraphs[target]
            text.insert(0, "x", {"nota": secret + "x" * LIMITS.max_formatting_chars})
            if part[2]:
                del text[0:1]  # formatting around nothing
        elif kind == "embed":
            value = {"value": {"k": secret}, "map": Map({"k": secret}), "text": Text(secret)}[part[2]]
            paragraphs[target].insert_embed(0, value)
        elif kind == "bad_order":
            order.append(Map({"k": secret}) if part[1] == "map" else part[1])
        elif kind == "crowd":
            for _ in range(LIMITS.max_paragraphs + part[1]):
                self.added += 1
                new_id = f"p{self.added:012x}"
                paragraphs[new_id] = Text(secret)
                order.append(new_id)
        elif kind == "hidden":
            return self.hidden(part[2], target)
        return None

    def hidden(self, kind: str, target: str) -> bytes:
        """A raw update no pycrdt API writes: an entry a reader never sees."""
        attacker = 9_000_001
        clock = self.attacker_clock
        secret = raw.values(MARK + "-oculto")
        self.attacker_clock += 1
        places = {
            "attribute": raw.Struct(secret, parent=raw.text_item_id(self.server, target), key="nota")
            if target in bind(self.server)[1] and _origin_less(self.server, target)
            else raw.Struct(secret, parent="paragraphs"),
            "in paragraphs": raw.Struct(secret, parent="paragraphs"),
            "in info": raw.Struct(secret, parent="info"),
            "in order": raw.Struct(secret, parent="order", key="nota"),
        }
        return raw.update(attacker, clock, [places[kind]])


def _origin_less(doc: Doc[Any], paragraph_id: str) -> bool:
    try:
        raw.text_item_id(doc, paragraph_id)
    except AssertionError:
        return False
    return True


def assert_contract(doc: Doc[Any]) -> None:
    """What any reader of the document sees, and all it stores, is within the layout contract."""
    assert MARK.encode() not in doc.get_update(), "something hostile survived"
    order, paragraphs, _ = bind(doc)
    for name in list(doc.keys()):
        if name not in ROOTS:
            assert doc.get(name, type=Map).to_py() == {}
    assert len(paragraphs) <= LIMITS.max_paragraphs
    assert len(order) <= LIMITS.max_paragraphs
    assert all(is_paragraph_id(value) for value in order)
    for paragraph_id, value in paragraphs.items():
        assert is_paragraph_id(paragraph_id)
        assert isinstance(value, Text), f"{paragraph_id} holds {value!r}"
        chunks = value.diff()
        assert all(isinstance(piece, str) for piece, _ in chunks), "an embed survived"
        assert len(str(value)) <= LIMITS.max_paragraph_chars
        for _, attributes in chunks:
            for key, attribute in (attributes or {}).items():
                assert format_size(key, attribute) <= LIMITS.max_formatting_chars


def snapshot(doc: Doc[Any]) -> tuple[Any, ...]:
    order, paragraphs, info = bind(doc)
    texts = {key: read_chunks(value) for key, value in paragraphs.items() if isinstance(value, Text)}
    return list(order), texts, info.to_py() or {}


def negotiate(moves: list[tuple[Any, ...]], finish: Callable[[Negotiation], None]) -> None:
    room = open_room(LIMITS)
    try:
        negotiation = Negotiation(room, {name: room.client() for name in ROLE_NAMES})
        for step in moves:
            negotiation.run(step)
        finish(negotiation)
    finally:
        room.close()


def converge(negotiation: Negotiation) -> None:
    for name in ROLE_NAMES:
        negotiation.send(name)
    for name in ROLE_NAMES:
        negotiation.receive(name)
    expected = snapshot(negotiation.server)
    for name, doc in negotiation.clients.items():
        assert snapshot(doc) == expected, name
    assert snapshot(negotiation.room.replica()) == expected, "a replica built from what was relayed"
    assert_contract(negotiation.room.replica())


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(move, min_size=3, max_size=30))
def test_after_the_guard_the_document_holds_the_contract_and_replicas_agree(
    moves: list[tuple[Any, ...]],
) -> None:
    negotiate(moves, converge)


def test_every_kind_of_attack_is_refused_with_a_legitimate_edit_beside_it() -> None:
    for part in [
        ("root", "notas", "map"),
        ("root", "apuntes", "text"),
        ("replace", 1, 42),
        ("bad_id", DOCUMENT_KEY),
        ("oversize", 1, 500),
        ("format", 1, True),
        ("embed", 1, "map"),
        ("bad_order", "map"),
        ("crowd", 2),
        ("hidden", 0, "attribute"),
        ("hidden", 0, "in paragraphs"),
        ("hidden", 0, "in info"),
        ("hidden", 0, "in order"),
    ]:
        negotiate(
            [("attack", "ppt", part, 2, "legítimo"), ("status", DocumentStatus.ADOPTED.value)], converge
        )
