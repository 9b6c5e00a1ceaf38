from __future__ import annotations

from typing import Any

import pytest
from pycrdt import Doc, Map, Text

from drafting.compensate import read_chunks, restore_order, restore_text
from drafting.errors import MalformedUpdate
from drafting.guard import Guard, apply_guarded
from drafting.layout import DOCUMENT_KEY, bind
from drafting.textpos import utf8_offset
from tests.drafting import raw_updates as raw
from tests.drafting.guard_room import (
    DELEGATE,
    EDITOR,
    LOCKED_TEXT,
    OPEN_TEXT,
    OTHER_TEXT,
    READER,
    Room,
    delete_range,
    insert_at,
    state,
    text,
    texts,
)

LOCKED_REFUSAL = "PP1 is locked (agreed ad ref): its text cannot change"
INFO_REFUSAL = "labels, statuses and locks (info) are written only by the server"
RESTRUCTURE_REFUSAL = "your role may not add, remove or reorder paragraphs"


def assert_locked_intact(room: Room, *clients: Doc[Any]) -> None:
    for doc in (room.server, *clients):
        assert read_chunks(text(doc, room.locked)) == [(LOCKED_TEXT, {})]


# -- a locked paragraph's text -----------------------------------------------------------------------


def test_an_insertion_into_a_locked_paragraph_is_undone_and_the_open_edit_kept(room: Room) -> None:
    client = room.client()
    with client.transaction():
        insert_at(client, room.locked, LOCKED_TEXT.index("🌎") + 1, " ¡Sí, señor! 🎉")
        insert_at(client, room.open, len(OPEN_TEXT) - 1, " y el diálogo 🤝")

    verdict = room.send(client, DELEGATE)

    assert verdict.refused == (LOCKED_REFUSAL,)
    assert not verdict.accepted
    assert_locked_intact(room, client)
    for doc in (room.server, client):
        assert texts(doc)[room.open] == "Acuerdan fortalecer la cooperación regional y el diálogo 🤝;"


def test_a_deletion_from_a_locked_paragraph_is_put_back(room: Room) -> None:
    client = room.client()
    start = LOCKED_TEXT.index("contribución")
    with client.transaction():
        delete_range(client, room.locked, start, LOCKED_TEXT.index("🌎") + 2)  # across the accent and emoji
        delete_range(client, room.other, 0, len("Promoverán "))

    verdict = room.send(client, DELEGATE)

    assert verdict.refused == (LOCKED_REFUSAL,)
    assert_locked_intact(room, client)
    for doc in (room.server, client):
        assert texts(doc)[room.other] == "una migración segura, ordenada y regular 🤝."


def test_formatting_of_a_locked_paragraph_is_removed_and_of_an_open_one_kept(room: Room) -> None:
    client = room.client()
    emoji = LOCKED_TEXT.index("🌎")
    with client.transaction():
        locked = text(client, room.locked)
        locked.format(
            utf8_offset(LOCKED_TEXT, emoji - 10), utf8_offset(LOCKED_TEXT, emoji + 1), {"bold": True}
        )
        text(client, room.open).format(0, len("Acuerdan"), {"italic": True})

    verdict = room.send(client, DELEGATE)

    assert verdict.refused == (LOCKED_REFUSAL,)
    assert_locked_intact(room, client)
    for doc in (room.server, client):
        assert read_chunks(text(doc, room.open)) == [
            ("Acuerdan", {"italic": True}),
            (OPEN_TEXT[len("Acuerdan") :], {}),
        ]


def test_formatting_removed_from_a_locked_paragraph_comes_back(room: Room) -> None:
    room.server_edit(locked={"locked": False})
    with room.server.transaction(origin="server"):
        text(room.server, room.locked).format(0, utf8_offset(LOCKED_TEXT, 12), {"italic": True})
    room.server_edit(locked={"locked": True})
    client = room.client()
    text(client, room.locked).format(0, utf8_offset(LOCKED_TEXT, 30), {"italic": None, "bold": True})

    assert room.send(client, DELEGATE).refused == (LOCKED_REFUSAL,)

    for doc in (room.server, client):
        assert read_chunks(text(doc, room.locked)) == [
            ("Reconociendo", {"italic": True}),
            (LOCKED_TEXT[12:], {}),
        ]


def test_a_replaced_locked_text_is_recreated_under_its_key(room: Room) -> None:
    client = room.client()
    bystander = room.client()
    with client.transaction():
        bind(client)[1][room.locked] = Text("Texto sustituido por un cliente malicioso 😈")
        insert_at(client, room.open, 0, "Todos ")

    verdict = room.send(client, DELEGATE)
    bystander.apply_update(room.server.get_update(bystander.get_state()))

    assert verdict.refused == (LOCKED_REFUSAL,)
    assert_locked_intact(room, client, bystander)
    assert texts(bystander)[room.open] == "Todos " + OPEN_TEXT
    # The recreated text is editable again once unlocked, by everyone.
    room.server_edit(locked={"locked": False})
    insert_at(bystander, room.locked, 0, "¡")
    assert room.send(bystander, DELEGATE).accepted
    client.apply_update(room.server.get_update(client.get_state()))
    assert texts(client)[room.locked] == "¡" + LOCKED_TEXT


def test_a_deleted_locked_text_is_recreated_even_for_a_sender_who_may_restructure(room: Room) -> None:
    client = room.client()
    with client.transaction():
        del bind(client)[1][room.locked]
        insert_at(client, room.other, len(OTHER_TEXT), " ✅")

    verdict = room.send(client, EDITOR)

    assert verdict.refused == (LOCKED_REFUSAL,)
    assert_locked_intact(room, client)
    assert texts(client)[room.other] == OTHER_TEXT + " ✅"


# -- info and structure ------------------------------------------------------------------------------


def test_a_client_cannot_unlock_by_writing_info_in_the_same_update(room: Room) -> None:
    client = room.client()
    before_info = bind(room.server)[2].to_py()
    with client.transaction():
        info = bind(client)[2]
        info[room.locked] = {**info[room.locked], "locked": False, "status": "open"}
        info[DOCUMENT_KEY] = {**info[DOCUMENT_KEY], "status": "adopted"}
        info["pfalso0000000"] = {"label": "OP99", "kind": "operative", "status": "open", "locked": False}
        del info[room.other]
        insert_at(client, room.locked, 0, "No ")
        insert_at(client, room.open, 0, "Sí: ")

    verdict = room.send(client, DELEGATE)

    assert verdict.refused == (LOCKED_REFUSAL, INFO_REFUSAL)
    assert_locked_intact(room, client)
    assert texts(client)[room.open] == "Sí: " + OPEN_TEXT
    for doc in (room.server, client):
        assert bind(doc)[2].to_py() == before_info


def test_a_nested_map_written_into_info_is_removed(room: Room) -> None:
    client = room.client()
    bind(client)[2]["intruso"] = Map({"locked": False})

    assert room.send(client, DELEGATE).refused == (INFO_REFUSAL,)
    assert "intruso" not in bind(client)[2]


def test_restructuring_without_the_right_is_undone(room: Room) -> None:
    client = room.client()
    before_order = list(bind(room.server)[0])
    with client.transaction():
        order, paragraphs, _ = bind(client)
        paragraphs["p00000000a001"] = Text("Párrafo nuevo 🆕")
        order.insert(1, "p00000000a001")
        del order[list(order).index(room.other)]
        del paragraphs[room.other]
        moved = list(order).index(room.open)
        del order[moved]
        order.insert(0, room.open)
        insert_at(client, room.open, len(OPEN_TEXT), " 🌱")

    verdict = room.send(client, DELEGATE)

    assert verdict.refused == (RESTRUCTURE_REFUSAL,)
    for doc in (room.server, client):
        assert list(bind(doc)[0]) == before_order
        assert texts(doc) == {room.locked: LOCKED_TEXT, room.open: OPEN_TEXT + " 🌱", room.other: OTHER_TEXT}


def test_a_sender_who_may_restructure_moves_adds_and_removes_but_not_a_locked_paragraph(room: Room) -> None:
    client = room.client()
    with client.transaction():
        order, paragraphs, _ = bind(client)
        paragraphs["p00000000a002"] = Text("Párrafo añadido 🆕")
        del order[0:3]
        order.extend([room.open, "p00000000a002"])
        del paragraphs[room.other]

    verdict = room.send(client, EDITOR)

    assert verdict.refused == ("PP1 is locked (agreed ad ref): it cannot be removed",)
    for doc in (room.server, client):
        assert list(bind(doc)[0]) == [room.locked, room.open, "p00000000a002"]
        assert texts(doc) == {
            room.locked: LOCKED_TEXT,
            room.open: OPEN_TEXT,
            "p00000000a002": "Párrafo añadido 🆕",
        }


@pytest.mark.parametrize(
    ("status", "reason"),
    [("adopted", "the document is adopted"), ("under_silence", "the document is under silence procedure")],
)
def test_an_adopted_or_silenced_document_is_locked_whole(room: Room, status: str, reason: str) -> None:
    room.server_edit(document={"status": status})
    before = state(room.server)
    client = room.client()
    with client.transaction():
        order, paragraphs, _ = bind(client)
        insert_at(client, room.open, 0, "¿")
        text(client, room.other).format(0, 3, {"bold": True})
        paragraphs["p00000000a003"] = Text("Otro 🆕")
        order.append("p00000000a003")

    verdict = room.send(client, EDITOR)

    assert verdict.refused == (
        f"{reason}: paragraphs cannot be added, removed or reordered",
        f"{reason}: its text cannot change",
    )
    assert state(room.server) == before == state(client)


def test_a_lock_and_an_unlock_by_the_server_take_effect_on_the_next_update(room: Room) -> None:
    room.server_edit(open={"locked": True, "status": "agreed"}, locked={"locked": False, "status": "open"})
    client = room.client()
    with client.transaction():
        insert_at(client, room.open, 0, "Nunca ")
        insert_at(client, room.locked, 0, "Ahora sí: ")

    assert room.send(client, DELEGATE).refused == ("OP1 is locked (agreed): its text cannot change",)
    assert texts(client) == {
        room.locked: "Ahora sí: " + LOCKED_TEXT,
        room.open: OPEN_TEXT,
        room.other: OTHER_TEXT,
    }


def test_a_sender_who_may_not_edit_changes_nothing(room: Room) -> None:
    client = room.client()
    before = state(room.server)
    insert_at(client, room.other, 3, "ñ")

    assert room.send(client, READER).refused == ("your role may not edit the text",)
    assert state(room.server) == before == state(client)


# -- the contract with the room ----------------------------------------------------------------------


def test_each_update_yields_one_transaction_accepted_or_compensated(room: Room) -> None:
    emitted: list[bytes] = []
    subscription = room.server.observe(lambda event: emitted.append(event.update))
    client = room.client()
    insert_at(client, room.open, 0, "A ")
    assert room.send(client, DELEGATE).accepted
    assert len(emitted) == 1
    with client.transaction():
        insert_at(client, room.locked, 0, "B ")
        insert_at(client, room.open, 0, "C ")
    assert not room.send(client, DELEGATE).accepted
    assert len(emitted) == 2
    room.server.unobserve(subscription)
    # What the room broadcasts is enough for a client that never spoke to converge.
    listener: Doc[Any] = Doc()
    listener.apply_update(room.server.get_update())
    assert state(listener) == state(room.server)


def test_a_malformed_update_is_refused_and_the_guard_keeps_working(room: Room) -> None:
    before = state(room.server)
    with pytest.raises(MalformedUpdate):
        room.guard.apply(b"\x01\xff\xff\xff\xff\x0f\x00", DELEGATE)
    assert state(room.server) == before
    client = room.client()
    with client.transaction():
        insert_at(client, room.locked, 0, "X")
        insert_at(client, room.open, 0, "Y")
    assert room.send(client, DELEGATE).refused == (LOCKED_REFUSAL,)
    assert texts(room.server)[room.open] == "Y" + OPEN_TEXT


def test_an_update_yrs_applies_only_in_part_is_refused_and_leaves_nothing(room: Room) -> None:
    """A hand-made update: a new root type, then a character whose parent is another character. Yrs puts
    the first in and raises a RuntimeError at the second; the guard must refuse it whole."""
    client = room.client()
    insert_at(client, room.open, 0, "A")  # the character (client, 0)
    assert room.send(client, DELEGATE).accepted
    before = state(room.server)
    hostile = raw.partly_applicable(client.client_id + 1, (client.client_id, 0))
    with pytest.raises(MalformedUpdate, match="Cannot apply update"):
        room.guard.apply(hostile, DELEGATE)
    assert state(room.server) == before
    assert "junk" not in list(room.server.keys())
    with client.transaction():  # the guard's replica is the document again: a lock still holds
        insert_at(client, room.locked, 0, "X")
        insert_at(client, room.open, 0, "Y")
    assert room.send(client, DELEGATE).refused == (LOCKED_REFUSAL,)
    assert texts(room.server)[room.open] == "YA" + OPEN_TEXT
    assert "junk" not in list(room.server.keys())


def test_apply_guarded_is_the_one_off_form(room: Room) -> None:
    room.guard.close()
    client = room.client()
    with client.transaction():
        insert_at(client, room.locked, 0, "X")
        insert_at(client, room.open, 0, "Ñ")
    verdict = apply_guarded(room.server, client.get_update(room.server.get_state()), DELEGATE)
    assert verdict.refused == (LOCKED_REFUSAL,)
    assert texts(room.server) == {
        room.locked: LOCKED_TEXT,
        room.open: "Ñ" + OPEN_TEXT,
        room.other: OTHER_TEXT,
    }
    room.guard = Guard(room.server)


# -- compensation edits ------------------------------------------------------------------------------


def test_restoring_a_long_paragraph_edits_only_what_changed() -> None:
    doc: Doc[Any] = Doc()
    paragraphs = doc.get("paragraphs", type=Map)
    long_text = "Migración segura, ordenada y regular 🌎 en la región; " * 60
    paragraphs["p"] = Text(long_text)
    target = paragraphs["p"]
    want = read_chunks(target)
    middle = len(long_text) // 2
    del target[utf8_offset(long_text, middle) : utf8_offset(long_text, middle + 3)]
    target.insert(utf8_offset(long_text, 10), "🎉 ", {"bold": True})
    before = doc.get_state()

    assert restore_text(target, want)

    assert str(target) == long_text and read_chunks(target) == want
    assert len(doc.get_update(before)) < 120  # a full rewrite would be over 3 kB


def test_restoring_formatting_with_emoji_and_accents() -> None:
    doc: Doc[Any] = Doc()
    paragraphs = doc.get("paragraphs", type=Map)
    paragraphs["p"] = Text()
    target = paragraphs["p"]
    target.insert(0, "Año 🌎 ", {"bold": True})
    target.insert(utf8_offset("Año 🌎 ", 6), "cooperación 🤝", {"italic": True})
    want = read_chunks(target)
    target.format(0, utf8_offset(str(target), 13), {"bold": None, "italic": None, "underline": True})
    target.insert(utf8_offset(str(target), 3), "ñ", {"link": "https://example.org"})

    assert restore_text(target, want)
    assert read_chunks(target) == want
    assert not restore_text(target, want)


def test_restoring_text_with_an_embed_rewrites_it() -> None:
    doc: Doc[Any] = Doc()
    paragraphs = doc.get("paragraphs", type=Map)
    paragraphs["p"] = Text("Migración")
    target = paragraphs["p"]
    want = read_chunks(target)
    target.insert_embed(3, {"imagen": "🌎"}, {"bold": True})

    assert restore_text(target, want)
    assert read_chunks(target) == want


def test_restoring_order_makes_the_fewest_edits() -> None:
    doc: Doc[Any] = Doc()
    array = bind(doc)[0]
    array.extend(["a", "b", "c", "d", "e"])
    changes: list[Any] = []

    def record(event: Any) -> None:
        changes.append(event.delta)

    array.observe(record)
    with doc.transaction():
        del array[1]
        array.insert(3, "x")

    with doc.transaction():
        restore_order(array, ["a", "b", "c", "d", "e"])

    assert list(array) == ["a", "b", "c", "d", "e"]
    assert changes[-1] == [{"retain": 1}, {"insert": ["b"]}, {"retain": 2}, {"delete": 1}]
