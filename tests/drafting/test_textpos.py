from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pycrdt import Doc, Text

from drafting.textpos import (
    codepoint_to_utf16,
    utf8_length,
    utf8_offset,
    utf8_to_codepoint,
    utf16_to_codepoint,
)

# Plain characters (no lone surrogates, which no UTF encoding can carry) mixed with the ones that make
# the three counts differ: accents (2 UTF-8 bytes) and emoji (4 bytes, 2 UTF-16 units).
CHARACTERS = st.one_of(
    st.characters(exclude_categories=["Cs"]),
    st.sampled_from("áéíóúñÑü¿¡🌎🇲🇽👍🏽"),
)
TEXTS = st.text(alphabet=CHARACTERS, max_size=40)


def utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@st.composite
def text_and_index(draw: st.DrawFn) -> tuple[str, int]:
    text = draw(TEXTS)
    return text, draw(st.integers(0, len(text)))


def test_the_three_counts_of_migracion() -> None:
    assert len("Migración") == 9
    assert utf8_length("Migración") == 10
    assert utf8_offset("Migración", 9) == 10
    assert codepoint_to_utf16("Migración", 9) == 9
    assert utf16_to_codepoint("Migración", 9) == 9


def test_the_three_counts_of_an_emoji() -> None:
    assert utf8_length("🌎") == 4
    assert utf8_offset("🌎", 1) == 4
    assert codepoint_to_utf16("🌎", 1) == 2
    assert utf16_to_codepoint("🌎", 2) == 1


def test_offsets_after_accents_and_emoji() -> None:
    text = "Acción 🌎 región"
    index = text.index("región")
    assert utf8_offset(text, index) == len("Acción ".encode()) + 4 + 1
    assert codepoint_to_utf16(text, index) == index + 1
    assert utf16_to_codepoint(text, index + 1) == index


@given(text_and_index())
def test_utf16_round_trip_from_code_points(case: tuple[str, int]) -> None:
    text, index = case
    assert utf16_to_codepoint(text, codepoint_to_utf16(text, index)) == index


@given(text_and_index())
def test_utf16_round_trip_from_units(case: tuple[str, int]) -> None:
    text, index = case
    units = utf16_units(text[:index])
    assert codepoint_to_utf16(text, utf16_to_codepoint(text, units)) == units


@given(text_and_index())
def test_utf8_offset_cuts_the_encoding_at_the_code_point(case: tuple[str, int]) -> None:
    text, index = case
    encoded = text.encode("utf-8")
    offset = utf8_offset(text, index)
    assert encoded[:offset].decode("utf-8") == text[:index]
    assert encoded[offset:].decode("utf-8") == text[index:]


@given(TEXTS, TEXTS)
def test_a_utf16_offset_inside_a_surrogate_pair_raises(before: str, after: str) -> None:
    text = before + "🌎" + after
    with pytest.raises(IndexError):
        utf16_to_codepoint(text, utf16_units(before) + 1)


@pytest.mark.parametrize(
    ("text", "units", "cause"),
    [
        pytest.param("a🌎b", 2, "splits a surrogate pair", id="inside-emoji"),
        pytest.param("Migración 🌎", 11, "splits a surrogate pair", id="inside-last-emoji"),
        pytest.param("Migración", 10, "outside the text", id="past-the-end"),
        pytest.param("Migración", -1, "outside the text", id="negative"),
    ],
)
def test_the_utf16_error_names_its_cause(text: str, units: int, cause: str) -> None:
    with pytest.raises(IndexError, match=cause):
        utf16_to_codepoint(text, units)


@given(TEXTS)
def test_offsets_outside_the_text_raise(text: str) -> None:
    with pytest.raises(IndexError):
        utf16_to_codepoint(text, utf16_units(text) + 1)
    with pytest.raises(IndexError):
        utf16_to_codepoint(text, -1)
    with pytest.raises(IndexError):
        codepoint_to_utf16(text, len(text) + 1)
    with pytest.raises(IndexError):
        codepoint_to_utf16(text, -1)
    with pytest.raises(IndexError):
        utf8_offset(text, len(text) + 1)
    with pytest.raises(IndexError):
        utf8_offset(text, -1)


def test_pycrdt_still_indexes_text_by_utf8_bytes() -> None:
    # The premise of textpos: if pycrdt changes how it counts, this fails first.
    doc: Doc[Any] = Doc()
    paragraph = doc.get("paragraph", type=Text)
    paragraph += "Migración 🌎"
    assert len(paragraph) == utf8_length("Migración 🌎") == 15


@given(text_and_index(), st.sampled_from(["X", "ñ", "🌎", "Migración"]))
def test_pycrdt_insert_at_utf8_offset_lands_at_the_code_point(case: tuple[str, int], inserted: str) -> None:
    text, index = case
    doc: Doc[Any] = Doc()
    paragraph = doc.get("paragraph", type=Text)
    paragraph += text
    paragraph.insert(utf8_offset(text, index), inserted)
    assert str(paragraph) == text[:index] + inserted + text[index:]


def test_utf8_to_codepoint_counts_back_over_accents_and_emoji() -> None:
    assert utf8_to_codepoint("Migración", 10) == 9
    text = "Acción 🌎 región"
    index = text.index("región")
    assert utf8_to_codepoint(text, utf8_offset(text, index)) == index


@given(text_and_index())
def test_utf8_round_trip_from_code_points(case: tuple[str, int]) -> None:
    text, index = case
    assert utf8_to_codepoint(text, utf8_offset(text, index)) == index


@pytest.mark.parametrize(
    ("text", "offset", "cause"),
    [
        pytest.param("Migración", 8, "splits a character", id="inside-accent"),
        pytest.param("a🌎b", 3, "splits a character", id="inside-emoji"),
        pytest.param("Migración", 11, "outside the text", id="past-the-end"),
        pytest.param("Migración", -1, "outside the text", id="negative"),
    ],
)
def test_the_utf8_error_names_its_cause(text: str, offset: int, cause: str) -> None:
    with pytest.raises(IndexError, match=cause):
        utf8_to_codepoint(text, offset)


@given(TEXTS, TEXTS)
def test_every_byte_inside_an_emoji_raises(before: str, after: str) -> None:
    start = utf8_length(before)
    for inside in (1, 2, 3):
        with pytest.raises(IndexError):
            utf8_to_codepoint(before + "🌎" + after, start + inside)
