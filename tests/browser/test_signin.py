"""The sign-in page and signing out, as a person meets them."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import Browser, Route, expect

from tests.browser.pages import WAIT_MS, demo_users, sign_in

pytestmark = pytest.mark.browser


def test_the_drafting_page_sends_a_stranger_to_sign_in(live_server: Any, browser: Browser) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(live_server.url + "/")
        expect(page).to_have_url(live_server.url + "/signin", timeout=WAIT_MS)
        expect(page.get_by_role("heading", name="Demo users")).to_be_visible(timeout=WAIT_MS)
    finally:
        context.close()


def test_signing_out_ends_the_session(live_server: Any, browser: Browser) -> None:
    context = browser.new_context()
    try:
        user = demo_users(context, live_server.url, "delegate")[0]
        page = sign_in(context, live_server.url, user)
        expect(page.get_by_text(user["name"])).to_be_visible()
        page.get_by_role("button", name="Sign out").click()
        expect(page).to_have_url(live_server.url + "/signin", timeout=WAIT_MS)
        assert context.request.get(live_server.url + "/api/me").status == 401
    finally:
        context.close()


def demo_sign_in_off(route: Route) -> None:
    """Answer as a server without demo sign-in does."""
    route.fulfill(status=404, json={"error": "not found"})


def test_without_demo_sign_in_the_page_offers_the_identity_providers(
    live_server: Any, browser: Browser
) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()

        def one_provider(route: Route) -> None:
            route.fulfill(
                json=[{"name": "sre", "title": "Secretaría de Relaciones Exteriores", "url": "/signin/sre"}]
            )

        page.route("**/api/demo/users", demo_sign_in_off)
        page.route("**/api/signin/providers", one_provider)
        page.goto(live_server.url + "/signin")
        link = page.get_by_role("link", name="Sign in with Secretaría de Relaciones Exteriores")
        expect(link).to_have_attribute("href", "/signin/sre")
        expect(page.locator(".demo-user")).to_have_count(0)
    finally:
        context.close()


def test_the_sign_in_page_says_when_no_way_to_sign_in_is_configured(
    live_server: Any, browser: Browser
) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()

        page.route("**/api/demo/users", demo_sign_in_off)
        page.goto(live_server.url + "/signin")
        expect(page.get_by_role("alert")).to_have_text(
            "No way to sign in is configured on this server yet. Ask the Technical Secretariat."
        )
        expect(page.get_by_role("link")).to_have_count(0)
    finally:
        context.close()
