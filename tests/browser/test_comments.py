"""A comment on a selected phrase appears, highlighted, in another delegation's browser without a reload;
a delegation-only note reaches the delegation's own members and never another delegation's browser."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.pages import (
    WAIT_MS,
    People,
    first_operative_label,
    paragraph_id,
    paragraph_section,
    select_paragraph,
    text_of,
    type_at_end,
)

pytestmark = pytest.mark.browser

SECRET = "Nota interna de México: no aceptar «ordenada»"
PUBLIC = "Proponemos precisar el alcance de esta frase"


def add_comment(page: object, body: str, visibility: str) -> None:
    page.locator("#new-comment-body").fill(body)  # type: ignore[attr-defined]
    page.locator("#new-comment-visibility").select_option(visibility)  # type: ignore[attr-defined]
    page.get_by_role("button", name="Add comment").click()  # type: ignore[attr-defined]
    expect(page.locator(".thread .comment-body", has_text=body)).to_be_visible(timeout=WAIT_MS)  # type: ignore[attr-defined]


def test_a_comment_on_a_phrase_is_highlighted_live_and_delegation_notes_stay_inside(people: People) -> None:
    author = people.enter("delegate.mex")
    colleague = people.enter("head.mex")
    other = people.enter("delegate.gtm")
    label = first_operative_label(author)
    pid = paragraph_id(author, label)
    words = text_of(author, pid).split(" ")
    phrase = " ".join(words[:2])

    select_paragraph(author, label)
    add_comment(author, SECRET, "delegation")

    type_at_end(author, label, "")
    author.keyboard.press("Control+Home")
    author.keyboard.press("Control+Shift+ArrowRight")
    author.keyboard.press("Control+Shift+ArrowRight")
    expect(author.locator(".new-thread .comment-quote")).to_contain_text(phrase, timeout=WAIT_MS)
    add_comment(author, PUBLIC, "participants")

    # The other delegation sees the phrase highlighted in the text, without a reload.
    anchor = paragraph_section(other, label).locator(".comment-anchor")
    expect(anchor).to_have_text(phrase, timeout=WAIT_MS)
    select_paragraph(other, label)
    expect(other.locator(".thread .comment-body", has_text=PUBLIC)).to_be_visible()
    # The highlight follows the words when text is typed before them.
    other.keyboard.press("Control+Home")
    other.keyboard.type("Asimismo, ")
    expect(paragraph_section(author, label).locator(".comment-anchor")).to_have_text(phrase, timeout=WAIT_MS)

    # The delegation-only note reached the head of the same delegation, never the other delegation.
    expect(colleague.locator("#paragraphs")).to_be_visible()
    colleague.wait_for_function(
        "(body) => window.consenso.room.threads.some((c) => c.body === body)", arg=SECRET, timeout=WAIT_MS
    )
    other_threads = other.evaluate("window.consenso.room.threads.map((c) => c.body)")
    assert PUBLIC in other_threads
    assert SECRET not in other_threads
    assert SECRET not in other.content()
