"""The guard holds the whole layout contract (issue 8, hole 2), for every role and document status."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pycrdt import Array, Doc, Map, Text

import drafting.guard
from drafting.compensate import read_chunks
from drafting.layout import DOCUMENT_KEY, bind, read_document_info, read_paragraphs
from drafting.layout_contract import ROOTS, Entries, LayoutLimits, Root
from drafting.textpos import utf8_offset
from drafting.update_items import TypeRef
from tests.drafting import raw_updates as raw
from tests.drafting.guard_room import (
    DELEGATE,
    LOCKED_TEXT,
    OBSERVER,
    OPEN_TEXT,
    OTHER_TEXT,
    PPT,
    ROLES,
    Room,
    insert_at,
    open_room,
    state,
    text,
    texts,
)

NOTES = "NOTA-CONFIDENCIAL-" + "x" * 200_000  # 200 KB that must not survive anywhere
UNKNOWN_ROOT = (
    "a draft holds only order, paragraphs, info and its language versions (translations.LANG): what "
    "you wrote elsewhere was removed "
    "(keep notes in comments)"
)
HIDDEN = (
    "your update wrote entries the draft's layout has no place for (formatting, attributes or values no "
    "reader shows): they were removed; edit paragraphs as plain Y.Text"
)
EMBED = "a paragraph holds text only: embedded objects and shared types in it were removed"
FORMATTING = (
    "a formatting attribute may have at most 256 characters (name and value): the larger ones were removed"
)
BAD_ORDER = (
    "order lists paragraph ids only ('p' and 12 lowercase hexadecimal digits, like p3f9a0c12b7de): "
    "the other entries were removed"
)
STATUSES = {
    "draft": None,
    "under silence": "under_silence",
    "adopted": "adopted",
}


def bad_id(paragraph_id: str) -> str:
    return (
        f"{paragraph_id!r} is not a paragraph id ('p' and 12 lowercase hexadecimal digits, like "
        "p3f9a0c12b7de): add the paragraph again under such an id"
    )


def too_long(label: str, limit: int = 20_000) -> str:
    return (
        f"{label} would be longer than {limit} characters: your change to it was undone; shorten it or split "
        "it into several paragraphs"
    )


@pytest.fixture(params=list(STATUSES))
def any_status_room(request: pytest.FixtureRequest) -> Iterator[Room]:
    room = open_room()
    if STATUSES[request.param]:
        room.server_edit(document={"status": STATUSES[request.param]})
    yield room
    room.close()


def stored_and_relayed(room: Room) -> list[bytes]:
    """What the room's storage and its broadcasts hold: the whole state and every relayed update."""
    return [room.stored, *room.relayed]


def assert_nowhere(room: Room, marker: str, *clients: Doc[Any]) -> None:
    needle = marker.encode()
    for blob in stored_and_relayed(room):
        assert needle not in blob, "stored or relayed"
    assert needle not in room.replica().get_update(), "a replica built from what was relayed"
    for doc in clients:
        assert needle not in doc.get_update(), "a client's document after it synced"


def root_content(doc: Doc[Any], name: str) -> tuple[Any, Any]:
    return doc.get(name, type=Map).to_py(), str(doc.get(name, type=Text))


# -- roots the layout does not know --------------------------------------------------------------------


@pytest.mark.parametrize("role", list(ROLES))
def test_a_root_outside_the_layout_is_emptied_for_every_role_and_status(
    any_status_room: Room, role: str
) -> None:
    room = any_status_room
    before = state(room.server)
    client = room.client()
    with client.transaction():
        notas = client.get("notas", type=Map)
        notas["borrador"] = NOTES
        notas["anidado"] = Map({"más": NOTES[:5000] + "-anidado"})
        client.get("lista", type=Array).extend([NOTES[:3000] + "-lista", 7])

    verdict = room.send(client, ROLES[role])

    assert verdict.refused == (UNKNOWN_ROOT,)
    assert state(room.server) == before
    for doc in (room.server, client, room.replica()):
        assert root_content(doc, "notas") == ({}, "")
        assert doc.get("lista", type=Map).to_py() == {}
    assert_nowhere(room, "NOTA-CONFIDENCIAL", client)
    assert len(room.stored) < len(room.initial) + 400


def test_an_allowed_edit_in_the_same_update_as_an_unknown_root_survives(room: Room) -> None:
    client = room.client()
    with client.transaction():
        client.get("notas", type=Map)["borrador"] = NOTES
        insert_at(client, room.open, 0, "Todos ")

    assert room.send(client, DELEGATE).refused == (UNKNOWN_ROOT,)

    assert texts(room.server)[room.open] == "Todos " + OPEN_TEXT
    assert texts(room.replica())[room.open] == "Todos " + OPEN_TEXT


def test_writing_again_into_an_emptied_root_is_emptied_again_even_after_the_room_reloads(room: Room) -> None:
    client = room.client()
    client.get("notas", type=Map)["primero"] = "uno"
    client.get("apuntes", type=Text).insert(0, "primera línea")
    assert room.send(client, OBSERVER).refused == (UNKNOWN_ROOT,)
    # The client, now in step with the server, writes next to what it wrote (chained to its tombstones).
    with client.transaction():
        client.get("notas", type=Map)["segundo"] = NOTES
        client.get("apuntes", type=Text).insert(0, NOTES)
    assert room.send(client, OBSERVER).refused == (UNKNOWN_ROOT,)
    room.reload()
    with client.transaction():
        client.get("notas", type=Map)["primero"] = NOTES + "-tercero"
        client.get("apuntes", type=Text).insert(0, "tercera " + NOTES)

    assert room.send(client, OBSERVER).refused == (UNKNOWN_ROOT,)

    for doc in (room.server, client, room.replica()):
        assert root_content(doc, "notas") == ({}, "")
        assert root_content(doc, "apuntes") == ({}, "")
    assert_nowhere(room, "NOTA-CONFIDENCIAL", client)


def test_formatting_in_an_unknown_text_root_leaves_nothing_behind(room: Room) -> None:
    client = room.client()
    apuntes = client.get("apuntes", type=Text)
    with client.transaction():
        apuntes.insert(0, "visible ", {"nota": NOTES})
        apuntes.insert(3, "x", {"otra": "NOTA-CONFIDENCIAL-breve"})
        apuntes.insert(0, "y", {"tercera": "NOTA-CONFIDENCIAL-oculta"})
        del apuntes[0:1]  # formatting around nothing: no reader sees it

    assert room.send(client, DELEGATE).refused == (UNKNOWN_ROOT,)

    assert root_content(room.server, "apuntes") == ({}, "")
    assert_nowhere(room, "NOTA-CONFIDENCIAL", client)


# -- values of the wrong type --------------------------------------------------------------------------


@pytest.mark.parametrize("value", [42, "una cadena", "map", "array"])
@pytest.mark.parametrize("role", ["delegate", "head", "ppt"])
def test_a_paragraph_replaced_by_another_value_is_put_back(room: Room, role: str, value: Any) -> None:
    client = room.client()
    replacement = {"map": Map({"texto": "falso"}), "array": Array(["falso"])}.get(value, value)
    with client.transaction():
        bind(client)[1][room.open] = replacement
        insert_at(client, room.other, 0, "Sí: ")

    verdict = room.send(client, ROLES[role])

    assert verdict.refused == ("OP1: a paragraph's text must be a Y.Text; it was put back as it was",)
    for doc in (room.server, client, room.replica()):
        assert texts(doc) == {room.locked: LOCKED_TEXT, room.open: OPEN_TEXT, room.other: "Sí: " + OTHER_TEXT}
        assert [p.text for p in read_paragraphs(doc)] == [LOCKED_TEXT, OPEN_TEXT, "Sí: " + OTHER_TEXT]


def test_an_observer_replacing_a_paragraph_is_refused_too(room: Room) -> None:
    client = room.client()
    bind(client)[1][room.open] = 42

    assert room.send(client, OBSERVER).refused == ("your role may not edit the text",)
    assert texts(room.server)[room.open] == OPEN_TEXT


@pytest.mark.parametrize(
    ("status", "name"), [("adopted", "adopted"), ("under_silence", "under silence procedure")]
)
def test_a_paragraph_replaced_in_a_frozen_document_is_put_back(room: Room, status: str, name: str) -> None:
    room.server_edit(document={"status": status})
    client = room.client()
    bind(client)[1][room.open] = 42

    assert room.send(client, PPT).refused == (f"the document is {name}: its text cannot change",)
    assert texts(room.server)[room.open] == OPEN_TEXT == texts(client)[room.open]


def test_a_new_paragraph_whose_value_is_not_a_text_is_not_added(room: Room) -> None:
    client = room.client()
    with client.transaction():
        bind(client)[1]["p0123456789ab"] = Map({"texto": NOTES})
        bind(client)[0].append("p0123456789ab")

    assert room.send(client, PPT).refused == (
        "'p0123456789ab': a new paragraph's text must be a Y.Text; it was not added",
    )
    for doc in (room.server, client):
        assert list(bind(doc)[0]) == [room.locked, room.open, room.other]
        assert "p0123456789ab" not in bind(doc)[1]
    assert_nowhere(room, "NOTA-CONFIDENCIAL", client)


# -- paragraph ids ---------------------------------------------------------------------------------------


def test_a_paragraph_called_document_is_refused_and_the_document_still_reads(room: Room) -> None:
    client = room.client()
    with client.transaction():
        order, paragraphs, _ = bind(client)
        paragraphs[DOCUMENT_KEY] = Text("Párrafo que choca con info.document")
        order.insert(1, DOCUMENT_KEY)

    assert room.send(client, PPT).refused == (bad_id(DOCUMENT_KEY),)

    for doc in (room.server, client, room.replica()):
        assert list(bind(doc)[0]) == [room.locked, room.open, room.other]
        assert DOCUMENT_KEY not in bind(doc)[1]
        assert [p.id for p in read_paragraphs(doc)] == [room.locked, room.open, room.other]
        assert read_document_info(doc)["kind"] == "declaration"


@pytest.mark.parametrize(
    "paragraph_id", ["P0123456789AB", "p0123456789a", "p0123456789abc", "pnuevo000001", "info", ""]
)
def test_a_paragraph_id_of_another_shape_is_refused(room: Room, paragraph_id: str) -> None:
    client = room.client()
    with client.transaction():
        order, paragraphs, _ = bind(client)
        paragraphs[paragraph_id] = Text("Párrafo nuevo")
        order.append(paragraph_id)
        insert_at(client, room.open, 0, "¡")

    assert room.send(client, PPT).refused == (bad_id(paragraph_id),)

    assert list(bind(room.server)[0]) == [room.locked, room.open, room.other]
    assert texts(room.server) == {
        room.locked: LOCKED_TEXT,
        room.open: "¡" + OPEN_TEXT,
        room.other: OTHER_TEXT,
    }


def test_a_paragraph_id_of_the_documented_shape_is_accepted(room: Room) -> None:
    client = room.client()
    with client.transaction():
        order, paragraphs, _ = bind(client)
        paragraphs["p0a1b2c3d4e5f"] = Text("Párrafo nuevo 🆕")
        order.append("p0a1b2c3d4e5f")

    assert room.send(client, PPT).accepted
    assert texts(room.server)["p0a1b2c3d4e5f"] == "Párrafo nuevo 🆕"


def test_order_entries_that_are_not_paragraph_ids_are_removed_and_a_move_kept(room: Room) -> None:
    client = room.client()
    with client.transaction():
        order = bind(client)[0]
        del order[2]
        order.insert(0, room.other)
        order.extend([42, DOCUMENT_KEY, "pnuevo000001", None])
        order.append(Map({"nota": NOTES}))

    assert room.send(client, PPT).refused == (BAD_ORDER,)

    for doc in (room.server, client, room.replica()):
        assert list(bind(doc)[0]) == [room.other, room.locked, room.open]
    assert_nowhere(room, "NOTA-CONFIDENCIAL", client)


# -- sizes -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["delegate", "head", "ppt"])
def test_half_a_million_characters_into_a_paragraph_are_undone(room: Room, role: str) -> None:
    client = room.client()
    with client.transaction():
        insert_at(client, room.open, 9, "NOTA-CONFIDENCIAL-" + "ñ" * 500_000)
        insert_at(client, room.other, 0, "Sí: ")

    assert room.send(client, ROLES[role]).refused == (too_long("OP1"),)

    for doc in (room.server, client, room.replica()):
        assert texts(doc) == {room.locked: LOCKED_TEXT, room.open: OPEN_TEXT, room.other: "Sí: " + OTHER_TEXT}


def test_the_limit_counts_characters_not_bytes() -> None:
    room = open_room(LayoutLimits(max_paragraph_chars=len(OPEN_TEXT) + 10))
    try:
        client = room.client()
        insert_at(client, room.open, 0, "ó🌎ñ🤝áéíúü¿")  # 10 code points, 24 bytes, 12 UTF-16 units
        assert room.send(client, DELEGATE).accepted
        insert_at(client, room.open, 0, "á")
        assert room.send(client, DELEGATE).refused == (too_long("OP1", len(OPEN_TEXT) + 10),)
        assert texts(room.server)[room.open] == "ó🌎ñ🤝áéíúü¿" + OPEN_TEXT == texts(client)[room.open]
    finally:
        room.close()


def test_typing_up_to_the_limit_in_many_updates_is_counted() -> None:
    limit = len(OPEN_TEXT) + 40
    room = open_room(LayoutLimits(max_paragraph_chars=limit))
    try:
        client = room.client()
        for _ in range(40):
            insert_at(client, room.open, 5, "ü")
            assert room.send(client, DELEGATE).accepted
        insert_at(client, room.open, 5, "ü")
        assert room.send(client, DELEGATE).refused == (too_long("OP1", limit),)
        assert len(texts(room.server)[room.open]) == limit
    finally:
        room.close()


def test_a_paragraph_over_a_lowered_limit_may_shrink_but_not_grow(room: Room) -> None:
    room.reload(LayoutLimits(max_paragraph_chars=20))
    client = room.client()
    insert_at(client, room.open, 0, "Más ")
    assert room.send(client, DELEGATE).refused == (too_long("OP1", 20),)
    assert texts(room.server)[room.open] == OPEN_TEXT
    target = text(client, room.open)
    del target[0 : utf8_offset(OPEN_TEXT, 9)]
    assert room.send(client, DELEGATE).accepted
    assert texts(room.server)[room.open] == OPEN_TEXT[9:]


def test_a_new_paragraph_over_the_limit_is_not_added(room: Room) -> None:
    client = room.client()
    with client.transaction():
        order, paragraphs, _ = bind(client)
        paragraphs["p0a1b2c3d4e5f"] = Text("NOTA-CONFIDENCIAL-" + "a" * 20_000)
        order.append("p0a1b2c3d4e5f")

    assert room.send(client, PPT).refused == (too_long("'p0a1b2c3d4e5f'"),)
    assert list(bind(room.server)[0]) == [room.locked, room.open, room.other]
    assert_nowhere(room, "NOTA-CONFIDENCIAL", client)


def test_paragraphs_beyond_the_limit_are_not_added() -> None:
    room = open_room(LayoutLimits(max_paragraphs=4))
    try:
        client = room.client()
        with client.transaction():
            order, paragraphs, _ = bind(client)
            for paragraph_id in ("p00000000000a", "p00000000000b"):
                paragraphs[paragraph_id] = Text("Párrafo de más")
                order.append(paragraph_id)
        assert room.send(client, PPT).refused == (
            "a document holds at most 4 paragraphs: the paragraphs you added were removed",
        )
        assert list(bind(room.server)[0]) == list(bind(client)[0]) == [room.locked, room.open, room.other]
        assert set(texts(room.server)) == {room.locked, room.open, room.other}
        with client.transaction():
            bind(client)[1]["p00000000000c"] = Text("Cabe uno")
            bind(client)[0].append("p00000000000c")
        assert room.send(client, PPT).accepted
        bind(client)[0].extend(["p00000000000d"] * 3)  # entries alone, beyond the limit
        assert room.send(client, PPT).refused == (
            "a document holds at most 4 paragraphs: the paragraphs you added were removed",
        )
        assert len(bind(room.server)[0]) == 4
    finally:
        room.close()


# -- what a Y.Text may hold --------------------------------------------------------------------------------


def test_a_huge_formatting_attribute_is_removed_and_the_text_kept(room: Room) -> None:
    client = room.client()
    with client.transaction():
        insert_at(client, room.open, 9, "nueva ", nota=NOTES)
        text(client, room.other).format(0, 4, {"comentario": NOTES + "-formato"})
        insert_at(client, room.other, 0, "¡", bold=True)

    assert room.send(client, DELEGATE).refused == (FORMATTING,)

    for doc in (room.server, client, room.replica()):
        assert read_chunks(text(doc, room.open)) == [(OPEN_TEXT[:9] + "nueva " + OPEN_TEXT[9:], {})]
        assert read_chunks(text(doc, room.other)) == [("¡", {"bold": True}), (OTHER_TEXT, {})]
    assert_nowhere(room, "NOTA-CONFIDENCIAL", client)


def test_huge_formatting_around_nothing_is_removed(room: Room) -> None:
    client = room.client()
    target = text(client, room.open)
    with client.transaction():
        target.insert(3, "x", {"nota": NOTES})
        del target[3:4]
        insert_at(client, room.other, 0, "¡")

    assert room.send(client, DELEGATE).refused == (FORMATTING,)

    assert texts(room.server)[room.other] == "¡" + OTHER_TEXT
    assert_nowhere(room, "NOTA-CONFIDENCIAL", client)


@pytest.mark.parametrize("embedded", ["value", "map", "text"])
def test_an_embed_or_a_shared_type_in_a_paragraph_is_removed(room: Room, embedded: str) -> None:
    client = room.client()
    value = {"value": {"imagen": NOTES}, "map": Map({"k": NOTES}), "text": Text(NOTES)}[embedded]
    with client.transaction():
        text(client, room.open).insert_embed(utf8_offset(OPEN_TEXT, 9), value)
        insert_at(client, room.open, 0, "Todos: ")

    assert room.send(client, DELEGATE).refused == (EMBED,)

    for doc in (room.server, client, room.replica()):
        assert read_chunks(text(doc, room.open)) == [("Todos: " + OPEN_TEXT, {})]
    assert_nowhere(room, "NOTA-CONFIDENCIAL", client)


def test_an_embed_in_a_new_paragraph_is_removed(room: Room) -> None:
    client = room.client()
    with client.transaction():
        order, paragraphs, _ = bind(client)
        paragraphs["p0a1b2c3d4e5f"] = Text("Nuevo")
        paragraphs["p0a1b2c3d4e5f"].insert_embed(2, {"imagen": NOTES})
        order.append("p0a1b2c3d4e5f")

    assert room.send(client, PPT).refused == (EMBED,)
    assert texts(room.server)["p0a1b2c3d4e5f"] == "Nuevo" == texts(client)["p0a1b2c3d4e5f"]
    assert_nowhere(room, "NOTA-CONFIDENCIAL", client)


# -- entries no reader sees --------------------------------------------------------------------------------


def test_a_text_attribute_is_removed_and_so_is_the_next_one(room: Room) -> None:
    attacker = 4_242_424
    first = raw.update(
        attacker,
        0,
        [raw.Struct(raw.values(NOTES), parent=raw.text_item_id(room.server, room.open), key="nota")],
    )
    assert room.guard.apply(first, DELEGATE).refused == (HIDDEN,)
    chained = raw.update(attacker, 1, [raw.Struct(raw.values(NOTES + "-bis"), origin=(attacker, 0))])

    assert room.guard.apply(chained, DELEGATE).refused == (HIDDEN,)

    assert texts(room.server)[room.open] == OPEN_TEXT
    assert_nowhere(room, "NOTA-CONFIDENCIAL")


@pytest.mark.parametrize(
    "hidden",
    [
        raw.Struct(raw.text(NOTES), parent="paragraphs"),  # a list item in a Y.Map
        raw.Struct(raw.values(NOTES), parent="info"),
        raw.Struct(raw.values(NOTES), parent="order", key="nota"),  # an entry in a Y.Array
        raw.Struct(raw.formatting("nota", "NOTA-CONFIDENCIAL"), parent="order"),
        raw.Struct(raw.shared(TypeRef.TEXT), parent="order", key="nota"),
    ],
    ids=[
        "list item in paragraphs",
        "list item in info",
        "entry in order",
        "formatting in order",
        "text in order",
    ],
)
def test_entries_of_the_wrong_kind_in_a_root_are_removed(room: Room, hidden: raw.Struct) -> None:
    attacker = 5_151_515
    before = state(room.server)

    verdict = room.guard.apply(raw.update(attacker, 0, [hidden]), PPT)

    assert verdict.refused == (HIDDEN,)
    assert state(room.server) == before
    assert_nowhere(room, "NOTA-CONFIDENCIAL")


def test_entries_hidden_before_the_room_loaded_are_found_when_written_next_to() -> None:
    room = open_room()
    try:
        attacker = 6_262_626
        # An earlier server let these through; the stored state holds them.
        room.server.apply_update(
            raw.update(attacker, 0, [raw.Struct(raw.text("NOTA-CONFIDENCIAL-vieja"), parent="paragraphs")])
        )
        room.reload()
        chained = raw.update(attacker, 23, [raw.Struct(raw.text(NOTES), origin=(attacker, 22))])

        assert room.guard.apply(chained, PPT).refused == (HIDDEN,)

        assert_nowhere(room, "NOTA-CONFIDENCIAL")
    finally:
        room.close()


# -- the fast path ----------------------------------------------------------------------------------------


def test_typing_reads_no_paragraph(room: Room, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*_args: Any) -> Any:
        raise AssertionError("a keystroke read a paragraph's text")

    monkeypatch.setattr(drafting.guard, "read_chunks", fail)
    monkeypatch.setattr(Text, "__str__", fail)
    client = room.client()
    for character in reversed("Sí, señor 🌎"):
        text(client, room.open).insert(0, character)
        assert room.guard.apply(client.get_update(room.server.get_state()), DELEGATE).accepted
    target = text(client, room.open)
    del target[0:3]
    assert room.guard.apply(client.get_update(room.server.get_state()), DELEGATE).accepted
    monkeypatch.undo()
    assert texts(room.server)[room.open] == texts(client)[room.open]


def test_rights_and_contract_refusals_come_together(room: Room) -> None:
    client = room.client()
    with client.transaction():
        insert_at(client, room.locked, 0, "No ")
        client.get("notas", type=Map)["x"] = "y"
        bind(client)[1][room.open] = 7

    verdict = room.send(client, DELEGATE)

    assert set(verdict.refused) == {
        UNKNOWN_ROOT,
        "PP1 is locked (agreed ad ref): its text cannot change",
        "OP1: a paragraph's text must be a Y.Text; it was put back as it was",
    }
    assert texts(room.server) == {room.locked: LOCKED_TEXT, room.open: OPEN_TEXT, room.other: OTHER_TEXT}


# -- the layout is a table ----------------------------------------------------------------------------------


def test_a_root_added_to_the_layout_table_is_kept_with_the_entries_it_names(
    room: Room, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What issue 11 will add: language versions, a Y.Map per language of Y.Texts per paragraph.
    monkeypatch.setitem(
        ROOTS,
        "translations",
        Root("translations", Entries.KEYED, frozenset({TypeRef.MAP}), "language versions"),
    )
    room.reload()  # a guard that knows the new root from the start
    client = room.client()
    with client.transaction():
        client.get("translations", type=Map)["en"] = Map(
            {room.open: Text("Agree to strengthen cooperation;")}
        )
        client.get("translations", type=Map)["es"] = 42
        client.get("notas", type=Map)["x"] = NOTES

    assert room.send(client, DELEGATE).refused == (
        "translations holds language versions: the other values written there were removed",
        UNKNOWN_ROOT,
    )

    for doc in (room.server, room.replica()):
        assert doc.get("translations", type=Map).to_py() == {
            "en": {room.open: "Agree to strengthen cooperation;"}
        }
        assert doc.get("notas", type=Map).to_py() == {}
