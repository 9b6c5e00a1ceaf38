"""Details of the room a reader relies on: a deadline written in the reader's order of day and month, who
last locked a paragraph and why (beside it, after a reload too), and comments opened to observers live."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.pages import WAIT_MS, People, open_view, paragraph_section, select_paragraph

pytestmark = pytest.mark.browser


def test_a_spanish_chair_writes_the_deadline_day_first_and_a_date_that_does_not_exist_is_refused(
    people: People,
) -> None:
    chair = people.enter("ppt", language="es", timezone_id="America/Mexico_City")
    open_view(chair, "Consola de la Presidencia")
    deadline = chair.locator("#silence-deadline")
    expect(deadline.locator("legend")).to_contain_text("America/Mexico_City", timeout=WAIT_MS)
    expect(deadline.locator("label")).to_have_text(["Día", "Mes", "Año", "Hora (0–23)", "Minuto"])
    expect(deadline.get_by_label("Mes").locator("option").nth(10)).to_have_text("noviembre")

    deadline.get_by_label("Día").fill("31")
    deadline.get_by_label("Mes").select_option("2")
    chair.get_by_role("button", name="Iniciar el procedimiento de silencio").click()
    expect(chair.locator(".form-error")).to_have_text(
        "Esa fecha u hora no existe. Revise el día, la hora y los minutos."
    )
    expect(chair.locator("#draft-status")).to_have_text("Proyecto")

    deadline.get_by_label("Día").fill("13")
    deadline.get_by_label("Mes").select_option("11")
    deadline.get_by_label("Año").fill("2099")
    deadline.get_by_label("Hora (0–23)").fill("18")
    chair.get_by_role("button", name="Iniciar el procedimiento de silencio").click()
    banner = chair.locator(".banner-silence")
    expect(banner).to_contain_text("13 de noviembre de 2099", timeout=WAIT_MS)
    expect(banner).to_contain_text("18:00")


def test_observers_see_comments_opened_live_and_who_locked_a_paragraph(people: People) -> None:
    chair = people.enter("ppt")
    observer = people.enter("observer.iom")
    select_paragraph(observer, "OP1")
    expect(observer.locator("#review-pane")).to_contain_text(
        "has not opened comments to observers", timeout=WAIT_MS
    )
    expect(observer.locator("form.new-thread")).to_have_count(0)

    open_view(chair, "Chair’s console")
    chair.get_by_label("Observers may comment on this document").check()
    expect(observer.locator(".announcement").first).to_have_text(
        "The Presidency Pro Tempore opened comments to observers.", timeout=WAIT_MS
    )
    expect(observer.locator("form.new-thread")).to_have_count(1)

    open_view(chair, "Draft")
    select_paragraph(chair, "OP1")
    chair.locator("#chair-reason").fill("Consultas con las capitales")
    chair.get_by_role("button", name="Lock", exact=True).click()
    for page in (observer, chair):
        change = paragraph_section(page, "OP1").locator(".paragraph-change")
        expect(change).to_contain_text("Last change: Lucía Hernández (PPT, Mexico) (MEX)", timeout=WAIT_MS)
        expect(change.locator("q")).to_have_text("Consultas con las capitales")
    observer.reload()
    expect(paragraph_section(observer, "OP1").locator(".paragraph-change")).to_contain_text(
        "Consultas con las capitales", timeout=WAIT_MS
    )


def test_the_chair_inserts_moves_and_deletes_a_paragraph_and_everyone_sees_it(people: People) -> None:
    chair = people.enter("ppt")
    delegate = people.enter("delegate.gtm")
    select_paragraph(chair, "OP2")
    chair.get_by_text("Structure: insert, move, delete").click()  # folded until opened; stays open
    chair.get_by_label("Kind of the new paragraph").select_option("operative")
    chair.get_by_label("Its text (it can be written afterwards)").fill(
        "Encargan a la Secretaría Técnica un informe 🌎."
    )
    chair.get_by_role("button", name="Insert after OP2").click()
    for page in (chair, delegate):
        expect(paragraph_section(page, "OP2bis")).to_contain_text("un informe 🌎.", timeout=WAIT_MS)
    labels = delegate.locator('.paragraph[data-kind="operative"] .paragraph-label')
    expect(labels.nth(2)).to_have_text("OP2bis")

    select_paragraph(chair, "OP2bis")
    chair.get_by_label("Move OP2bis").select_option(label="After OP3")
    chair.get_by_role("button", name="Move", exact=True).click()
    expect(labels.nth(3)).to_have_text("OP2bis", timeout=WAIT_MS)

    chair.get_by_role("button", name="Delete OP2bis…").click()
    chair.get_by_role("button", name="Delete the paragraph").click()
    for page in (chair, delegate):
        expect(paragraph_section(page, "OP2bis")).to_have_count(0, timeout=WAIT_MS)
    expect(delegate.locator(".announcement").first).not_to_contain_text(
        "OP2bis deleted"
    )  # said to the chair only
    expect(chair.locator(".announcement").first).to_have_text("OP2bis deleted.")
