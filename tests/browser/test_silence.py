"""Silence: the PPT starts it, every browser shows the countdown and frozen text; a head breaks silence with
a reason and the named paragraph reopens. Adoption: every browser shows the adopted, read-only text."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.pages import (
    WAIT_MS,
    People,
    open_view,
    paragraph_box,
    paragraph_section,
)

pytestmark = pytest.mark.browser

LABEL = "OP2"
REASON = "Guatemala necesita consultar a su capital sobre este párrafo"


def test_silence_freezes_the_text_breaking_it_reopens_and_adoption_makes_it_final(people: People) -> None:
    chair = people.enter("ppt")
    head = people.enter("head.gtm")
    delegate = people.enter("delegate.mex")
    everyone = (chair, head, delegate)

    open_view(chair, "Chair’s console")
    chair.get_by_role("button", name="Start the silence procedure").click()
    for page in everyone:
        banner = page.locator(".banner-silence")
        expect(banner).to_contain_text("Under silence procedure", timeout=WAIT_MS)
        expect(banner).to_contain_text("set as")  # the deadline in its own zone, beside the reader's
        expect(page.locator("#draft-status")).to_have_text("Under silence procedure")
    # The countdown runs. Three days away it counts in minutes, so a minute boundary must pass.
    first = delegate.locator(".countdown").text_content()
    delegate.wait_for_function(
        "(before) => document.querySelector('.countdown').textContent !== before", arg=first, timeout=65_000
    )
    # The text is frozen, and says so where one types.
    box = paragraph_box(delegate, LABEL)
    expect(box).to_have_attribute("aria-readonly", "true")
    box.click()
    delegate.keyboard.type("x")
    expect(paragraph_section(delegate, LABEL).locator(".paragraph-refusal")).to_contain_text(
        "under silence procedure until"
    )

    # A head breaks silence on one paragraph, with a reason: it is announced to everyone, the text reopens.
    head.locator(".break-silence-box summary").click()
    head.get_by_label(LABEL, exact=True).check()
    head.locator("#break-reason").fill(REASON)
    head.get_by_role("button", name="Break silence", exact=True).click()
    for page in (chair, delegate):
        expect(page.locator(".announcement", has_text=REASON)).to_contain_text("GTM broke silence on OP2")
    for page in everyone:
        expect(page.locator(".banner-silence")).to_have_count(0, timeout=WAIT_MS)
        expect(page.locator("#draft-status")).to_have_text("Draft")
    expect(paragraph_box(delegate, LABEL)).to_have_attribute("aria-readonly", "false", timeout=WAIT_MS)

    # Adoption, with a confirmation: every browser shows the adopted text, read-only.
    open_view(chair, "Chair’s console")
    chair.get_by_role("button", name="Adopt the text…").click()
    chair.locator("dialog.confirm-dialog").get_by_role("button", name="Adopt", exact=True).click()
    for page in everyone:
        expect(page.locator(".banner-adopted")).to_contain_text("Adopted", timeout=WAIT_MS)
        expect(page.locator("#draft-status")).to_have_text("Adopted")
    open_view(chair, "Draft")
    for page in everyone:
        expect(paragraph_box(page, LABEL)).to_have_attribute("aria-readonly", "true", timeout=WAIT_MS)
        expect(paragraph_section(page, LABEL).locator(".badge-status")).to_have_text("Agreed")
