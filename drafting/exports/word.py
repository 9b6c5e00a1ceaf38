"""DOCX through python-docx: what a diplomat expects to circulate in Word.

A title block (the document's title, the negotiation, the revision and date, and for an adopted text its
hashes), then each paragraph with its label, a tab and its text: preambular opening words and operative
verbs in italics as the 2015 Guidelines set them, brackets as typed, and in a draft its status at the end.
Everything is styled with named styles (label, opening words, status, inserted and deleted text) so a
secretariat can restyle the document in Word without touching the text.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from drafting.compilation import TALLIED, CompiledParagraph
from drafting.exports.edition import Edition, opening_words, words_for
from drafting.kinds import ParagraphKind, ParagraphStatus
from drafting.layout import Paragraph

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument
    from docx.table import _Cell
    from docx.text.paragraph import Paragraph as DocxParagraph

LABEL, OPENING, STATUS = "Paragraph Label", "Opening Words", "Paragraph Status"
INSERTED, DELETED, BY = "Inserted Text", "Deleted Text", "Proposing Delegations"
TITLE_BLOCK = "Title Block"
PARAGRAPH_STYLES = {
    ParagraphKind.PREAMBULAR: "Preambular Paragraph",
    ParagraphKind.OPERATIVE: "Operative Paragraph",
    ParagraphKind.HEADING: "Heading 2",
}
AMENDMENT = "Amendment"


def _styled() -> DocxDocument:
    # python-docx (and lxml) load with the first Word file, not with the server (docs/decisions/0051).
    from docx import Document
    from docx.enum.style import WD_STYLE_TYPE
    from docx.shared import Pt, RGBColor

    document = Document()
    styles = document.styles
    for name in (LABEL, OPENING, STATUS, INSERTED, DELETED, BY):
        style = styles.add_style(name, WD_STYLE_TYPE.CHARACTER)
        font = style.font
        font.bold = name in (LABEL, BY)
        font.italic = name == OPENING
        font.underline = name == INSERTED
        font.strike = name == DELETED
        if name == STATUS:
            font.size = Pt(9)
            font.color.rgb = RGBColor(0x55, 0x55, 0x55)
    for name in (*PARAGRAPH_STYLES.values(), TITLE_BLOCK, AMENDMENT):
        if name not in [s.name for s in styles]:
            style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
            style.base_style = styles["Normal"]
            if name == AMENDMENT:
                style.paragraph_format.left_indent = Pt(36)
    return document


def _title_block(document: DocxDocument, edition: Edition) -> None:
    document.core_properties.title = edition.rendered.title
    document.core_properties.subject = f"{edition.negotiation} — {edition.revision_label}"
    document.add_paragraph(edition.rendered.title, style="Title")
    lines = [
        edition.negotiation,
        f"{edition.revision_label} — {edition.date.isoformat()}",
        edition.words.adopted if edition.adopted else edition.words.draft_statuses_shown,
        *edition.hash_lines(),
    ]
    for line in lines:
        document.add_paragraph(line, style=TITLE_BLOCK)


def _paragraph(
    document: DocxDocument | _Cell, paragraph: Paragraph, *, statuses: Mapping[ParagraphStatus, str] | None
) -> DocxParagraph:
    """One paragraph, with its status in `statuses`' words (None: without)."""
    out = document.add_paragraph(style=PARAGRAPH_STYLES[paragraph.kind])
    if paragraph.kind is ParagraphKind.HEADING:
        out.add_run(paragraph.text)
        return out
    if paragraph.label:
        out.add_run(paragraph.label, style=LABEL).bold = True
        out.add_run("\t")
    start, end = opening_words(paragraph)
    text = paragraph.text
    if text[:start]:
        out.add_run(text[:start])
    if end > start:
        out.add_run(text[start:end], style=OPENING).italic = True
    if text[end:]:
        out.add_run(text[end:])
    if statuses is not None:
        out.add_run(f"  ({statuses[paragraph.status]})", style=STATUS)
    return out


def _saved(document: DocxDocument) -> bytes:
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def edition_docx(edition: Edition) -> bytes:
    """A revision, the live text or the adopted text (with its hashes) as a DOCX file."""
    document = _styled()
    _title_block(document, edition)
    for paragraph in edition.rendered.paragraphs:
        _paragraph(document, paragraph, statuses=edition.shown_statuses)
    return _saved(document)


def bilingual_docx(edition: Edition, language: str) -> bytes:
    """The text in two columns, paragraph beside paragraph: the source language on the left, `language`
    on the right, each with its label and (in a draft) its status."""
    rendered = edition.rendered
    version = rendered.in_language(language)
    beside = words_for(language)
    document = _styled()
    _title_block(document, edition)
    table = document.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    for cell, name in zip(table.rows[0].cells, (rendered.language or "", language), strict=True):
        cell.paragraphs[0].add_run(name.upper(), style=LABEL).bold = True
    for source, translated in zip(rendered.paragraphs, version.paragraphs, strict=True):
        cells = table.add_row().cells
        for cell, paragraph, words in ((cells[0], source, edition.words), (cells[1], translated, beside)):
            _paragraph(cell, paragraph, statuses=words.statuses if edition.shows_statuses else None)
            first = cell.paragraphs[0]
            first._element.getparent().remove(first._element)  # a new cell's empty paragraph
    return _saved(document)


def compilation_docx(edition: Edition, compiled: Sequence[CompiledParagraph]) -> bytes:
    """The compilation text: each paragraph, then every delegation's amendment to it, attributed and
    shown inline (insertions underlined, deletions struck through), then the tally of stances."""
    document = _styled()
    _title_block(document, edition)
    for item in compiled:
        _paragraph(document, item.paragraph, statuses=edition.words.statuses)
        for group in item.amendments:
            line = document.add_paragraph(style=AMENDMENT)
            line.add_run(", ".join(group.delegations) + ": ", style=BY).bold = True
            for change in group.changes:
                run = line.add_run(change.text, style={"insert": INSERTED, "delete": DELETED}.get(change.op))
                run.font.underline = change.op == "insert" or None
                run.font.strike = change.op == "delete" or None
            line.add_run(f"  ({group.summary})", style=STATUS)
        counts = [f"{stance.value}: {len(item.tally.get(stance, []))}" for stance in TALLIED]
        if item.paragraph.kind is not ParagraphKind.HEADING:
            document.add_paragraph("  ·  ".join(counts), style=AMENDMENT).runs[0].style = STATUS
    return _saved(document)
