from __future__ import annotations

import io
import zipfile

import pytest

from drafting.errors import InvalidInput
from drafting.importing import (
    DOCX_XML_LIMIT,
    classify,
    paragraphs_from_file,
    paragraphs_from_text,
    split_blocks,
)
from drafting.kinds import ParagraphKind
from drafting.layout_contract import MAX_PARAGRAPH_CHARS, LayoutLimits
from tests.support.drafts import docx_bytes

H, PP, OP = ParagraphKind.HEADING, ParagraphKind.PREAMBULAR, ParagraphKind.OPERATIVE


def test_blocks_are_split_on_blank_lines_and_lines_joined() -> None:
    text = "Reconociendo la\ncontribución de las\n  personas migrantes;\n\n\n  \nAcuerdan 🌎\n"
    assert split_blocks(text) == ["Reconociendo la contribución de las personas migrantes;", "Acuerdan 🌎"]


def test_windows_line_endings_split_the_same_way() -> None:
    assert split_blocks("Primero\r\nsigue\r\n\r\nSegundo\r\n") == ["Primero sigue", "Segundo"]


def test_an_empty_text_has_no_paragraphs() -> None:
    assert paragraphs_from_text("") == []
    assert paragraphs_from_text("\n \n\t\n") == []


@pytest.mark.parametrize(
    "block",
    ["I. Diálogo Viceministerial: Estructura y Definición", "2. Gobernanza", "DECLARACIÓN DE MÉXICO"],
)
def test_headings(block: str) -> None:
    assert classify([block]) == [(H, block)]


@pytest.mark.parametrize(
    "block",
    [
        "I. Diálogo Viceministerial.",
        "OIM, ACNUR Y RNCOM:",
        "1. " + "Un encabezado demasiado largo para serlo " * 4,
        "Considerando la migración 🌎",
    ],
)
def test_not_headings(block: str) -> None:
    assert classify([block])[0][0] is not H


def test_preambular_until_the_first_operative_then_operative() -> None:
    text = """DECLARACIÓN DE LA CIUDAD DE MÉXICO

Reconociendo la contribución de las personas migrantes al desarrollo 🌎;

Considerando la relevancia de la Conferencia Regional sobre Migración;

Agree to strengthen regional cooperation on migration:

I. Gobernanza

a) To replace the Conclusions and Recommendations by a Declaration;

Considering, finally, the role of the Presidency Pro-Témpore.
"""
    assert [kind for kind, _ in paragraphs_from_text(text)] == [H, PP, PP, OP, H, OP, OP]


@pytest.mark.parametrize(
    "opening",
    [
        "Agree to",
        "Decides to",
        "Requests the TS",
        "Encourage",
        "Invites",
        "To promote",
        "b) To draft",
        "Acuerdan",
        "Solicitan a la Secretaría Técnica",
        "Exhortan",
    ],
)
def test_what_opens_the_operative_part(opening: str) -> None:
    assert [kind for kind, _ in paragraphs_from_text(f"Considerando…\n\n{opening} más acción.")] == [PP, OP]


@pytest.mark.parametrize(
    "opening",
    [
        "Encouraged by",
        "Committed to",
        "Resolved to",
        "Invitando a",
        "Instando a",
        "Solicitando",
        "Exhortando a",
    ],
)
def test_a_preambular_participle_is_not_an_operative_verb(opening: str) -> None:
    text = f"{opening} la cooperación regional 🌎;\n\nConsiderando la migración;\n\nAcuerdan fortalecer…"
    assert [kind for kind, _ in paragraphs_from_text(text)] == [PP, PP, OP]


def test_a_paragraph_at_the_limit_is_accepted() -> None:
    block = "ñ" * MAX_PARAGRAPH_CHARS
    assert classify([block]) == [(PP, block)]


def test_an_over_long_paragraph_is_refused() -> None:
    text = "Considerando…\n\n" + "Migración 🌎 " * (MAX_PARAGRAPH_CHARS // 10)
    with pytest.raises(InvalidInput, match="split it and import the draft again") as refused:
        paragraphs_from_text(text)
    assert refused.value.code == "paragraph_too_long"
    assert refused.value.params == {
        "paragraph": 2,
        "characters": len(text.split("\n\n")[1].strip()),
        "limit": MAX_PARAGRAPH_CHARS,
    }


def test_a_docx_file_gives_its_paragraphs_with_styled_headings() -> None:
    data = docx_bytes(
        ("Heading 1", "Gobernanza migratoria"),
        ("Normal", "Reconociendo   la migración\tsegura 🌎;"),
        ("Normal", "   "),
        ("Normal", "Encargan a la Secretaría Técnica un informe."),
    )
    assert paragraphs_from_file(data) == [
        (H, "Gobernanza migratoria"),
        (PP, "Reconociendo la migración segura 🌎;"),
        (OP, "Encargan a la Secretaría Técnica un informe."),
    ]


def test_uploaded_text_in_utf8_or_utf16_with_its_mark() -> None:
    text = "Considerando;\n\nAcuerdan 🌎"
    expected = [(PP, "Considerando;"), (OP, "Acuerdan 🌎")]
    assert paragraphs_from_file(text.encode()) == expected
    assert paragraphs_from_file(b"\xef\xbb\xbf" + text.encode()) == expected
    assert paragraphs_from_file(text.encode("utf-16")) == expected


@pytest.mark.parametrize(
    ("data", "code"),
    [
        ("Migración".encode("latin-1"), "not_utf8"),
        (b"PK\x03\x04broken", "unreadable_draft"),
        (b"texto\x00binario", "unreadable_draft"),
        (b"\n \n", "empty_draft"),
    ],
)
def test_unreadable_uploads_say_what_to_do(data: bytes, code: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        paragraphs_from_file(data)
    assert caught.value.code == code


def test_an_upload_over_the_paragraph_limit_is_refused() -> None:
    with pytest.raises(InvalidInput) as caught:
        paragraphs_from_file(b"Uno\n\nDos\n\nTres", LayoutLimits(max_paragraphs=2))
    assert caught.value.params == {"paragraphs": 3, "limit": 2}


def test_a_docx_that_unpacks_too_large_is_refused_before_it_is_parsed() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("word/document.xml", b"0" * (DOCX_XML_LIMIT + 1))
    with pytest.raises(InvalidInput, match="64 MiB"):
        paragraphs_from_file(out.getvalue())


def test_a_docx_of_countless_empty_paragraphs_is_refused_before_they_are_read() -> None:
    spacing = docx_bytes(("Normal", "Recognizing the contribution of migrants."), *[("Normal", "")] * 40)

    with pytest.raises(InvalidInput) as refused:
        paragraphs_from_file(spacing, LayoutLimits(max_paragraphs=3))

    assert refused.value.code == "too_many_paragraphs"
    assert paragraphs_from_file(spacing, LayoutLimits(max_paragraphs=5)) == [
        (ParagraphKind.PREAMBULAR, "Recognizing the contribution of migrants.")
    ]


def test_the_configured_paragraph_limit_is_the_one_an_import_meets() -> None:
    text = "Considerando la migración;\n\n" + "ñ" * 101
    limits = LayoutLimits(max_paragraph_chars=100)
    with pytest.raises(InvalidInput) as refused:
        paragraphs_from_file(text.encode(), limits)
    assert refused.value.params == {"paragraph": 2, "characters": 101, "limit": 100}
    raised = LayoutLimits(max_paragraph_chars=MAX_PARAGRAPH_CHARS * 2)
    long = "ñ" * (MAX_PARAGRAPH_CHARS + 1)
    assert paragraphs_from_file(long.encode(), raised) == [(PP, long)]
