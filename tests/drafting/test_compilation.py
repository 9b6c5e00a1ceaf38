"""The compilation text of several delegations' amendments, and the consensus matrix."""

from __future__ import annotations

from drafting.compilation import Submitted, compilation_html, compile_text, consensus_matrix, matrix_html
from drafting.kinds import AmendmentKind, ParagraphKind, ParagraphStatus, Stance
from drafting.layout import Paragraph

OLD = "Promover una migración segura y ordenada 🌎."
OP1 = Paragraph(
    "p1",
    "OP1",
    ParagraphKind.OPERATIVE,
    "Promover una migración segura y ordenada 🌎 en la región.",
    ParagraphStatus.OPEN,
    False,
)
OP2 = Paragraph(
    "p2",
    "OP2",
    ParagraphKind.OPERATIVE,
    "Fortalecer la protección de la niñez <migrante>.",
    ParagraphStatus.OPEN,
    False,
)
OP3 = Paragraph(
    "p3", "OP3", ParagraphKind.OPERATIVE, "Intercambiar información.", ParagraphStatus.OPEN, False
)


def amend(paragraph_id: str, code: str, base: str, proposed: str) -> Submitted:
    return Submitted(paragraph_id, code, Stance.AMEND, AmendmentKind.REPLACE, proposed, base)


FIXTURE = [
    # MEX and CRI propose the same change, CRI against an older text of OP1.
    amend("p1", "MEX", OP1.text, "Promover una migración segura, regular y ordenada 🌎 en la región."),
    amend("p1", "CRI", OLD, "Promover una migración segura, regular y ordenada 🌎."),
    amend("p1", "GTM", OP1.text, "Promover una movilidad segura y ordenada 🌎 en la región."),
    Submitted("p1", "CAN", Stance.SUPPORT),
    Submitted("p1", "USA", Stance.RESERVATION),
    Submitted("p2", "CAN", Stance.OPPOSE),
    Submitted("p2", "MEX", Stance.SUPPORT),
    Submitted("p2", "GTM", Stance.AMEND, AmendmentKind.DELETE, None, OP2.text),
    Submitted("p3", "MEX", Stance.SUPPORT),
    Submitted("p3", "GTM", Stance.SUPPORT),
    Submitted("p3", "HND", Stance.AMEND, AmendmentKind.NEW_PARAGRAPH, "Cooperar con la OIM.", OP3.text),
    Submitted("p3", "CRI", Stance.NONE),
]


def test_the_compilation_text_matches_the_expected_attributed_text() -> None:
    compiled = compile_text([OP1, OP2, OP3], FIXTURE)
    attributed = {c.paragraph.label: [g.as_json()["attributed"] for g in c.amendments] for c in compiled}
    assert attributed == {
        "OP1": ["MEX, CRI: add ', regular' after 'segura'", "GTM: replace 'migración' with 'movilidad'"],
        "OP2": ["GTM: delete the paragraph"],
        "OP3": ["HND: add a new paragraph after OP3: 'Cooperar con la OIM.'"],
    }
    first = compiled[0].as_json()
    assert first["amendments"][0]["changes"] == [
        {"op": "equal", "text": "Promover una migración segura"},
        {"op": "insert", "text": ", regular"},
        {"op": "equal", "text": " y ordenada 🌎 en la región."},
    ]
    assert first["tally"] == {
        "support": {"count": 1, "delegations": ["CAN"]},
        "amend": {"count": 3, "delegations": ["MEX", "CRI", "GTM"]},
        "oppose": {"count": 0, "delegations": []},
        "reservation": {"count": 1, "delegations": ["USA"]},
    }


def test_an_amendment_that_no_longer_applies_is_shown_against_its_own_text() -> None:
    moved_on = Paragraph(
        "p1", "OP1", ParagraphKind.OPERATIVE, "Promover la movilidad humana.", ParagraphStatus.OPEN, False
    )
    [compiled] = compile_text(
        [moved_on], [amend("p1", "CRI", OLD, "Promover una migración segura, regular y ordenada 🌎.")]
    )
    [group] = compiled.amendments
    assert not group.applies
    assert (
        group.summary == "add ', regular' after 'segura' (written against an earlier text; no longer applies)"
    )


def test_the_html_escapes_every_text() -> None:
    page = compilation_html("Declaración <XX>", compile_text([OP1, OP2, OP3], FIXTURE))
    assert "Declaración &lt;XX&gt;" in page
    assert "niñez &lt;migrante&gt;" in page and "<migrante>" not in page
    assert '<span class="by">MEX, CRI</span>: <span class="summary">add &#x27;, regular&#x27; after' in page
    assert '<ins title="MEX, CRI">, regular</ins>' in page


def test_the_consensus_matrix_sorts_closest_and_furthest_first() -> None:
    members = ["CAN", "CRI", "GTM", "HND", "MEX", "USA"]
    rows = consensus_matrix([OP1, OP2, OP3], FIXTURE, members)
    assert [(r.paragraph.label, r.distance) for r in rows] == [("OP3", 1), ("OP2", 4), ("OP1", 5)]
    furthest = consensus_matrix([OP1, OP2, OP3], FIXTURE, members, furthest_first=True)
    assert [r.paragraph.label for r in furthest] == ["OP1", "OP2", "OP3"]
    assert rows[1].as_json(members)["stances"] == {
        "CAN": "oppose",
        "CRI": "none",
        "GTM": "amend",
        "HND": "none",
        "MEX": "support",
        "USA": "none",
    }
    page = matrix_html("Declaración", rows, members)
    assert '<td class="stance oppose" title="CAN: oppose">oppose</td>' in page


def test_the_pages_take_their_styles_from_the_stylesheet_only() -> None:
    members = ["CAN", "CRI", "GTM", "HND", "MEX", "USA"]
    pages = [
        compilation_html("Declaración", compile_text([OP1, OP2, OP3], FIXTURE)),
        matrix_html("Declaración", consensus_matrix([OP1, OP2, OP3], FIXTURE, members), members),
    ]
    for page in pages:
        assert '<link rel="stylesheet" href="/static/compilation.css">' in page
        assert "<style" not in page and "style=" not in page  # the service's CSP blocks inline styles
