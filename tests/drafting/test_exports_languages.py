"""Exports of a document with language versions: the rendered text carries every version, one language
alone exports like any text, and the bilingual DOCX sets the source beside a version in two columns."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

import docx
import pytest

from drafting.errors import InvalidInput
from drafting.exports.edition import Edition
from drafting.exports.word import bilingual_docx, edition_docx
from drafting.kinds import DocumentKind, ParagraphKind
from drafting.languages import Languages, write_draft
from drafting.layout import new_draft
from drafting.rendered import RenderedText, from_json, render, to_canonical

PARAGRAPHS = [
    (ParagraphKind.PREAMBULAR, "Considering the relevance of making adjustments;"),
    (ParagraphKind.OPERATIVE, "Agree to implement the following actions:"),
]
SPANISH = [
    "Considerando la pertinencia de realizar ajustes;",
    "Acuerdan poner en práctica las siguientes acciones:",
]


def bilingual() -> RenderedText:
    doc = new_draft()
    write_draft(
        doc,
        title="Declaration",
        kind=DocumentKind.DECLARATION,
        paragraphs=PARAGRAPHS,
        languages=Languages("en", ("es",)),
        versions={"es": SPANISH},
    )
    return render(doc)


def edition(rendered: RenderedText) -> Edition:
    return Edition("XX Vice-Ministerial Meeting", rendered, "Rev.1", date(2015, 11, 12))


def test_the_rendered_text_carries_every_version_and_survives_its_json() -> None:
    rendered = bilingual()
    assert rendered.language == "en" and rendered.languages == ("en", "es")
    assert [rendered.versions[p.id]["es"] for p in rendered.paragraphs] == SPANISH
    assert from_json(to_canonical(rendered)) == rendered


def test_one_language_alone_exports_like_any_text() -> None:
    rendered = bilingual()
    spanish = rendered.in_language("es")
    assert [p.text for p in spanish.paragraphs] == SPANISH
    assert [p.label for p in spanish.paragraphs] == [p.label for p in rendered.paragraphs]
    assert rendered.in_language("en") is rendered
    with pytest.raises(InvalidInput):
        rendered.in_language("fr")
    document = docx.Document(io.BytesIO(edition_docx(edition(spanish))))
    body = [p.text for p in document.paragraphs]
    assert any(line.startswith("PP1\tConsiderando la pertinencia") for line in body)
    assert not any("Considering" in line for line in body)


def test_the_bilingual_docx_sets_each_paragraph_beside_its_translation() -> None:
    rendered = bilingual()
    document = docx.Document(io.BytesIO(bilingual_docx(edition(rendered), "es")))

    (table,) = document.tables
    rows = [[cell.text for cell in row.cells] for row in table.rows]
    assert rows[0] == ["EN", "ES"]
    assert rows[1] == ["PP1\tConsidering the relevance of making adjustments;  (open)",
                       "PP1\tConsiderando la pertinencia de realizar ajustes;  (abierto)"]  # fmt: skip
    assert rows[2][1].startswith("OP1\tAcuerdan poner en práctica")
    assert len(rows) == 1 + len(PARAGRAPHS)
    first = table.rows[1].cells[1].paragraphs[0]
    assert [run.text for run in first.runs if run.italic] == ["Considerando"]  # opening words, as in English
    with pytest.raises(InvalidInput):
        bilingual_docx(edition(replace(rendered, versions={})), "es")
