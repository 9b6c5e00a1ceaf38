"""Drafts as a Secretariat officer receives them: Word files built with python-docx."""

from __future__ import annotations

import io

import docx


def docx_bytes(*paragraphs: tuple[str, str]) -> bytes:
    """A .docx file of (style, text) paragraphs: ("Title", …), ("Heading 1", …), ("Normal", …)."""
    document = docx.Document()
    for style, text in paragraphs:
        document.add_paragraph(text, style=style)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
