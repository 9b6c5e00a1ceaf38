"""Every role's main views: screenshots in English and Spanish (tests/browser/screenshots/, see the README),
no English left on the Spanish views, and no serious or critical accessibility violation (axe-core)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page

from tests.browser.pages import People
from tests.browser.tour import signin_page, tour

pytestmark = [pytest.mark.browser, pytest.mark.timeout(480)]

SCREENSHOTS = Path(__file__).with_name("screenshots")
STATIC = Path(__file__).resolve().parents[2] / "static"
AXE = STATIC / "node_modules" / "axe-core" / "axe.min.js"

# What the person reads and hears, leaving out what others wrote (marked translate="no": the text being
# negotiated, names, comments), which stays in the language it was written in.
READABLE = """() => {
  const out = []
  const skip = (el) => el.closest('[translate="no"]') !== null
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT)
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement
    if (!parent || skip(parent) || parent.closest('[hidden], script, style')) continue
    if (node.data.trim()) out.push(node.data.trim())
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder]')) {
    if (skip(el)) continue
    for (const name of ['aria-label', 'title', 'placeholder']) {
      if (el.getAttribute(name)) out.push(el.getAttribute(name))
    }
  }
  return out
}"""


def catalogue(language: str) -> dict[str, str]:
    text = (STATIC / "src" / "messages" / f"{language}.js").read_text(encoding="utf-8")
    entries = re.findall(r"^\s*'?([\w.]+)'?: '((?:[^'\\]|\\.)*)',?$", text, re.MULTILINE)
    assert len(entries) > 200, "the catalogue could not be read"
    return {key: value.replace("\\'", "'") for key, value in entries}


def english_patterns() -> list[tuple[str, re.Pattern[str]]]:
    english, spanish = catalogue("en"), catalogue("es")
    patterns = []
    for key, value in english.items():
        if spanish.get(key) == value:
            continue  # the same in both languages: "SHA-256 {hash}", a parameter alone
        pieces = [re.escape(piece) for piece in re.split(r"\{\w+\}", value)]
        if sum(len(re.sub(r"[^A-Za-z]", "", piece)) for piece in pieces) < 3:
            continue  # "S", "A", "–": letters, not English
        body = ".+?".join(pieces)
        patterns.append((key, re.compile(rf"(?<![^\W\d_]){body}(?![^\W\d_])")))
    return patterns


def test_screenshots_of_every_role_in_english_and_spanish(people: People, live_server: Any) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    written: list[Path] = []

    def visit(page: Page, who: str, view: str, language: str) -> None:
        path = SCREENSHOTS / f"{language}-{who.replace('.', '-')}-{view}.png"
        page.evaluate("window.scrollTo(0, 0)")
        page.screenshot(path=str(path))
        written.append(path)

    count = tour(people, live_server, ["en", "es"], visit)
    assert count == len(written) >= 30
    assert all(path.stat().st_size > 10_000 for path in written)
    # Under the page's own content security policy nothing was blocked, and no message was missing.
    assert [line for line in people.console if "Content Security Policy" in line] == []
    assert [line for line in people.console if "missing from the" in line] == []


def test_the_spanish_views_show_no_english(people: People, live_server: Any) -> None:
    patterns = english_patterns()
    found: list[str] = []

    def visit(page: Page, who: str, view: str, language: str) -> None:
        assert page.evaluate("document.documentElement.lang") == "es"
        readable = page.evaluate(READABLE)
        assert len(readable) > 10, f"{who} {view}: nothing to read?"
        for line in readable:
            for key, pattern in patterns:
                if pattern.search(line):
                    found.append(f"{who} / {view}: {key} in {line!r}")

    tour(people, live_server, ["es"], visit)
    assert found == []

    # The same reading of an English page does find English: the check can fail.
    page = signin_page(people, live_server.url, "en")
    english = [line for line in page.evaluate(READABLE) for _, pattern in patterns if pattern.search(line)]
    assert len(english) >= 3


def test_no_serious_accessibility_violation_on_any_main_view(people: People, live_server: Any) -> None:
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `make assets` (npm ci in static/)")
    problems: list[str] = []

    def visit(page: Page, who: str, view: str, language: str) -> None:
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("axe.run(document, { resultTypes: ['violations'] })")
        for violation in result["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"]][:3]
                problems.append(f"{who} / {view}: {violation['id']} {json.dumps(targets)}")

    assert tour(people, live_server, ["en", "es"], visit, bypass_csp=True) >= 30
    assert problems == []
