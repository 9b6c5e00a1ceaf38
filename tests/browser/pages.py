"""What a person does on Consenso's pages, for the browser tests: sign in, open a draft, find a paragraph,
type into it; and what the page's own Y.Doc holds (window.consenso), to compare with the server's."""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect

from drafting.demo import USERS as DEMO_USERS

WAIT_MS = 30_000


def demo_users(context: BrowserContext, base_url: str, role: str) -> list[dict[str, Any]]:
    response = context.request.get(f"{base_url}/api/demo/users")
    assert response.ok, f"/api/demo/users answered {response.status}"
    return [user for user in response.json() if user["role"] == role]


def demo_user(context: BrowserContext, base_url: str, email: str) -> dict[str, Any]:
    response = context.request.get(f"{base_url}/api/demo/users")
    return next(user for user in response.json() if user["email"] == email)


def sign_in(context: BrowserContext, base_url: str, user: dict[str, Any]) -> Page:
    """Signs in through the demo page and lands on the documents list."""
    page = context.new_page()
    page.goto(f"{base_url}/signin")
    page.get_by_role("button", name=re.compile(re.escape(user["name"]))).click()
    expect(page.locator("body[data-ready=true] #documents-view")).to_be_visible(timeout=WAIT_MS)
    return page


def expect_connected(page: Page) -> None:
    expect(page.locator("#connection")).to_have_attribute("data-state", "connected", timeout=WAIT_MS)
    expect(page.locator("body[data-synced=true]")).to_have_count(1, timeout=WAIT_MS)
    expect(page.locator('.paragraph[data-kind="operative"]').first).to_be_visible(timeout=WAIT_MS)


def open_declaration(page: Page) -> None:
    page.get_by_role("link", name=re.compile("Declaration")).first.click()
    expect(page).to_have_url(re.compile(r"#/documents/\d+$"))
    expect_connected(page)


def document_id(page: Page) -> int:
    match = re.search(r"#/documents/(\d+)", page.url)
    assert match, page.url
    return int(match.group(1))


def paragraph_section(page: Page, label: str) -> Locator:
    return page.locator(f'section.paragraph:has(.paragraph-label:text-is("{label}"))')


def paragraph_box(page: Page, label: str) -> Locator:
    """The paragraph's text: plain until it becomes an editor, then CodeMirror's content; one textbox."""
    return paragraph_section(page, label).get_by_role("textbox")


def paragraph_id(page: Page, label: str) -> str:
    value = paragraph_section(page, label).get_attribute("data-paragraph")
    assert value, f"no paragraph {label}"
    return value


def text_of(page: Page, pid: str) -> str:
    return str(page.evaluate("(id) => window.consenso.ydoc.getMap('paragraphs').get(id).toString()", pid))


def wait_for_text(page: Page, pid: str, pattern: str, timeout: float = WAIT_MS) -> str:
    """Waits until the page's copy of paragraph `pid` matches the regular expression `pattern`."""
    page.wait_for_function(
        "([id, source]) => new RegExp(source, 'su').test("
        "window.consenso?.ydoc.getMap('paragraphs').get(id)?.toString() ?? '')",
        arg=[pid, pattern],
        timeout=timeout,
    )
    return text_of(page, pid)


def type_at_end(page: Page, label: str, text: str) -> None:
    box = paragraph_box(page, label)
    box.click()
    editor = paragraph_section(page, label).locator(".cm-content")
    expect(editor).to_be_focused(timeout=WAIT_MS)
    page.keyboard.press("Control+End")
    page.keyboard.type(text)


def first_operative_label(page: Page) -> str:
    label = page.locator('.paragraph[data-kind="operative"] .paragraph-label').first.text_content()
    assert label
    return label


def escape(text: str) -> str:
    """`text` as a literal in a JavaScript regular expression (re.escape escapes too much for 'u')."""
    return re.sub(r"[.*+?^${}()|\[\]\\/]", lambda m: "\\" + m.group(0), text)


def exact(text: str) -> str:
    return "^" + escape(text) + "$"


def js(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


# Demo users by the local part of their e-mail: "ppt", "head.gtm", "observer.iom", "secretariat"…
DEMO = {email.split("@")[0]: email for email, *_ in DEMO_USERS}


class People:
    """One browser profile per person (own cookies, own IndexedDB), each signed in and in the Declaration."""

    def __init__(self, browser: Browser, base_url: str) -> None:
        self.browser = browser
        self.base_url = base_url
        self.contexts: list[BrowserContext] = []
        self.console: list[str] = []  # every console error and warning of every page, "who: text"

    def enter(self, who: str, *, language: str = "en", open_document: bool = True, **options: Any) -> Page:
        context = self.browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US", **options)
        self.contexts.append(context)
        if language != "en":
            context.add_init_script(f"localStorage.setItem('consenso.language', {js(language)})")
        user = demo_user(context, self.base_url, DEMO[who])
        context.on("console", lambda message: self.heard(who, message.type, message.text))
        page = sign_in(context, self.base_url, user)
        if open_document:
            open_declaration(page)
        return page

    def heard(self, who: str, kind: str, text: str) -> None:
        if kind in ("error", "warning"):
            self.console.append(f"{who}: {text}")

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def select_paragraph(page: Page, label: str) -> None:
    """Clicks into the paragraph, so the review pane shows it."""
    paragraph_box(page, label).click()
    expect(page.locator("#pane-title")).to_contain_text(label, timeout=WAIT_MS)


def open_view(page: Page, name: str) -> None:
    """One of the document's tabs: Draft, Compilation text, Consensus matrix, Chair's console."""
    page.locator("#document-tabs").get_by_role("link", name=name).click()
    expect(page.locator("#document-tabs [aria-current=page]")).to_have_text(name)


def server_text(page: Page, pid: str) -> str:
    response = page.request.get(f"{page.url.split('#')[0].rstrip('/')}/api/documents/{document_id(page)}")
    assert response.ok, response.status
    return str(next(p["text"] for p in response.json()["paragraphs"] if p["id"] == pid))
