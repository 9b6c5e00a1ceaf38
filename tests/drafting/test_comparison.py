"""Comparing revisions: a fixture pair with every kind of change, the live text, and the HTML views."""

from __future__ import annotations

import json
from pathlib import Path

from drafting.comparison import compare
from drafting.comparison_html import inline_html, side_by_side_html
from drafting.kinds import DocumentKind, DocumentStatus, ParagraphKind, ParagraphStatus
from drafting.layout import Paragraph, new_draft, write_document
from drafting.rendered import RenderedText, from_json, render, to_canonical

DATA = Path(__file__).with_name("data")


def fixture(name: str) -> RenderedText:
    return from_json((DATA / name).read_text(encoding="utf-8"))


def test_the_fixture_pair_compares_to_the_expected_result() -> None:
    """Rev.1 → Rev.2: PP1 and PP2 swapped (one move), PP1 reworded with an emoji, OP1 agreed ad ref,
    OP1bis renumbered OP2, a new OP3, OP2 unbracketed as OP4, the old OP3 deleted."""
    comparison = compare(
        fixture("revision-rev1.json"), fixture("revision-rev2.json"), before_name="Rev.1", after_name="Rev.2"
    )
    expected = json.loads((DATA / "comparison-rev1-rev2.json").read_text(encoding="utf-8"))
    assert comparison.as_json() == expected
    assert [(p.id, p.changes) for p in comparison.paragraphs] == [
        ("ph0000000001", ()),
        ("pp0000000002", ("renumbered",)),
        ("pp0000000001", ("moved", "renumbered", "edited")),
        ("po0000000001", ("status", "lock")),
        ("po0000000002", ("renumbered",)),
        ("po0000000005", ("added",)),
        ("po0000000003", ("renumbered", "edited", "status")),
        ("po0000000004", ("deleted",)),
    ]


def test_the_fixtures_are_rendered_texts_in_canonical_form() -> None:
    for name in ("revision-rev1.json", "revision-rev2.json"):
        rendered = fixture(name)
        assert from_json(to_canonical(rendered)) == rendered


def test_a_revision_compares_with_the_live_text() -> None:
    doc = new_draft()
    write_document(
        doc,
        title="Declaración de Ciudad de México",
        kind=DocumentKind.DECLARATION,
        status=DocumentStatus.DRAFT,
        paragraphs=[(ParagraphKind.OPERATIVE, "Acuerdan cooperar;")],
    )
    live = render(doc)
    rev = fixture("revision-rev2.json")
    comparison = compare(rev, live, before_name="Rev.2", after_name="live text")
    counts = comparison.counts()
    assert (counts["added"], counts["deleted"]) == (1, len(rev.paragraphs))
    assert compare(live, live).counts() == dict.fromkeys(counts, 0)


def test_a_deleted_paragraph_stays_where_it_was_read() -> None:
    def text(*ids: str) -> RenderedText:
        paragraphs = tuple(
            Paragraph(i, f"OP{n}", ParagraphKind.OPERATIVE, i, ParagraphStatus.OPEN, False)
            for n, i in enumerate(ids, start=1)
        )
        return RenderedText("t", "declaration", DocumentStatus.DRAFT, paragraphs)

    comparison = compare(text("a", "b", "c", "d"), text("c", "a", "e"))
    # b followed a and d followed c: each stays after the paragraph it followed.
    assert [(p.id, p.changes) for p in comparison.paragraphs] == [
        ("c", ("renumbered",)),
        ("d", ("deleted",)),
        ("a", ("moved", "renumbered")),
        ("b", ("deleted",)),
        ("e", ("added",)),
    ]


def test_inline_html_marks_every_change_and_escapes_the_text() -> None:
    comparison = compare(
        fixture("revision-rev1.json"),
        fixture("revision-rev2.json"),
        before_name="Rev.1",
        after_name="Rev.2 <b>",
    )
    page = inline_html(comparison)
    assert "<ins>valiosa </ins>" in page and "<ins> 🌎</ins>" in page
    assert "<del>[</del>" in page and "<del>Invitan a los observadores a participar;</del>" in page
    assert "renumbered OP1bis → OP2" in page
    assert "moved from position 2 to 3" in page
    assert "status bracketed → open" in page and "status open → agreed ad ref; locked" in page
    assert '<section class="paragraph added" data-id="po0000000005">' in page
    assert "Rev.2 &lt;b&gt;" in page and "<b>" not in page
    assert "style=" not in page


def test_side_by_side_shows_deletions_left_and_insertions_right() -> None:
    comparison = compare(fixture("revision-rev1.json"), fixture("revision-rev2.json"))
    page = side_by_side_html(comparison)
    row = next(line for line in page.splitlines() if 'data-id="pp0000000001"' in line)
    left, right = row.split("</td>", 1)
    assert "<ins>" not in left and "<del>" not in left
    assert "<ins>valiosa </ins>" in right
    bracket_row = next(line for line in page.splitlines() if 'data-id="po0000000003"' in line)
    bracket_left, bracket_right = bracket_row.split("</td>", 1)
    assert "<del>[</del>" in bracket_left and "<del>" not in bracket_right
    deleted = next(line for line in page.splitlines() if 'data-id="po0000000004"' in line)
    assert deleted.endswith("<del>Invitan a los observadores a participar;</del></td><td></td></tr>")
    added = next(line for line in page.splitlines() if 'data-id="po0000000005"' in line)
    assert '<td></td><td><span class="label">OP3</span> <ins>Deciden' in added
