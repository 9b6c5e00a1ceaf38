"""The PPT locks a paragraph: the delegate's editor turns read-only within a second, and a change forced
into the delegate's Y.Doc from the page's own script changes nothing on the server or in a third browser."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from tests.browser.pages import (
    People,
    exact,
    first_operative_label,
    paragraph_box,
    paragraph_id,
    paragraph_section,
    select_paragraph,
    server_text,
    text_of,
    wait_for_text,
)

pytestmark = pytest.mark.browser


def test_a_lock_makes_the_text_read_only_everywhere_and_a_forced_change_is_undone(people: People) -> None:
    chair = people.enter("ppt")
    delegate = people.enter("delegate.gtm")
    third = people.enter("head.can")
    label = first_operative_label(chair)
    pid = paragraph_id(chair, label)
    original = text_of(chair, pid)
    box = paragraph_box(delegate, label)
    expect(box).to_have_attribute("aria-readonly", "false")

    select_paragraph(chair, label)
    chair.locator("#chair-reason").fill("Acordado en la sesión del martes")
    chair.get_by_role("button", name="Lock", exact=True).click()
    started = time.monotonic()
    expect(box).to_have_attribute("aria-readonly", "true", timeout=1000)
    assert time.monotonic() - started < 1.0
    expect(paragraph_section(delegate, label).locator(".badge-lock")).to_be_visible()

    # Typing is refused beside the paragraph, saying who locked it and why (the live notice told it).
    box.click()
    delegate.keyboard.type("xyz")
    refusal = paragraph_section(delegate, label).locator(".paragraph-refusal")
    expect(refusal).to_contain_text("Lucía Hernández")
    expect(refusal).to_contain_text("Acordado en la sesión del martes")
    assert text_of(delegate, pid) == original

    # A change forced into the Y.Doc behind the editor's back: the server compensates it for everyone.
    third.evaluate(
        """(id) => {
          const text = window.consenso.ydoc.getMap('paragraphs').get(id)
          window.sawForced = false
          text.observe(() => { if (text.toString().includes('FORCED')) window.sawForced = true })
        }""",
        pid,
    )
    forced = delegate.evaluate(
        """(id) => {
          const text = window.consenso.ydoc.getMap('paragraphs').get(id)
          text.insert(0, 'FORCED ')
          return text.toString()
        }""",
        pid,
    )
    assert forced.startswith("FORCED ")  # the page's own copy took it
    wait_for_text(delegate, pid, exact(original))  # the server's compensation arrived
    assert server_text(delegate, pid) == original
    assert text_of(third, pid) == original
    assert third.evaluate("window.sawForced") is False
