"""The compilation text and the consensus matrix keep their styles under the service's own CSP (styles from
itself only): Chromium applies static/compilation.css and reports no blocked style."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage

from tests.browser.pages import demo_users, sign_in

pytestmark = pytest.mark.browser

HEAD_MEX = "head.mex@demo.consenso"
DOC = "/api/documents/1"


def submit(live_server: Any, bearer: dict[str, str], paragraph_id: str, position: dict[str, Any]) -> None:
    response = httpx.post(
        f"{live_server.url}{DOC}/paragraphs/{paragraph_id}/position/versions",
        json={"revises": 0, **position},
        headers=bearer,
        timeout=10,
    )
    assert response.status_code == 201, response.text


def test_the_matrix_and_the_compilation_are_styled_by_the_stylesheet(
    live_server: Any, browser: Browser
) -> None:
    bearer = {"Authorization": f"Bearer {live_server.token(HEAD_MEX)}"}
    document = httpx.get(f"{live_server.url}{DOC}", headers=bearer, timeout=10)
    operative = [p for p in document.json()["paragraphs"] if p["kind"] == "operative" and not p["locked"]]
    submit(live_server, bearer, operative[0]["id"], {"stance": "oppose", "justification": "No lo aceptamos"})
    amended = operative[1]
    submit(
        live_server,
        bearer,
        amended["id"],
        {"stance": "amend", "amendment": "replace", "text": "Migración segura 🌎 " + amended["text"]},
    )

    context = browser.new_context()
    blocked: list[str] = []
    try:
        head = next(u for u in demo_users(context, live_server.url, "head") if u["email"] == HEAD_MEX)
        page = sign_in(context, live_server.url, head)
        page.on("console", lambda message: _note_blocked(message, blocked))

        page.goto(f"{live_server.url}{DOC}/consensus-matrix.html")
        opposed = page.locator('td[title="MEX: oppose"]').first
        assert opposed.inner_text() == "oppose"
        assert opposed.evaluate("cell => getComputedStyle(cell).backgroundColor") == "rgb(242, 139, 130)"
        silent = page.locator('td[title$=": none"]').first
        assert silent.evaluate("cell => getComputedStyle(cell).backgroundColor") == "rgb(238, 238, 238)"
        assert (
            page.locator("table.consensus").evaluate("t => getComputedStyle(t).borderCollapse") == "collapse"
        )

        page.goto(f"{live_server.url}{DOC}/compilation.html")
        inserted = page.locator(".proposal ins").first
        assert "Migración segura" in inserted.inner_text()
        assert inserted.evaluate("e => getComputedStyle(e).backgroundColor") == "rgb(212, 247, 212)"
        assert page.locator(".by").first.evaluate("e => getComputedStyle(e).fontWeight") == "700"
    finally:
        context.close()
    assert blocked == [], "the content security policy blocked a style"


def _note_blocked(message: ConsoleMessage, blocked: list[str]) -> None:
    if "Content Security Policy" in message.text:
        blocked.append(message.text)
