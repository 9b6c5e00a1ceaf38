from __future__ import annotations

import pytest

from drafting.errors import InvalidInput
from drafting.importing import MAX_PARAGRAPH_CHARS, classify, paragraphs_from_text, split_blocks
from drafting.kinds import ParagraphKind

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
    with pytest.raises(InvalidInput, match=str(MAX_PARAGRAPH_CHARS)):
        paragraphs_from_text(text)
