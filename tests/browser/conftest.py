"""Debian's chromium driven by Playwright. Browsers are never downloaded: the system one is used."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, sync_playwright

from tests.browser.pages import People

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI must have Debian's chromium at {CHROMIUM} (apt-get install chromium)")
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM}")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def people(browser: Browser, live_server: Any) -> Iterator[People]:
    """Demo users, each in a browser profile of their own, against a fresh server."""
    crowd = People(browser, live_server.url)
    yield crowd
    crowd.close()
