"""The historical memory in the browser: the Secretariat compares Rev.1 with Rev.2 (inline and side by side),
moves the time slider and sees who wrote what, and reads the audit trail; in English and Spanish, with
screenshots (tests/browser/screenshots/) and no serious or critical accessibility violation (axe-core)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import WAIT_MS, People
from tests.browser.test_tour import AXE, SCREENSHOTS
from tests.browser.tour import ZONES, caller

pytestmark = [pytest.mark.browser, pytest.mark.timeout(300)]

TABS = {
    "en": {"revisions": "Revisions", "history": "Time slider", "audit": "Audit trail"},
    "es": {"revisions": "Revisiones", "history": "Línea de tiempo", "audit": "Registro de auditoría"},
}
WORDS = {
    "en": {
        "compare": "Compare",
        "side": "Side by side",
        "added": "Added",
        "go": "Go to Rev.1",
        "change": "Change 1 of",
    },
    "es": {
        "compare": "Comparar",
        "side": "En paralelo",
        "added": "Añadido",
        "go": "Ir a Rev.1",
        "change": "Cambio 1 de",
    },
}


def stage(server: Any) -> int:
    """Zero draft; Guatemala's amendment to OP2 incorporated, Rev.1; a new paragraph and Canada's amendment
    to OP3, Rev.2. Returns the document's id."""
    call = caller(server, "ppt", "head.gtm", "head.can", "secretariat")

    document = next(d for d in call("ppt", "GET", "/api/documents") if d["kind"] == "declaration")
    base = f"/api/documents/{document['id']}"
    paragraphs = {p["label"]: p for p in call("ppt", "GET", base)["paragraphs"] if p["label"]}

    def amend(who: str, label: str, text: str) -> None:
        version = call(
            who,
            "POST",
            f"{base}/paragraphs/{paragraphs[label]['id']}/position/versions",
            {"revises": 0, "stance": "amend", "amendment": "replace", "text": text},
        )
        call("ppt", "POST", f"{base}/position-versions/{version['id']}/incorporation")

    call("secretariat", "POST", f"{base}/revisions", {})
    amend(
        "head.gtm", "OP2", paragraphs["OP2"]["text"].rstrip(":") + " in a safe, orderly and regular manner:"
    )
    call("ppt", "POST", f"{base}/revisions", {})
    call(
        "ppt",
        "POST",
        f"{base}/paragraphs",
        {
            "after": paragraphs["OP2"]["id"],
            "kind": "operative",
            "text": "Welcome the contribution of civil society.",
        },
    )
    amend("head.can", "OP3", paragraphs["OP3"]["text"].replace("To structure", "To restructure"))
    call("secretariat", "POST", f"{base}/revisions", {})
    return int(document["id"])


def test_the_secretariat_compares_revisions_and_moves_the_time_slider(
    people: People, live_server: Any
) -> None:
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: run `make assets` (npm ci in static/)")
    stage(live_server)
    SCREENSHOTS.mkdir(exist_ok=True)
    problems: list[str] = []

    def shot(page: Page, language: str, view: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{language}-secretariat-{view}.png"), full_page=True)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("axe.run(document, { resultTypes: ['violations'] })")
        for violation in result["violations"]:
            if violation["impact"] in ("serious", "critical"):
                targets = [node["target"] for node in violation["nodes"]][:3]
                problems.append(f"{language} / {view}: {violation['id']} {json.dumps(targets)}")

    for language in ("en", "es"):
        page = people.enter("secretariat", language=language, timezone_id=ZONES[language], bypass_csp=True)
        tabs, words = TABS[language], WORDS[language]
        page.locator("#document-tabs").get_by_role("link", name=tabs["revisions"]).click()
        expect(page.locator("table.revisions tbody tr")).to_have_count(3, timeout=WAIT_MS)
        live_text = page.locator(".downloads-extra").first
        with page.expect_download() as downloaded:
            live_text.get_by_role("link", name="Word").click()
        assert downloaded.value.suggested_filename.endswith("-live-text.docx")
        page.select_option("#compare-from", label="Rev.1")
        page.select_option("#compare-to", label="Rev.2")
        page.get_by_role("button", name=words["compare"], exact=True).click()
        added = page.locator(".compared-paragraph").filter(
            has=page.locator(".badge-change", has_text=words["added"])
        )
        expect(added).to_have_count(1, timeout=WAIT_MS)
        expect(added.locator("ins")).to_contain_text("Welcome the contribution")
        expect(
            page.locator(".compared-paragraph", has_text="To restructure").locator("ins").first
        ).to_be_visible()
        shot(page, language, "compare-inline")
        page.get_by_label(words["side"]).check()
        page.get_by_role("button", name=words["compare"], exact=True).click()
        expect(page.locator(".compared-sides").first).to_be_visible(timeout=WAIT_MS)
        shot(page, language, "compare-side-by-side")

        page.locator("#document-tabs").get_by_role("link", name=tabs["history"]).click()
        slider = page.locator("#time-slider")
        expect(page.locator(".authored").first).to_be_visible(timeout=WAIT_MS)
        expect(page.locator(".authored", has_text="regular manner")).to_have_attribute(
            "title", "Written by GTM" if language == "en" else "Escrito por GTM"
        )
        slider.focus()
        page.keyboard.press("Home")
        expect(page.locator("#slider-where")).to_contain_text(words["change"], timeout=WAIT_MS)
        expect(page.locator(".authored", has_text="regular manner")).to_have_count(0)
        page.get_by_role("button", name=words["go"]).click()
        expect(page.locator(".authored", has_text="regular manner")).to_be_visible(timeout=WAIT_MS)
        expect(page.locator(".history-words", has_text="Welcome the contribution")).to_have_count(0)
        shot(page, language, "time-slider")
        page.fill("#slider-moment", "2100-01-01T00:00:00")  # a moment after every change: the text now
        page.locator("form.slider-moment button").click()
        expect(page.locator(".history-words", has_text="Welcome the contribution")).to_be_visible(
            timeout=WAIT_MS
        )
        expect(page.locator("#time-slider")).to_have_value(
            page.locator("#time-slider").get_attribute("max") or ""
        )

        page.locator("#document-tabs").get_by_role("link", name=tabs["audit"]).click()
        expect(page.locator("table.audit-trail tbody tr").first).to_be_visible(timeout=WAIT_MS)
        expect(page.locator(".chain-intact")).to_be_visible()
        page.select_option("#audit-action", value="revision_")
        page.locator(".audit-filters button[type=submit]").click()
        expect(page.locator("table.audit-trail tbody tr")).to_have_count(3, timeout=WAIT_MS)
        page.locator(".edits-by-minute-section button").click()
        typed = page.locator("table.edits-by-minute tbody tr", has_text="GTM")
        expect(typed.first).to_be_visible(timeout=WAIT_MS)
        expect(typed.first).to_contain_text(
            "Amendment incorporated" if language == "en" else "Enmienda incorporada"
        )
        shot(page, language, "audit-trail")
        page.context.close()
        people.contexts.remove(page.context)
    assert problems == []
    assert [line for line in people.console if "missing from the" in line] == []


def test_the_ppt_restores_a_paragraph_of_a_revision_from_the_comparison(
    people: People, live_server: Any
) -> None:
    document_id = stage(live_server)
    page = people.enter("ppt")
    page.locator("#document-tabs").get_by_role("link", name="Revisions").click()
    page.select_option("#compare-from", label="Rev.1")
    page.select_option("#compare-to", label="the live text")
    page.get_by_role("button", name="Compare", exact=True).click()
    edited = page.locator(".compared-paragraph", has_text="To restructure")
    edited.get_by_role("button", name="Restore the text of Rev.1").click()
    expect(page.locator(".compared-paragraph", has_text="To restructure")).to_have_count(0, timeout=WAIT_MS)
    texts = [
        p["text"]
        for p in page.request.get(f"{live_server.url}/api/documents/{document_id}").json()["paragraphs"]
    ]
    assert any(text.startswith("a) To structure") for text in texts)
    assert any("Welcome the contribution" in text for text in texts)  # only the one paragraph came back
