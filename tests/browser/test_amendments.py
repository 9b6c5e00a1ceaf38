"""A delegate drafts an amendment, the head submits it, the PPT previews it against the current text from
the consensus matrix and incorporates it: every browser shows the new text, and the matrix the stance."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.pages import (
    WAIT_MS,
    People,
    exact,
    open_view,
    paragraph_id,
    select_paragraph,
    server_text,
    text_of,
    wait_for_text,
)

pytestmark = pytest.mark.browser

LABEL = "OP2"
ADDED = " in a safe, orderly and regular manner"


def test_an_amendment_goes_from_draft_to_the_text_and_the_matrix_follows(people: People) -> None:
    delegate = people.enter("delegate.gtm")
    head = people.enter("head.gtm")
    chair = people.enter("ppt")
    pid = paragraph_id(delegate, LABEL)
    original = text_of(delegate, pid)
    proposed = original.rstrip(":;.") + ADDED + ":"

    open_view(chair, "Chair’s console")
    cell = chair.locator(f'tr[data-paragraph="{pid}"]').get_by_role(
        "button", name=f"GTM on {LABEL}: No position"
    )
    expect(cell).to_be_visible(timeout=WAIT_MS)

    # The delegate drafts; the diff against the current text shows the words added.
    select_paragraph(delegate, LABEL)
    delegate.locator("#position-stance").select_option("amend")
    delegate.locator("#position-amendment").select_option("replace")
    delegate.locator("#position-text").fill(proposed)
    expect(delegate.locator(".diff-preview ins")).to_contain_text("safe, orderly and regular")
    delegate.get_by_role("button", name="Save draft").click()
    expect(delegate.locator(".announcement").first).to_contain_text("only your delegation sees it")

    # The head finds the delegation's draft and submits it.
    select_paragraph(head, LABEL)
    expect(head.locator("#position-text")).to_have_value(proposed, timeout=WAIT_MS)
    expect(head.locator("#position-stance")).to_have_value("amend")
    head.get_by_role("button", name="Submit position").click()
    expect(head.locator(".announcement").first).to_contain_text("every participant sees it")

    # The chair's matrix shows it live; the cell opens the position, its preview and the incorporation.
    amended = chair.locator(f'tr[data-paragraph="{pid}"]').get_by_role(
        "button", name=f"GTM on {LABEL}: Amend"
    )
    expect(amended).to_be_visible(timeout=WAIT_MS)
    amended.click()
    dialog = chair.locator("dialog.position-dialog")
    dialog.get_by_role("button", name="Preview against the current text").click()
    expect(dialog.locator(".incorporation .clean")).to_be_visible(timeout=WAIT_MS)
    expect(dialog.locator(".incorporation ins")).to_contain_text("safe, orderly and regular")
    dialog.get_by_role("button", name="Incorporate into the text").click()

    for page in (chair, delegate, head):
        wait_for_text(page, pid, exact(proposed))
    assert server_text(delegate, pid) == proposed
    expect(delegate.locator(".announcement", has_text="amendment of GTM was incorporated")).to_be_visible(
        timeout=WAIT_MS
    )
