"""Two delegates edit one paragraph from two browsers: one text for both, carets stay put, it is stored."""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import zip_longest
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.browser.pages import (
    WAIT_MS,
    demo_users,
    expect_connected,
    first_operative_paragraph,
    open_declaration,
    paragraph,
    put_caret,
    sign_in,
)

pytestmark = pytest.mark.browser

FIRST_WORDS = " Migración segura 🌎"
SECOND_WORDS = " ordenada y regular"


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Three separate browser profiles: each has its own cookies, as three people would."""
    opened = [browser.new_context() for _ in range(3)]
    yield opened
    for context in opened:
        context.close()


def test_two_delegates_typing_into_one_paragraph_converge_and_the_text_is_stored(
    live_server: Any, contexts: list[BrowserContext]
) -> None:
    first_context, second_context, third_context = contexts
    first_user, second_user = demo_users(first_context, live_server.url, "delegate")[:2]
    first = sign_in(first_context, live_server.url, first_user)
    second = sign_in(second_context, live_server.url, second_user)
    open_declaration(first)
    open_declaration(second)
    first_box, name = first_operative_paragraph(first)
    second_box = paragraph(second, name)
    original = first_box.input_value()
    expect(second_box).to_have_value(original)
    expect(second.get_by_role("list", name="Also here")).to_contain_text(first_user["name"])

    # Keystrokes alternate without waiting, so each person types while the other's letters
    # arrive at the same place: the words must come out whole, not interleaved letter by letter.
    put_caret(first_box)
    put_caret(second_box)
    for first_key, second_key in zip_longest(FIRST_WORDS, SECOND_WORDS):
        if first_key:
            first.keyboard.type(first_key)
        if second_key:
            second.keyboard.type(second_key)

    both_whole = re.escape(FIRST_WORDS + SECOND_WORDS) + "|" + re.escape(SECOND_WORDS + FIRST_WORDS)
    expect(first_box).to_have_value(re.compile(f"^{re.escape(original)}({both_whole})$"), timeout=WAIT_MS)
    converged = first_box.input_value()
    expect(second_box).to_have_value(converged, timeout=WAIT_MS)

    # Nobody has the document open and the server starts afresh: the text comes from the database.
    first_context.close()
    second_context.close()
    live_server.restart()
    third = sign_in(third_context, live_server.url, first_user)
    open_declaration(third)
    third.reload()
    expect_connected(third)
    expect(paragraph(third, name)).to_have_value(converged, timeout=WAIT_MS)


def test_a_caret_stays_in_place_while_someone_edits_before_it(
    live_server: Any, contexts: list[BrowserContext]
) -> None:
    first_context, second_context, _ = contexts
    first_user, second_user = demo_users(first_context, live_server.url, "delegate")[:2]
    first = sign_in(first_context, live_server.url, first_user)
    second = sign_in(second_context, live_server.url, second_user)
    open_declaration(first)
    open_declaration(second)
    first_box, name = first_operative_paragraph(first)
    second_box = paragraph(second, name)
    original = first_box.input_value()
    middle = original.index(" ", len(original) // 2)

    put_caret(first_box, middle)
    put_caret(second_box, 0)
    second.keyboard.type("Reafirmando: ")
    expect(first_box).to_have_value("Reafirmando: " + original, timeout=WAIT_MS)
    first.keyboard.type(" [ñ]")

    expected = "Reafirmando: " + original[:middle] + " [ñ]" + original[middle:]
    expect(first_box).to_have_value(expected)
    expect(second_box).to_have_value(expected, timeout=WAIT_MS)
