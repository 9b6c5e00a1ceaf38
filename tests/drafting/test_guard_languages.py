"""The guard over the language versions (translations.LANG): only the Secretariat edits them, a locked
paragraph's translation is compensated like its source, their keys are the server's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from pycrdt import Doc, Map, Text

from drafting.compensate import read_chunks
from drafting.guard import TRANSLATE_REFUSED, VERSION_KEYS_REFUSED, Rights
from drafting.languages import (
    Languages,
    confirm,
    keep_in_step,
    read_translation,
    translations,
    write_languages,
)
from drafting.textpos import utf8_offset
from tests.drafting.guard_room import DELEGATE, OPEN_TEXT, PPT, Room, insert_at, open_room, texts

SECRETARIAT = Rights(edit_text=False, restructure=False, translate=True)
LOCKED_ES = "Reconociendo la contribución de las personas migrantes 🌎 a la región;"
LOCKED_EN = "Recognizing the contribution of migrants 🌎 to the region;"
OPEN_EN = "Agree to strengthen regional cooperation;"
LOCKED_REFUSAL = "PP1 is locked (agreed ad ref): its text cannot change"


@pytest.fixture
def room() -> Iterator[Room]:
    room = open_room()
    with room.server.transaction(origin="server"):
        write_languages(room.server, Languages("es", ("en",)))
        for paragraph_id, words in ((room.locked, LOCKED_EN), (room.open, OPEN_EN)):
            version = translations(room.server, "en")[paragraph_id]
            assert isinstance(version, Text)
            version += words
            confirm(room.server, paragraph_id, "en")
    yield room
    room.close()


def english(doc: Doc[Any], paragraph_id: str) -> Text:
    value = translations(doc, "en")[paragraph_id]
    assert isinstance(value, Text)
    return value


def type_into(text: Text, at: int, words: str) -> None:
    text.insert(utf8_offset(str(text), at), words)


def test_the_secretariat_translates_an_open_paragraph(room: Room) -> None:
    client = room.client()
    type_into(english(client, room.open), len(OPEN_EN) - 1, " and dialogue")

    verdict = room.send(client, SECRETARIAT)

    assert verdict.accepted
    assert str(english(room.server, room.open)) == "Agree to strengthen regional cooperation and dialogue;"


@pytest.mark.parametrize("rights", [DELEGATE, PPT], ids=["delegate", "ppt"])
def test_a_negotiator_may_not_edit_a_translation(room: Room, rights: Rights) -> None:
    client = room.client()
    with client.transaction():
        type_into(english(client, room.open), 0, "Hereby ")
        insert_at(client, room.open, 0, "Sí: ")

    verdict = room.send(client, rights)

    assert verdict.refused == (TRANSLATE_REFUSED,)
    for doc in (room.server, client):
        assert str(english(doc, room.open)) == OPEN_EN
        assert texts(doc)[room.open] == "Sí: " + OPEN_TEXT  # the source edit in the same update stays


@pytest.mark.parametrize("rights", [DELEGATE, SECRETARIAT], ids=["delegate", "secretariat"])
def test_a_locked_paragraphs_translation_is_compensated_like_its_source(room: Room, rights: Rights) -> None:
    client = room.client()
    type_into(english(client, room.locked), LOCKED_EN.index("🌎") + 1, " 🎉 and more")

    verdict = room.send(client, rights)

    assert len(verdict.refused) == 1 and verdict.refused[0].startswith(LOCKED_REFUSAL)
    for doc in (room.server, client, room.replica()):
        assert read_chunks(english(doc, room.locked)) == [(LOCKED_EN, {})]


def test_only_the_server_adds_or_removes_a_versions_paragraphs(room: Room) -> None:
    client = room.client()
    with client.transaction():
        version = translations(client, "en")
        version["p0123456789ab"] = Text("Invented")
        del version[room.other]
        client.get("translations.fr", type=Map)["p0123456789ab"] = Text("Inventé")

    verdict = room.send(client, SECRETARIAT)

    assert VERSION_KEYS_REFUSED in verdict.refused
    for doc in (room.server, client, room.replica()):
        assert set(translations(doc, "en").keys()) == {room.locked, room.open, room.other}
        assert dict(translations(doc, "fr").items()) == {}


def test_an_embed_in_a_translation_is_removed(room: Room) -> None:
    client = room.client()
    english(client, room.open).insert_embed(0, {"image": "x.png"})

    verdict = room.send(client, SECRETARIAT)

    assert not verdict.accepted
    assert read_chunks(english(room.server, room.open)) == [(OPEN_EN, {})]


def test_a_concurrent_translation_edit_is_kept_and_still_stale(room: Room) -> None:
    delegate, secretariat = room.client(), room.client()
    insert_at(delegate, room.open, len(OPEN_TEXT) - 1, " y el diálogo")
    type_into(english(secretariat, room.open), len(OPEN_EN) - 1, " (draft)")

    verdicts = [room.send(delegate, DELEGATE), room.send(secretariat, SECRETARIAT)]
    with room.server.transaction(origin="server"):
        for verdict in verdicts:
            keep_in_step(room.server, verdict.texts)

    assert verdicts[0].texts == {room.open} and verdicts[1].texts == frozenset()
    translation = read_translation(room.server, room.open, "en")
    assert translation.text == "Agree to strengthen regional cooperation (draft);"
    assert translation.stale
    assert not read_translation(room.server, room.locked, "en").stale


def test_a_client_that_knows_only_the_source_edits_it_untouched_by_the_versions(room: Room) -> None:
    stock: Doc[Any] = Doc()
    stock.apply_update(room.server.get_update())
    paragraphs = stock.get("paragraphs", type=Map)
    paragraph = paragraphs[room.open]
    assert isinstance(paragraph, Text)
    paragraph.insert(0, "Hoy: ")

    verdict = room.send(stock, DELEGATE)

    assert verdict.accepted and verdict.texts == {room.open}
    assert str(english(room.server, room.open)) == OPEN_EN
