"""The Secretariat's administration in the browser: a negotiation created, a .docx draft imported (built here
with python-docx) and opened with its paragraphs, a delegation and a user added; another role neither sees
those controls nor gets past the routes."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.browser.pages import DEMO, WAIT_MS, People, expect_connected
from tests.support.drafts import docx_bytes

pytestmark = pytest.mark.browser


SEND = """async ([method, path, body]) => {
  const me = await (await fetch('/api/me')).json()
  const init = { method, headers: { 'X-CSRF-Token': me.csrf_token, 'Content-Type': 'application/json' } }
  if (body) init.body = JSON.stringify(body)
  const response = await fetch(path, init)
  return { status: response.status, body: await response.json() }
}"""


def draft_docx(path: Path) -> Path:
    path.write_bytes(
        docx_bytes(
            ("Title", "Declaración de Tegucigalpa"),
            ("Normal", "Reconociendo la contribución de las personas migrantes al desarrollo;"),
            ("Normal", "Acuerdan fortalecer la protección consular [en tránsito]."),
        )
    )
    return path


def test_the_secretariat_creates_a_negotiation_imports_a_draft_and_registers_people(
    people: People, live_server: Any, tmp_path: Path
) -> None:
    page = people.enter("secretariat", open_document=False)
    page.get_by_role("link", name="Administration").click()
    expect(page.get_by_role("heading", name="Negotiations and their documents")).to_be_visible(
        timeout=WAIT_MS
    )

    # A negotiation chaired by Honduras, with two delegations taking part besides.
    form = page.locator("form[data-form=new-negotiation]")
    form.get_by_label("Title of the meeting").fill("XXI Vice-Ministerial Meeting, Tegucigalpa 2016")
    form.get_by_label("Chair (Presidency Pro Tempore)").select_option("HND")
    for box in form.get_by_role("checkbox").all():
        box.uncheck()
    form.get_by_role("checkbox", name=re.compile(r"\(GTM\)")).check()
    form.get_by_role("checkbox", name=re.compile(r"\(MEX\)")).check()
    form.get_by_role("button", name="Create negotiation").click()
    expect(page.locator(".register-notice")).to_contain_text("created", timeout=WAIT_MS)
    card = page.locator(".register-card", has_text="Tegucigalpa 2016")
    expect(card).to_contain_text("Honduras (HND)")
    expect(card).to_contain_text("3 delegations take part")

    # A draft imported from Word, opened at once with its paragraphs.
    card.get_by_text("Add a document").click()
    card.get_by_label("Title of the document").fill("Declaración de Tegucigalpa")
    card.get_by_label("Language of the draft").select_option("es")
    card.get_by_label("Draft to import (optional)").set_input_files(draft_docx(tmp_path / "declaracion.docx"))
    card.get_by_role("button", name="Create document").click()
    expect(page.locator(".register-notice")).to_contain_text("created", timeout=WAIT_MS)
    page.locator(".register-notice").get_by_role("link", name="Open it").click()
    expect_connected(page)
    labels = page.locator(".paragraph .paragraph-label")
    expect(labels).to_have_text(["", "PP1", "OP1"], timeout=WAIT_MS)
    expect(page.locator(".paragraph").nth(2)).to_contain_text("protección consular")
    expect(page.locator("#draft-negotiation")).to_have_text("XXI Vice-Ministerial Meeting, Tegucigalpa 2016")
    languages = page.evaluate(
        "fetch(`/api/documents/${location.hash.split('/')[2]}/languages`).then((r) => r.json())"
    )
    assert (languages["source_language"], languages["versions"]) == ("es", ["en"])

    # A delegation and a user.
    page.goto(f"{live_server.url}/#/secretariat/delegations")
    form = page.locator("form[data-form=new-delegation]")
    form.get_by_label("Code").fill("ecu")
    form.get_by_label("Name").fill("Ecuador")
    form.get_by_label("Kind").select_option("observer_state")
    form.get_by_role("button", name="Add delegation").click()
    expect(page.locator(".register-notice")).to_have_text("ECU (Ecuador) added.", timeout=WAIT_MS)
    expect(page.get_by_role("combobox", name="Kind ECU")).to_have_value("observer_state")

    page.get_by_role("link", name="Users").click()
    form = page.locator("form[data-form=new-user]")
    form.get_by_label("E-mail address").fill("ana.lopez@cancilleria.gob.ec")
    form.get_by_label("Name").fill("Ana López")
    form.get_by_label("Role").select_option("observer")
    form.get_by_label("Delegation").select_option("ECU")
    form.get_by_role("button", name="Add user").click()
    expect(page.locator(".register-notice")).to_have_text("Ana López added.", timeout=WAIT_MS)
    expect(page.get_by_role("combobox", name="Delegation Ana López")).to_have_value("ECU")
    assert people.console == [], people.console

    # A wrong combination is refused and said beside the form.
    form = page.locator("form[data-form=new-user]")
    form.get_by_label("E-mail address").fill("otro@sre.gob.mx")
    form.get_by_label("Name").fill("Otro")
    form.get_by_label("Role").select_option("observer")
    form.get_by_label("Delegation").select_option("MEX")
    form.get_by_role("button", name="Add user").click()
    expect(form.locator(".form-status")).to_contain_text("MEX is a member state", timeout=WAIT_MS)


def test_another_role_sees_no_administration_and_the_routes_refuse_it(
    people: People, live_server: Any
) -> None:
    page = people.enter("head.gtm", open_document=False)
    expect(page.locator("#nav-secretariat")).to_be_hidden()
    # Everyone's list of documents names each negotiation's chair.
    expect(page.locator(".negotiation-chair")).to_have_text("Chair (Presidency Pro Tempore): Mexico (MEX)")
    page.goto(f"{live_server.url}/#/secretariat/users")
    expect(page.locator("#documents-view")).to_be_visible(timeout=WAIT_MS)
    expect(page.locator("#secretariat-view")).to_be_hidden()
    # The page's own session, with its form token, is refused by the routes with the pipeline's error shape.
    for method, path, body in [
        ("POST", "/api/negotiations", {"title": "X", "chair": "GTM"}),
        ("POST", "/api/negotiations/1/documents", {"title": "X", "kind": "declaration"}),
        ("POST", "/api/delegations", {"code": "ECU", "name": "Ecuador"}),
        ("GET", "/api/users", None),
    ]:
        answer = page.evaluate(SEND, [method, path, body])
        assert answer["status"] == 403, (path, answer)
        assert answer["body"]["code"] == "not_allowed" and answer["body"]["error"]
    # An administrator manages users only.
    admin = httpx.get(
        f"{live_server.url}/api/delegations",
        headers={"Authorization": f"Bearer {live_server.token(DEMO['admin'])}"},
    )
    assert admin.status_code == 200
    admin_page = people.enter("admin", open_document=False)
    admin_page.get_by_role("link", name="Administration").click()
    expect(admin_page.locator("#secretariat-tabs .tab")).to_have_text(["Users"], timeout=WAIT_MS)
