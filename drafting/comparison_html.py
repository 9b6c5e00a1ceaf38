"""A comparison as HTML: inline (one text with insertions and deletions) and side by side.

Fragments with classes only, no inline styles (the service's CSP refuses them): the page that shows one
links `COMPARISON_CSS`, served as a stylesheet. Every piece of text is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence

from drafting.comparison import ADDED, DELETED, EDITED, LOCK, MOVED, RENUMBERED, STATUS, Compared, Comparison
from drafting.layout import Paragraph
from drafting.textdiff import Change, to_html

COMPARISON_CSS = """\
.comparison ins { background: #d4f7d4; text-decoration: underline; }
.comparison del { background: #fadadd; text-decoration: line-through; }
.comparison .added { border-left: 4px solid #2e7d32; }
.comparison .deleted { border-left: 4px solid #c62828; }
.comparison .moved, .comparison .renumbered { border-left: 4px solid #1565c0; }
.comparison .note { color: #555; font-size: 90%; }
.comparison table { border-collapse: collapse; width: 100%; }
.comparison td { vertical-align: top; width: 50%; padding: 4px 8px; border-top: 1px solid #ddd; }
"""

e = html.escape


def _words(value: str) -> str:
    return value.replace("_", " ")


def notes(item: Compared) -> list[str]:
    """What happened to the paragraph besides its wording, in words."""
    before, after = item.before, item.after
    result = []
    if ADDED in item.changes:
        result.append("added")
    if DELETED in item.changes:
        result.append("deleted")
    if before is not None and after is not None:
        if MOVED in item.changes:
            result.append(f"moved from position {item.position_before} to {item.position_after}")
        if RENUMBERED in item.changes:
            result.append(f"renumbered {before.label} → {after.label}")
        if STATUS in item.changes:
            result.append(f"status {_words(before.status.value)} → {_words(after.status.value)}")
        if LOCK in item.changes:
            result.append("locked" if after.locked else "unlocked")
    return result


def _label(item: Compared) -> str:
    shown = item.after or item.before
    assert shown is not None
    return shown.label or "¶"


def _classes(item: Compared) -> str:
    return " ".join(["paragraph", *item.changes]) if item.changes else "paragraph unchanged"


def _note_html(item: Compared) -> str:
    found = notes(item)
    return f'<p class="note">{e("; ".join(found))}</p>' if found else ""


def _text(item: Compared) -> str:
    if item.diff and (EDITED in item.changes or ADDED in item.changes or DELETED in item.changes):
        return to_html(item.diff)
    shown = item.after or item.before
    return e(shown.text) if shown is not None else ""


def inline_html(comparison: Comparison) -> str:
    parts = [
        '<article class="comparison inline">',
        f"<h1>{e(comparison.before_name)} → {e(comparison.after_name)}</h1>",
        _document_html(comparison),
    ]
    for item in comparison.paragraphs:
        parts.append(
            f'<section class="{_classes(item)}" data-id="{e(item.id, quote=True)}">'
            f'<h2>{e(_label(item))}</h2>{_note_html(item)}<p class="text">{_text(item)}</p></section>'
        )
    parts.append("</article>")
    return "\n".join(parts)


def _side(changes: Sequence[Change], keep: str) -> str:
    return to_html([c for c in changes if c.op in ("equal", keep)])


def _cell(paragraph: Paragraph | None, content: str) -> str:
    if paragraph is None:
        return "<td></td>"
    return f'<td><span class="label">{e(paragraph.label or "¶")}</span> {content}</td>'


def side_by_side_html(comparison: Comparison) -> str:
    parts = [
        '<article class="comparison side-by-side">',
        _document_html(comparison),
        f"<table><thead><tr><th>{e(comparison.before_name)}</th><th>{e(comparison.after_name)}</th></tr>"
        "</thead><tbody>",
    ]
    for item in comparison.paragraphs:
        if item.diff:
            left, right = _side(item.diff, "delete"), _side(item.diff, "insert")
        else:
            left = e(item.before.text) if item.before else ""
            right = e(item.after.text) if item.after else ""
        parts.append(
            f'<tr class="{_classes(item)}" data-id="{e(item.id, quote=True)}">'
            f"{_cell(item.before, left)}{_cell(item.after, right + _note_html(item))}</tr>"
        )
    parts.append("</tbody></table></article>")
    return "\n".join(parts)


def _document_html(comparison: Comparison) -> str:
    if not comparison.document:
        return ""
    changed = "; ".join(f"{key}: {_words(b)} → {_words(a)}" for key, (b, a) in comparison.document.items())
    return f'<p class="note document">{e(changed)}</p>'
