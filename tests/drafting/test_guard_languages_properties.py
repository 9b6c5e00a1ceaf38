"""Random interleavings of edits to the source and to a language version, locks, silence and the
Secretariat's confirmations, from three clients through a guarded server that keeps the versions in step."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Map, Text

from drafting.compensate import Chunk, read_chunks
from drafting.guard import Guard, Rights
from drafting.kinds import DocumentKind, DocumentStatus, ParagraphKind
from drafting.languages import Languages, confirm, keep_in_step, source_hash, translations, write_draft
from drafting.layout import DOCUMENT_KEY, bind, label_unlabelled, new_draft
from drafting.textpos import utf8_offset

SECRETARIAT = Rights(edit_text=False, restructure=False, translate=True)
PPT = Rights(edit_text=True, restructure=True)
DELEGATE = Rights(edit_text=True, restructure=False)
RIGHTS = (SECRETARIAT, PPT, DELEGATE)
PARAGRAPHS = [
    (ParagraphKind.PREAMBULAR, "Recognizing the contribution of migrants 🌎;"),
    (ParagraphKind.OPERATIVE, "Agree to strengthen cooperation;"),
]
SPANISH = ["Reconociendo la contribución de los migrantes 🌎;", "Acuerdan fortalecer la cooperación;"]

fraction = st.floats(min_value=0, max_value=1)
client = st.integers(min_value=0, max_value=len(RIGHTS) - 1)
pick = st.integers(min_value=0, max_value=50)
words = st.text(alphabet="aáñ ¿🌎", min_size=1, max_size=3)
where = st.sampled_from(["paragraphs", "translations.es"])

step = st.one_of(
    st.tuples(st.just("insert"), client, where, pick, fraction, words),
    st.tuples(st.just("delete"), client, where, pick, fraction, fraction),
    st.tuples(st.just("format"), client, where, pick, fraction),
    st.tuples(st.just("replace"), client, where, pick, words),
    st.tuples(st.just("drop"), client, where, pick),
    st.tuples(st.just("add"), client, where, pick, words),
    st.tuples(st.just("lock"), pick, st.booleans()),
    st.tuples(st.just("silence"), st.booleans()),
    st.tuples(st.just("confirm"), pick),
    st.tuples(st.just("send"), client),
    st.tuples(st.just("send"), client),
    st.tuples(st.just("receive"), client),
    st.tuples(st.just("receive"), client),
)


def versions(doc: Doc[Any]) -> dict[str, list[Chunk]]:
    return {
        key: read_chunks(value) for key, value in translations(doc, "es").items() if isinstance(value, Text)
    }


def snapshot(
    doc: Doc[Any],
) -> tuple[list[Any], dict[str, list[Chunk]], dict[str, list[Chunk]], dict[str, Any]]:
    order, paragraphs, info = bind(doc)
    texts = {key: read_chunks(value) for key, value in paragraphs.items() if isinstance(value, Text)}
    return list(order), texts, versions(doc), info.to_py() or {}


@dataclass
class Negotiation:
    server: Doc[Any]
    guard: Guard
    clients: list[Doc[Any]]
    added: int = 0

    def protected(self) -> set[str]:
        _, paragraphs, info = bind(self.server)
        metas = info.to_py() or {}
        if (metas.get(DOCUMENT_KEY) or {}).get("status") == DocumentStatus.UNDER_SILENCE.value:
            return set(paragraphs.keys())
        return {key for key in paragraphs if (metas.get(key) or {}).get("locked")}

    def send(self, index: int) -> None:
        rights = RIGHTS[index]
        before = snapshot(self.server)
        protected = self.protected() if rights.translate else set(before[2])
        verdict = self.guard.apply(self.clients[index].get_update(self.server.get_state()), rights)
        after = snapshot(self.server)
        for paragraph_id in protected & set(before[2]):
            assert after[2].get(paragraph_id) == before[2][paragraph_id], "a protected translation changed"
        assert after[3] == before[3], "a client changed info"
        # What the room does next (server/sync/room.py): label new paragraphs, keep the versions in step.
        # The guard's answer from its copy of info, when it has one, is what keep_in_step then does.
        follow = self.guard.stale_marks_follow(verdict.texts) if verdict.texts else None
        with self.server.transaction(origin="server"):
            structure = after[0] != before[0]
            if structure:
                label_unlabelled(self.server)
            wrote = keep_in_step(self.server, verdict.texts, structure=structure)
        if follow is not None and not structure:
            assert follow is not wrote, "the guard's copy of info told the stale marks wrong"
        self.check_in_step()

    def check_in_step(self) -> None:
        _, paragraphs, info = bind(self.server)
        sources = {key: str(value) for key, value in paragraphs.items() if isinstance(value, Text)}
        assert set(versions(self.server)) == set(sources), "the version does not hold the source's paragraphs"
        for paragraph_id, source in sources.items():
            entry = info.get(paragraph_id)
            if not isinstance(entry, dict):
                continue  # not in order: no info entry yet
            mark = entry["translations"]["es"]
            assert mark["stale"] is (mark["confirmed_against"] != source_hash(source)), (
                "a stale mark is wrong"
            )

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
            self.server_change(move[1], lambda entry: {**entry, "locked": move[2]})
        elif kind == "confirm":
            ids = sorted(versions(self.server))
            with self.server.transaction(origin="server"):
                if ids and ids[move[1] % len(ids)] in bind(self.server)[2]:
                    confirm(self.server, ids[move[1] % len(ids)], "es")
        elif kind == "silence":
            status = DocumentStatus.UNDER_SILENCE if move[1] else DocumentStatus.DRAFT
            info = bind(self.server)[2]
            with self.server.transaction(origin="server"):
                info[DOCUMENT_KEY] = {**info[DOCUMENT_KEY], "status": status.value}
        else:
            self.edit(self.clients[move[1]], kind, move[2], *move[3:])

    def server_change(self, pick: int, change: Any) -> None:
        _, paragraphs, info = bind(self.server)
        ids = sorted(set(paragraphs.keys()) & set(info.keys()))
        if ids:
            with self.server.transaction(origin="server"):
                info[ids[pick % len(ids)]] = change(info[ids[pick % len(ids)]])

    def edit(self, doc: Doc[Any], kind: str, root_name: str, *args: Any) -> None:
        order = bind(doc)[0]
        root = doc.get(root_name, type=Map)
        ids = sorted(root.keys())
        if kind == "add":
            self.added += 1
            new_id = f"p{self.added:012x}"
            with doc.transaction():
                root[new_id] = Text(args[1])
                if root_name == "paragraphs":
                    order.insert(args[0] % (len(order) + 1), new_id)
            return
        if not ids:
            return
        paragraph_id = ids[args[0] % len(ids)]
        target = root[paragraph_id]
        if not isinstance(target, Text):
            return
        content = str(target)

        def at(share: float) -> int:
            return utf8_offset(content, int(share * len(content)))

        if kind == "insert":
            target.insert(at(args[1]), args[2])
        elif kind == "delete":
            start, stop = sorted((at(args[1]), at(args[2])))
            del target[start:stop]
        elif kind == "format":
            target.format(0, at(args[1]), {"bold": True})
        elif kind == "replace":
            root[paragraph_id] = Text(args[1])
        elif kind == "drop":
            with doc.transaction():
                del root[paragraph_id]
                if root_name == "paragraphs" and paragraph_id in list(order):
                    del order[list(order).index(paragraph_id)]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=4, max_size=40))
def test_translations_are_guarded_kept_in_step_and_replicas_converge(moves: list[tuple[Any, ...]]) -> None:
    server = new_draft()
    first, _ = write_draft(
        server,
        title="Declaration on migration 🌎",
        kind=DocumentKind.DECLARATION,
        paragraphs=PARAGRAPHS,
        languages=Languages("en", ("es",)),
        versions={"es": SPANISH},
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
