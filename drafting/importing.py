"""A draft's text into paragraphs: plain text (one paragraph per blank-line-separated block) or a Word
.docx file (one per non-empty paragraph of the file).

Kinds are guessed the way a drafter reads a text: a short numbered or all-capitals line, or a .docx
paragraph styled as a title or heading, is a heading; paragraphs are preambular until the first one that
decides something ("Agree…", "Request…", "a) …"), operative from there on.
"""

from __future__ import annotations

import io
import re
import zipfile

from drafting.errors import InvalidInput
from drafting.kinds import ParagraphKind
from drafting.layout_contract import DEFAULT_LIMITS, LayoutLimits

_HEADING = re.compile(r"^([IVXLC]+|\d+)\.\s+\S")
# The verbs an operative paragraph opens with: it decides something (the RCM negotiates in Spanish too).
OPERATIVE_VERBS = (
    *("agree", "agrees", "decide", "decides", "resolve", "resolves", "request", "requests", "commit"),
    *("commits", "charge", "charges", "instruct", "instructs", "urge", "urges", "encourage", "encourages"),
    *("invite", "invites", "call", "calls"),
    *("acuerdan", "acuerda", "deciden", "decide", "resuelven", "solicitan", "solicita", "encargan"),
    *("encomiendan", "instan", "invitan", "exhortan", "piden", "recomiendan"),
)
_OPERATIVE = re.compile(
    r"^(?:(?:" + "|".join(OPERATIVE_VERBS) + r")\b|to\s|[a-z]\)\s)",
    re.IGNORECASE,
)


def split_blocks(text: str) -> list[str]:
    blocks = [" ".join(line.strip() for line in block.splitlines()) for block in re.split(r"\n\s*\n", text)]
    return [block.strip() for block in blocks if block.strip()]


def classify(blocks: list[str], limits: LayoutLimits = DEFAULT_LIMITS) -> list[tuple[ParagraphKind, str]]:
    operative = False
    result = []
    most = limits.max_paragraph_chars
    for number, block in enumerate(blocks, start=1):
        if len(block) > most:
            raise InvalidInput(
                f"paragraph {number} of the draft has {len(block)} characters, more than the "
                f"{most} a paragraph may hold: split it and import the draft again",
                code="paragraph_too_long",
                paragraph=number,
                characters=len(block),
                limit=most,
            )
        if _is_heading(block):
            result.append((ParagraphKind.HEADING, block))
            continue
        operative = operative or bool(_OPERATIVE.match(block))
        result.append((ParagraphKind.OPERATIVE if operative else ParagraphKind.PREAMBULAR, block))
    return result


def paragraphs_from_text(text: str, limits: LayoutLimits = DEFAULT_LIMITS) -> list[tuple[ParagraphKind, str]]:
    return classify(split_blocks(text), limits)


def paragraphs_from_file(
    data: bytes, limits: LayoutLimits = DEFAULT_LIMITS
) -> list[tuple[ParagraphKind, str]]:
    """An uploaded draft: a .docx file (recognised by its content, a zip package) or UTF-8 plain text,
    within the limits the live guard holds edits to (CONSENSO_MAX_PARAGRAPHS, _MAX_PARAGRAPH_CHARS)."""
    if data.startswith(ZIP_SIGNATURE):
        found = paragraphs_from_docx(data, limits)
    else:
        found = paragraphs_from_text(text_of_upload(data), limits)
    if not found:
        raise InvalidInput("the file holds no text: choose the file of the draft", code="empty_draft")
    if len(found) > limits.max_paragraphs:
        raise _too_many(len(found), limits.max_paragraphs)
    return found


def _too_many(paragraphs: int, limit: int) -> InvalidInput:
    return InvalidInput(
        f"the file holds {paragraphs} paragraphs, more than the {limit} a document may hold",
        code="too_many_paragraphs",
        paragraphs=paragraphs,
        limit=limit,
    )


ZIP_SIGNATURE = b"PK\x03\x04"
DOCX_XML_LIMIT = 64 * 1024 * 1024  # the unpacked parts python-docx reads; a larger one is a zip bomb
_NOT_A_DRAFT = "the file is neither a Word .docx document nor plain text: save the draft as .docx or .txt"


def text_of_upload(data: bytes) -> str:
    """Plain text as uploaded: UTF-8 (with or without its byte order mark) or UTF-16 with one."""
    encoding = "utf-16" if data.startswith((b"\xff\xfe", b"\xfe\xff")) else "utf-8-sig"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError:
        raise InvalidInput(
            "the text file is not in UTF-8: save it as UTF-8 text (or as .docx) and import it again",
            code="not_utf8",
        ) from None
    if "\x00" in text:
        raise InvalidInput(_NOT_A_DRAFT, code="unreadable_draft")
    return text


# Empty paragraphs a .docx may hold for each one a document may: spacing, not text. Beyond that the file is
# refused before any paragraph is read (python-docx takes about a millisecond for each).
EMPTY_PARAGRAPHS_PER_PARAGRAPH = 10


def paragraphs_from_docx(
    data: bytes, limits: LayoutLimits = DEFAULT_LIMITS
) -> list[tuple[ParagraphKind, str]]:
    """The non-empty paragraphs of a .docx file in reading order; title and heading styles are headings."""
    # python-docx and lxml load with the first .docx, not with the server (docs/decisions/0051).
    from docx import Document as open_docx
    from docx.opc.exceptions import PackageNotFoundError
    from docx.oxml.ns import qn
    from lxml.etree import LxmlError

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            if sum(member.file_size for member in package.infolist()) > DOCX_XML_LIMIT:
                raise InvalidInput(
                    "the .docx file unpacks to more than 64 MiB: import its text as .txt instead",
                    code="unreadable_draft",
                )
        document = open_docx(io.BytesIO(data))
        count = len(document.element.body.findall(qn("w:p")))
        if count > limits.max_paragraphs * EMPTY_PARAGRAPHS_PER_PARAGRAPH:
            raise _too_many(count, limits.max_paragraphs)
        styled = [
            (p.text.strip(), _heading_style(p.style.name if p.style else "")) for p in document.paragraphs
        ]
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, LxmlError) as exc:
        raise InvalidInput(_NOT_A_DRAFT, code="unreadable_draft") from exc
    written = [(" ".join(text.split()), heading) for text, heading in styled if text]
    kinds = classify([text for text, _ in written], limits)
    return [
        (ParagraphKind.HEADING if heading else kind, text)
        for (kind, text), (_, heading) in zip(kinds, written, strict=True)
    ]


def _heading_style(name: str) -> bool:
    return name.lower().startswith(("heading", "title", "título", "titulo"))


def _is_heading(block: str) -> bool:
    if len(block) > 120 or block.endswith((".", ";", ":")):
        return False
    return bool(_HEADING.match(block)) or (block.upper() == block and any(c.isalpha() for c in block))
