"""What a person is told when they try to change what they may not, beside the paragraph."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.pages import (
    WAIT_MS,
    demo_users,
    first_operative_label,
    open_declaration,
    paragraph_box,
    paragraph_id,
    paragraph_section,
    sign_in,
    text_of,
)

pytestmark = pytest.mark.browser


def test_an_observer_sees_read_only_text_and_is_told_why_when_typing(
    live_server: Any, browser: Browser
) -> None:
    context = browser.new_context()
    try:
        observer = demo_users(context, live_server.url, "observer")[0]
        page = sign_in(context, live_server.url, observer)
        open_declaration(page)
        label = first_operative_label(page)
        pid = paragraph_id(page, label)
        before = text_of(page, pid)
        expect(page.locator("#role-note")).to_contain_text("observer")
        box = paragraph_box(page, label)
        expect(box).to_have_attribute("aria-readonly", "true", timeout=WAIT_MS)
        box.click()
        page.keyboard.type(" [propuesta]")
        expect(paragraph_section(page, label).locator(".paragraph-refusal")).to_contain_text(
            "Observers follow the negotiation", timeout=WAIT_MS
        )
        assert text_of(page, pid) == before
    finally:
        context.close()
