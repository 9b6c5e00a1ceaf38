"""The bilingual view: the Secretariat sees a paragraph's Spanish turn stale, with what changed in the
English source, while a delegate edits the source in another browser; confirming clears it. Screenshots in
English and Spanish go to tests/browser/screenshots/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.browser.pages import (
    DEMO,
    WAIT_MS,
    People,
    first_operative_label,
    open_view,
    paragraph_id,
    type_at_end,
)

pytestmark = pytest.mark.browser

SCREENSHOTS = Path(__file__).with_name("screenshots")
WORDS = " and with civil society"


def row(page: Page, pid: str) -> Any:
    return page.locator(f'.bilingual-row[data-paragraph="{pid}"]')


def test_the_secretariat_sees_a_translation_turn_stale_and_confirms_it(
    people: People, live_server: Any
) -> None:
    delegate = people.enter("delegate.gtm")
    label = first_operative_label(delegate)
    pid = paragraph_id(delegate, label)
    secretariat = people.enter("secretariat")
    open_view(secretariat, "Languages")
    spanish = people.enter("secretariat", language="es")
    open_view(spanish, "Idiomas")
    for page in (secretariat, spanish):
        expect(row(page, pid)).to_have_attribute("data-stale", "false", timeout=WAIT_MS)
        expect(row(page, pid).locator(".bilingual-text").nth(1)).to_contain_text("Acuerdan")
    expect(secretariat.locator(".stale-count")).to_have_text(
        "Every paragraph in Español is up to date with the source."
    )

    type_at_end(delegate, label, WORDS)

    for page in (secretariat, spanish):
        expect(row(page, pid)).to_have_attribute("data-stale", "true", timeout=WAIT_MS)
        expect(row(page, pid).locator(".source-changes ins")).to_have_text(WORDS.strip(), timeout=WAIT_MS)
    expect(row(secretariat, pid).locator(".badge-stale")).to_have_text("Stale: the source changed")
    expect(row(spanish, pid).locator(".badge-stale")).to_have_text("Desactualizada: el original cambió")
    expect(secretariat.locator(".bilingual-row[data-stale=true]")).to_have_count(1)
    SCREENSHOTS.mkdir(exist_ok=True)
    for page, language in ((secretariat, "en"), (spanish, "es")):
        row(page, pid).scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / f"secretariat-languages-stale-{language}.png"))

    row(secretariat, pid).get_by_role("button", name="Confirm up to date").click()

    for page in (secretariat, spanish):
        expect(row(page, pid)).to_have_attribute("data-stale", "false", timeout=WAIT_MS)
    expect(row(secretariat, pid).locator(".source-changes")).to_be_hidden()
    assert people.console == [], people.console


def test_a_delegate_reads_the_versions_and_switches_the_text_language(
    people: People, live_server: Any
) -> None:
    delegate = people.enter("delegate.mex")
    open_view(delegate, "Languages")
    expect(delegate.locator(".bilingual-row").first).to_be_visible(timeout=WAIT_MS)
    expect(delegate.get_by_role("button", name="Confirm up to date")).to_have_count(0)
    assert delegate.locator(".bilingual .cm-content").count() == 0  # nobody but the Secretariat edits them

    delegate.get_by_label("Text language").select_option(label="Only Español")

    expect(delegate.locator(".bilingual")).to_have_attribute("data-layout", "version")
    expect(delegate.locator(".bilingual-row").first.locator(".bilingual-text")).to_have_count(1)
    expect(delegate.locator(".bilingual-row").first).to_contain_text("Los Viceministros")
    expect(delegate.locator("#document-tabs")).to_contain_text("Draft")  # the interface stays in English


def test_the_ppt_is_told_which_translations_are_stale_and_may_adopt_a_version_as_it_is(
    people: People,
) -> None:
    chair = people.enter("ppt")
    label = first_operative_label(chair)
    type_at_end(chair, label, WORDS)
    open_view(chair, "Chair’s console")
    dialog = chair.locator("dialog.confirm-dialog")

    chair.get_by_role("button", name="Adopt the text…").click()
    dialog.get_by_role("button", name="Adopt", exact=True).click()

    expect(chair.locator(".secondary-body > .form-error")).to_have_text(
        f"Some translations are stale: {label} (es). The Secretariat confirms them in the Languages tab, or "
        "the Presidency adopts that version as it is.",
        timeout=WAIT_MS,
    )
    chair.get_by_role("button", name="Adopt the text…").click()
    dialog.get_by_label("Adopt the Español version as it is, stale translations included (recorded)").check()
    dialog.get_by_role("button", name="Adopt", exact=True).click()
    expect(chair.locator("#draft-status")).to_have_text("Adopted", timeout=WAIT_MS)


def test_the_secretariat_corrects_a_locked_paragraphs_translation_on_the_record(
    people: People, live_server: Any
) -> None:
    token = live_server.token(DEMO["ppt"])
    document = httpx.get(f"{live_server.url}/api/documents/1", headers={"Authorization": f"Bearer {token}"})
    pid = next(p["id"] for p in document.json()["paragraphs"] if p["label"] == "OP1")
    locked = httpx.post(
        f"{live_server.url}/api/documents/1/paragraphs/{pid}/lock",
        json={},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert locked.status_code == 200, locked.text
    secretariat = people.enter("secretariat")
    open_view(secretariat, "Languages")
    line = row(secretariat, pid)
    expect(line.locator(".cm-content")).to_have_attribute("aria-readonly", "true", timeout=WAIT_MS)

    line.get_by_role("button", name="Correct on the record…").click()
    line.get_by_label("Corrected translation").fill("Acuerdan aplicar las siguientes acciones:")
    line.get_by_role("button", name="Save the correction").click()
    expect(secretariat.locator(".bilingual-controls + .notice")).to_contain_text(
        "Give a reason", timeout=WAIT_MS
    )
    line.get_by_label("Why it is corrected (required: the paragraph is locked)").fill("errata")
    line.get_by_role("button", name="Save the correction").click()

    expect(line.locator(".cm-content")).to_have_text(
        "Acuerdan aplicar las siguientes acciones:", timeout=WAIT_MS
    )
