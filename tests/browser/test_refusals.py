"""What a person is told when the server refuses something they did."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, expect

from tests.browser.pages import (
    WAIT_MS,
    demo_users,
    first_operative_paragraph,
    open_declaration,
    put_caret,
    sign_in,
)

pytestmark = pytest.mark.browser


def test_an_observer_who_types_is_told_the_change_was_not_accepted(
    live_server: Any, browser: Browser
) -> None:
    context = browser.new_context()
    try:
        observer = demo_users(context, live_server.url, "observer")[0]
        page = sign_in(context, live_server.url, observer)
        open_declaration(page)
        box, _ = first_operative_paragraph(page)
        put_caret(box)
        page.keyboard.type(" [propuesta]")
        expect(page.get_by_role("alert")).to_contain_text(
            "Your last change was not accepted", timeout=WAIT_MS
        )
        expect(page.get_by_role("alert")).to_contain_text("may not edit the text")
    finally:
        context.close()
