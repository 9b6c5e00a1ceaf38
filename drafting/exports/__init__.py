"""Exports of a document's text: DOCX, the HTML print view, Markdown and Akoma Ntoso 3.0."""

from drafting.exports.akoma_ntoso import edition_akn
from drafting.exports.edition import Edition, opening_words, revision_edition
from drafting.exports.printed import markdown, print_html
from drafting.exports.word import bilingual_docx, compilation_docx, edition_docx

__all__ = [
    "Edition",
    "bilingual_docx",
    "compilation_docx",
    "edition_akn",
    "edition_docx",
    "markdown",
    "opening_words",
    "print_html",
    "revision_edition",
]
