"""What a person does on Consenso's pages, for the browser tests: sign in, open a draft, find a paragraph."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import BrowserContext, Locator, Page, expect

WAIT_MS = 20_000
EDITABLE_OPERATIVE = '.paragraph[data-kind="operative"]:not(.is-locked) textarea'


def demo_users(context: BrowserContext, base_url: str, role: str) -> list[dict[str, Any]]:
    response = context.request.get(f"{base_url}/api/demo/users")
    assert response.ok, f"/api/demo/users answered {response.status}"
    return [user for user in response.json() if user["role"] == role]


def sign_in(context: BrowserContext, base_url: str, user: dict[str, Any]) -> Page:
    """Signs in through the demo page and lands on the documents list."""
    page = context.new_page()
    page.goto(f"{base_url}/signin")
    page.get_by_role("button", name=re.compile(re.escape(user["name"]))).click()
    expect(page.get_by_role("heading", name="Documents", exact=True)).to_be_visible(timeout=WAIT_MS)
    return page


def expect_connected(page: Page) -> None:
    expect(page.get_by_role("status")).to_have_text("Connected", timeout=WAIT_MS)
    expect(page.locator(EDITABLE_OPERATIVE).first).to_be_visible(timeout=WAIT_MS)


def open_declaration(page: Page) -> None:
    page.get_by_role("link", name=re.compile("Declaration")).first.click()
    expect(page).to_have_url(re.compile(r"#/documents/\d+$"))
    expect_connected(page)


def first_operative_paragraph(page: Page) -> tuple[Locator, str]:
    """The first unlocked operative paragraph's text box, and its accessible name (e.g. "… OP1")."""
    box = page.locator(EDITABLE_OPERATIVE).first
    name = box.get_attribute("aria-label")
    assert name, "a paragraph's text box has an accessible name"
    return box, name


def paragraph(page: Page, name: str) -> Locator:
    return page.get_by_role("textbox", name=name, exact=True)


def put_caret(box: Locator, index: int | None = None) -> None:
    """Clicks into the box and puts the caret at `index` (None: at the end of the text)."""
    box.click()
    box.page.keyboard.press("Control+End")
    if index is not None:
        box.evaluate("(el, index) => el.setSelectionRange(index, index)", index)
