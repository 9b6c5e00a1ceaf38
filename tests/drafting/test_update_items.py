from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pycrdt import Array, Doc, Map, Text

from drafting.errors import MalformedUpdate
from drafting.update_items import Content, TypeRef, delete_set_update, only_characters, read_items
from tests.drafting import raw_updates as raw

words = st.text(alphabet="aáñ 🌎🤝¿?\u0301", min_size=1, max_size=6)
step = st.one_of(
    st.tuples(st.just("type"), st.integers(0, 60), words),
    st.tuples(st.just("delete"), st.integers(0, 60), st.integers(1, 5)),
    st.tuples(st.just("format"), st.integers(0, 60), st.sampled_from([True, None, "x" * 300])),
    st.tuples(st.just("embed"), st.integers(0, 60), st.sampled_from([{"a": 1}, "map", "text"])),
    st.tuples(
        st.just("entry"), words, st.sampled_from([1, 2.5, -7, None, True, "s", [1, {"k": "v"}], "map"])
    ),
    st.tuples(st.just("list"), st.lists(st.sampled_from(["p0123456789ab", 3, None]), min_size=1, max_size=3)),
    st.tuples(st.just("root"), st.sampled_from(["notas", "🌎"]), words),
    st.tuples(st.just("type and delete"), st.integers(0, 60), words),
)


def clocks(state: bytes) -> dict[int, int]:
    return raw.read_state(state)


def run(doc: Doc[Any], move: tuple[Any, ...]) -> None:
    target = doc.get("paragraphs", type=Map)["p0123456789ab"]
    size = len(target)
    kind = move[0]

    def at(value: int) -> int:
        # A byte offset at a character boundary: pycrdt counts UTF-8 bytes.
        content = str(target)
        encoded = content.encode()
        offset = min(value, len(encoded))
        while offset and offset < len(encoded) and encoded[offset] & 0xC0 == 0x80:
            offset -= 1
        return offset if not has_embed(target) else 0

    if kind == "type":
        target.insert(at(move[1]), move[2])
    elif kind == "type and delete":
        with doc.transaction():
            target.insert(at(move[1]), move[2])
            target.insert(0, "x", {"b": True})
            del target[0:1]
    elif kind == "delete" and size:
        start = at(move[1]) if move[1] < size else 0
        del target[start : min(size, start + move[2])]
    elif kind == "format" and size:
        target.format(0, at(move[1]) or size, {"b": move[2]})
    elif kind == "embed":
        value = {"map": Map({"k": "v"}), "text": Text("dentro")}.get(str(move[2]), move[2])
        target.insert_embed(at(move[1]), value)
    elif kind == "entry":
        value = Map({"k": 1}) if move[2] == "map" else move[2]
        doc.get("info", type=Map)[move[1]] = value
    elif kind == "list":
        doc.get("order", type=Array).extend(move[1])
    elif kind == "root":
        doc.get(move[1], type=Text).insert(0, move[2])


def has_embed(text: Text) -> bool:
    return any(not isinstance(value, str) for value, _ in text.diff())


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(step, min_size=1, max_size=25))
def test_every_update_pycrdt_writes_is_read_with_the_clocks_it_covers(moves: list[tuple[Any, ...]]) -> None:
    doc: Doc[Any] = Doc()
    doc.get("paragraphs", type=Map)["p0123456789ab"] = Text("Acuerdan 🌎")
    for move in moves:
        before = doc.get_state()
        run(doc, move)
        update = doc.get_update(before)
        items = read_items(update)
        # The guard's fast test agrees with a full reading of the update.
        assert only_characters(update) == all(
            item.content in (Content.STRING, Content.DELETED)
            and not item.keyed
            and not isinstance(item.parent, str)
            for item in items
        )
        # The items of one transaction follow one another from the clock the document was at.
        start = clocks(before).get(doc.client_id, 0)
        own = sorted(item.id[1] for item in items if item.id[0] == doc.client_id)
        assert not own or own[0] == start
        end = max((i.id[1] + i.length for i in items if i.id[0] == doc.client_id), default=start)
        assert end == clocks(doc.get_state()).get(doc.client_id, 0)
    whole = read_items(doc.get_update())
    assert sum(item.length for item in whole) <= clocks(doc.get_state())[doc.client_id]


def test_string_lengths_are_counted_as_yjs_counts_them() -> None:
    doc: Doc[Any] = Doc()
    paragraph = doc.get("paragraphs", type=Map)
    paragraph["p0123456789ab"] = Text("Migración 🌎")  # 11 code points, 12 UTF-16 units
    text = paragraph["p0123456789ab"]
    [_, first] = read_items(doc.get_update())
    before = doc.get_state()
    text.insert(len(text), "!")
    [typed] = read_items(doc.get_update(before))

    assert first.length == 12 and first.size == 11
    assert typed.origin == (doc.client_id, first.id[1] + 11)


def test_what_each_item_says_of_where_it_goes() -> None:
    doc: Doc[Any] = Doc()
    doc.get("paragraphs", type=Map)["p0123456789ab"] = Text("hola")
    doc.get("paragraphs", type=Map)["p0123456789ab"].format(0, 2, {"b": True})
    doc.get("order", type=Array).extend(["p0123456789ab", 7])
    doc.get("notas", type=Map)["x"] = Map({"y": "z"})
    items = read_items(doc.get_update())

    described = [(i.content, i.keyed, i.key, i.parent if isinstance(i.parent, str) else None) for i in items]
    assert (Content.TYPE, True, "p0123456789ab", "paragraphs") in described
    assert (Content.ANY, False, None, "order") in described
    assert (Content.TYPE, True, "x", "notas") in described
    assert any(i.content == Content.FORMAT and i.size == len("b") + len("true") for i in items)
    assert next(i for i in items if i.content == Content.ANY and i.parent == "order").values == (
        "p0123456789ab",
        7,
    )
    assert next(i for i in items if i.content == Content.TYPE and i.key == "x").type_ref == TypeRef.MAP


@pytest.mark.parametrize(
    "update",
    [b"\x01", b"\x01\x01\x05\x00\x04", b"\x01\x01\x05\x00\x0b\x00", b"\x01\x01\x05\x00\x07\x01\x01a\x08"],
    ids=["truncated", "string past the end", "move content", "unknown shared type"],
)
def test_an_unreadable_update_is_malformed(update: bytes) -> None:
    with pytest.raises(MalformedUpdate):
        read_items(update)
    assert not only_characters(update)


def test_only_characters_tells_typing_apart() -> None:
    doc: Doc[Any] = Doc()
    paragraphs = doc.get("paragraphs", type=Map)
    paragraphs["p0123456789ab"] = Text("Acuerdan cooperar")
    text = paragraphs["p0123456789ab"]

    def written(change: Any) -> bytes:
        before = doc.get_state()
        change()
        return doc.get_update(before)

    assert only_characters(written(lambda: text.insert(3, "ñ🌎")))
    assert only_characters(written(lambda: text.insert(0, "x" * 5000)))
    assert only_characters(written(lambda: text.__delitem__(slice(0, 4))))
    assert not only_characters(written(lambda: text.insert(2, "b", {"bold": True})))
    assert not only_characters(written(lambda: text.format(0, 2, {"bold": True})))
    assert not only_characters(written(lambda: text.insert_embed(1, {"a": 1})))
    assert not only_characters(written(lambda: paragraphs.__setitem__("p0123456789ac", Text("x"))))
    assert not only_characters(written(lambda: doc.get("notas", type=Text).insert(0, "root")))
    assert only_characters(b"\x00\x00")


def test_a_delete_set_update_deletes_those_items() -> None:
    doc: Doc[Any] = Doc()
    doc.get("notas", type=Text).insert(0, "abcdef")
    doc.apply_update(delete_set_update({doc.client_id: [(1, 3)]}))
    assert str(doc.get("notas", type=Text)) == "aef"


def test_only_characters_reads_past_deleted_items_to_what_follows() -> None:
    client = 7_007
    gone = raw.Raw(Content.DELETED, raw.uint(3), 3)  # an item deleted in the same transaction
    deleted = raw.Struct(gone, origin=(123_456_789, 4), right_origin=(123_456_789, 5))
    typed = raw.Struct(raw.text("ñ"), origin=(client, 2))
    formatted = raw.Struct(raw.formatting("nota", "x" * 300), origin=(client, 3))

    assert only_characters(raw.update(client, 0, [deleted, typed]))
    assert not only_characters(raw.update(client, 0, [deleted, formatted]))
    assert not only_characters(raw.update(client, 0, [deleted, typed, formatted]))
