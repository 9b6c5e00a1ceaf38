"""Two delegates edit one paragraph from two browsers: one text for both, each one's undo takes back only
their own words, carets stay put, and it is stored."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import zip_longest
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from tests.browser.pages import (
    WAIT_MS,
    demo_users,
    escape,
    exact,
    expect_connected,
    first_operative_label,
    open_declaration,
    paragraph_box,
    paragraph_id,
    paragraph_section,
    sign_in,
    text_of,
    type_at_end,
    wait_for_text,
)

pytestmark = pytest.mark.browser

FIRST_WORDS = " Migración segura 🌎"
SECOND_WORDS = " ordenada y regular"


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Three separate browser profiles: each has its own cookies, as three people would."""
    opened = [browser.new_context(viewport={"width": 1366, "height": 768}) for _ in range(3)]
    yield opened
    for context in opened:
        context.close()


def two_delegates_in_the_declaration(
    live_server: Any, contexts: list[BrowserContext]
) -> tuple[Page, Page, dict[str, Any], str]:
    """Two demo delegates with the declaration open, the first one's user, and the
    label of its first operative paragraph."""
    first_user, second_user = demo_users(contexts[0], live_server.url, "delegate")[:2]
    first = sign_in(contexts[0], live_server.url, first_user)
    second = sign_in(contexts[1], live_server.url, second_user)
    open_declaration(first)
    open_declaration(second)
    return first, second, first_user, first_operative_label(first)


def test_two_delegates_type_at_once_converge_and_undo_takes_back_only_their_own_words(
    live_server: Any, contexts: list[BrowserContext]
) -> None:
    first_context, second_context, third_context = contexts
    first, second, first_user, label = two_delegates_in_the_declaration(live_server, contexts)
    pid = paragraph_id(first, label)
    original = text_of(first, pid)
    assert text_of(second, pid) == original
    expect(second.get_by_role("list", name="Also here")).to_contain_text(first_user["name"], timeout=WAIT_MS)

    # Keystrokes alternate without waiting, so each person types while the other's letters arrive at
    # the same place: the words must come out whole, not interleaved letter by letter.
    type_at_end(first, label, "")
    type_at_end(second, label, "")
    for first_key, second_key in zip_longest(FIRST_WORDS, SECOND_WORDS):
        if first_key:
            first.keyboard.type(first_key)
        if second_key:
            second.keyboard.type(second_key)

    both = escape(FIRST_WORDS + SECOND_WORDS) + "|" + escape(SECOND_WORDS + FIRST_WORDS)
    converged = wait_for_text(first, pid, f"^{escape(original)}({both})$")
    wait_for_text(second, pid, exact(converged))
    # The other's caret is shown, named by person and delegation.
    expect(second.locator(".remote-caret-name")).to_contain_text(
        f"{first_user['name']} · {first_user['delegation']}", timeout=WAIT_MS
    )

    # Undo in the first browser takes back its own words, never the second delegate's.
    for _ in FIRST_WORDS:
        if FIRST_WORDS not in text_of(first, pid):
            break
        first.keyboard.press("Control+z")
    without_first = wait_for_text(first, pid, exact(original + SECOND_WORDS))
    wait_for_text(second, pid, exact(without_first))

    # Nobody has the document open and the server starts afresh: the text comes from the database.
    first_context.close()
    second_context.close()
    live_server.restart()
    third = sign_in(third_context, live_server.url, first_user)
    open_declaration(third)
    third.reload()
    expect_connected(third)
    wait_for_text(third, pid, exact(original + SECOND_WORDS))


def test_a_caret_stays_in_place_while_someone_edits_before_it(
    live_server: Any, contexts: list[BrowserContext]
) -> None:
    first, second, _, label = two_delegates_in_the_declaration(live_server, contexts)
    pid = paragraph_id(first, label)
    original = text_of(first, pid)

    type_at_end(first, label, "")
    paragraph_box(second, label).click()
    expect(paragraph_section(second, label).locator(".cm-content")).to_be_focused()
    second.keyboard.press("Control+Home")
    second.keyboard.type("Reafirmando: ")
    wait_for_text(first, pid, exact("Reafirmando: " + original))
    first.keyboard.type(" [ñ]")

    expected = "Reafirmando: " + original + " [ñ]"
    wait_for_text(first, pid, exact(expected))
    wait_for_text(second, pid, exact(expected))
    # The bracket typed is highlighted as disputed text in the other browser too.
    expect(paragraph_section(second, label).locator(".bracketed")).to_have_text("[ñ]", timeout=WAIT_MS)
