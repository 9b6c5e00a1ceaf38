"""The HTML print view and Markdown of an edition: the same title block, labels, italics and statuses as
the DOCX, for a browser's print dialog and for plain-text channels."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

from drafting.exports.edition import Edition, opening_words
from drafting.kinds import ParagraphKind, ParagraphStatus
from drafting.layout import Paragraph

PRINT_CSS = """\
body { font-family: "Times New Roman", serif; max-width: 42em; margin: 2em auto; line-height: 1.45; }
h1 { text-align: center; font-size: 1.4em; }
.title-block p { text-align: center; margin: 0.2em 0; }
.title-block .hash { font-family: monospace; font-size: 0.8em; word-break: break-all; }
p.paragraph .label { font-weight: bold; display: inline-block; min-width: 4.5em; }
p.paragraph .status { color: #555; font-size: 0.8em; }
h2.heading { font-size: 1.1em; margin-top: 1.5em; }
@media print { body { margin: 0; } }
"""

e = html.escape


def _html_paragraph(paragraph: Paragraph, *, statuses: Mapping[ParagraphStatus, str] | None) -> str:
    if paragraph.kind is ParagraphKind.HEADING:
        return f'<h2 class="heading" data-id="{e(paragraph.id, quote=True)}">{e(paragraph.text)}</h2>'
    start, end = opening_words(paragraph)
    text = paragraph.text
    body = e(text[:start]) + (f"<i>{e(text[start:end])}</i>" if end > start else "") + e(text[end:])
    label = f'<span class="label">{e(paragraph.label)}</span> ' if paragraph.label else ""
    shown = f' <span class="status">({e(statuses[paragraph.status])})</span>' if statuses is not None else ""
    return (
        f'<p class="paragraph {paragraph.kind.value} {paragraph.status.value}" '
        f'data-id="{e(paragraph.id, quote=True)}">{label}{body}{shown}</p>'
    )


def print_html(edition: Edition, *, stylesheet: str | None = None) -> str:
    """A whole HTML page. With `stylesheet` (an href) it links it, as the service must under its CSP;
    without, the styles are embedded, for a file saved and opened on its own."""
    rendered = edition.rendered
    style = (
        f'<link rel="stylesheet" href="{e(stylesheet, quote=True)}">'
        if stylesheet
        else f"<style>{PRINT_CSS}</style>"
    )
    lines = [
        e(edition.negotiation),
        f"{e(edition.revision_label)} — {e(edition.date.isoformat())}",
        e(edition.state),
    ]
    hashes = "".join(f'<p class="hash">{e(line)}</p>' for line in edition.hash_lines())
    parts = [
        "<!doctype html>",
        f'<html lang="{e(rendered.language or "en", quote=True)}"><head><meta charset="utf-8">',
        f"<title>{e(rendered.title)} — {e(edition.revision_label)}</title>{style}</head><body>",
        f'<header class="title-block"><h1>{e(rendered.title)}</h1>',
        "".join(f"<p>{line}</p>" for line in lines) + hashes + "</header><main>",
        *(_html_paragraph(p, statuses=edition.shown_statuses) for p in rendered.paragraphs),
        "</main></body></html>",
    ]
    return "\n".join(parts)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~])")


def _md(text: str) -> str:
    """Text that Markdown shows as typed: brackets stay brackets, asterisks stay asterisks."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def markdown(edition: Edition) -> str:
    rendered, statuses = edition.rendered, edition.shown_statuses
    lines = [
        f"# {_md(rendered.title)}",
        "",
        _md(edition.negotiation) + "  ",
        f"{_md(edition.revision_label)} — {edition.date.isoformat()}  ",
        _md(edition.state),
    ]
    for hash_line in edition.hash_lines():
        label, _, value = hash_line.partition(": ")
        lines[-1] += "  "
        lines.append(f"{_md(label)}: `{value}`")
    for paragraph in rendered.paragraphs:
        lines.append("")
        if paragraph.kind is ParagraphKind.HEADING:
            lines.append(f"## {_md(paragraph.text)}")
            continue
        start, end = opening_words(paragraph)
        text = paragraph.text
        body = _md(text[:start]) + (f"*{_md(text[start:end])}*" if end > start else "") + _md(text[end:])
        label = f"**{_md(paragraph.label)}** " if paragraph.label else ""
        status = f" _({statuses[paragraph.status]})_" if statuses is not None else ""
        lines.append(f"{label}{body}{status}")
    return "\n".join(lines) + "\n"
