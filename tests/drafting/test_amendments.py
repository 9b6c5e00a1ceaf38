"""Amendments re-applied to a text that moved on, written into the CRDT with UTF-8 byte positions."""

from __future__ import annotations

from typing import Any

import pytest
from pycrdt import Doc, Text

from drafting.amendments import (
    AmendmentConflict,
    Plan,
    insert_paragraph_after,
    outcome,
    paragraph,
    rebase,
    rebase_or_refuse,
    replace_text,
)
from drafting.consensus.info import write_document_status
from drafting.errors import Conflict, NotFound
from drafting.kinds import AmendmentKind, DocumentKind, DocumentStatus, ParagraphKind
from drafting.layout import bind, new_draft, read_paragraphs, write_document
from drafting.structure import delete_paragraph

BASE = "Los Estados promoverán una migración segura y ordenada 🌎, con pleno respeto de los derechos."
PROPOSED = (
    "Los Estados promoverán una migración segura, regular y ordenada 🌎, con pleno respeto de los derechos."
)


def draft(*texts: str) -> tuple[Doc[Any], list[str]]:
    doc = new_draft()
    ids = write_document(
        doc,
        title="Declaración",
        kind=DocumentKind.DECLARATION,
        status=DocumentStatus.DRAFT,
        paragraphs=[(ParagraphKind.OPERATIVE, text) for text in texts],
    )
    return doc, ids


def test_an_amendment_applies_after_unrelated_edits_to_the_same_paragraph() -> None:
    current = (
        "¡Sí! Los Estados Miembros promoverán una migración segura y ordenada 🌎, "
        "con pleno respeto de los derechos humanos."
    )
    assert rebase_or_refuse(BASE, PROPOSED, current) == (
        "¡Sí! Los Estados Miembros promoverán una migración segura, regular y ordenada 🌎, "
        "con pleno respeto de los derechos humanos."
    )


def test_a_conflicting_amendment_is_refused_with_a_preview() -> None:
    current = "Los Estados promoverán una movilidad humana ordenada 🌎, con pleno respeto de los derechos."
    rebased = rebase(BASE, PROPOSED, current)
    assert not rebased.clean and rebased.result is None
    assert [hunk.applied for hunk in rebased.hunks] == [False]
    assert "no longer apply" in rebased.explanation()
    with pytest.raises(AmendmentConflict) as refused:
        rebase_or_refuse(BASE, PROPOSED, current)
    assert refused.value.rebased.current == current


def test_all_hunks_or_none() -> None:
    base = "Acuerdan: fortalecer la cooperación regional. Reconocen el aporte de la niñez migrante."
    proposed = (
        "Acuerdan: fortalecer la cooperación técnica regional. Reconocen el aporte de las personas migrantes."
    )
    current = "Acuerdan: fortalecer la cooperación regional. Reconocen el aporte de la infancia refugiada."
    rebased = rebase(base, proposed, current)
    assert rebased.result is None
    assert rebased.hunks[0].applied
    assert not all(hunk.applied for hunk in rebased.hunks)


def test_the_result_is_written_with_minimal_edits_at_utf8_positions() -> None:
    doc, ids = draft("Migración 🌎 segura y ordenada; niñez y adolescencia.")
    text = bind(doc)[1][ids[0]]
    assert isinstance(text, Text)
    edits: list[Any] = []
    text.observe(lambda event: edits.append(event.delta))
    result = rebase_or_refuse(
        "Migración 🌎 segura y ordenada; niñez y adolescencia.",
        "Migración 🌎 segura, regular y ordenada; niñez y adolescencia.",
        str(text),
    )
    with doc.transaction():
        replace_text(doc, ids[0], str(text), result)
    assert str(text) == "Migración 🌎 segura, regular y ordenada; niñez y adolescencia."
    assert edits == [[{"retain": len("Migración 🌎 segura".encode())}, {"insert": ", regular"}]]


def test_replace_refuses_when_the_text_moved_in_between() -> None:
    doc, ids = draft("Niñez migrante")
    with pytest.raises(Conflict), doc.transaction():
        replace_text(doc, ids[0], "Niñez", "Niñez y adolescencia")
    assert read_paragraphs(doc)[0].text == "Niñez migrante"


def test_new_paragraphs_and_deletions() -> None:
    doc, ids = draft("Primero 🌎", "Segundo", "Tercero")
    with doc.transaction():
        new_id = insert_paragraph_after(doc, ids[0], "Nuevo párrafo ✨")
    assert [p.text for p in read_paragraphs(doc)] == ["Primero 🌎", "Nuevo párrafo ✨", "Segundo", "Tercero"]
    assert paragraph(doc, new_id).label == "OP1bis"
    with doc.transaction():
        delete_paragraph(doc, ids[1])
    assert [p.id for p in read_paragraphs(doc)] == [ids[0], new_id, ids[2]]
    with pytest.raises(NotFound):
        paragraph(doc, ids[1])


def plan(paragraph_id: str, kind: AmendmentKind, proposed: str = "Texto propuesto") -> Plan:
    return Plan(1, paragraph_id, kind, "Acordado ad referéndum", proposed, "GTM", 1)


def test_a_locked_paragraph_is_neither_amended_nor_deleted_but_may_be_followed_by_a_new_one() -> None:
    doc, ids = draft("Acordado ad referéndum")
    info = bind(doc)[2]
    with doc.transaction():
        info[ids[0]] = {"label": "OP1", "kind": "operative", "status": "agreed_ad_ref", "locked": True}
    for kind in (AmendmentKind.REPLACE, AmendmentKind.DELETE):
        with pytest.raises(Conflict, match="OP1 is locked") as refused:
            outcome(doc, plan(ids[0], kind))
        assert refused.value.code == "paragraph_locked"
    assert outcome(doc, plan(ids[0], AmendmentKind.NEW_PARAGRAPH)) == (
        "Acordado ad referéndum",
        "Acordado ad referéndum",
    )


@pytest.mark.parametrize(
    ("status", "code"),
    [(DocumentStatus.UNDER_SILENCE, "document_under_silence"), (DocumentStatus.ADOPTED, "document_adopted")],
)
@pytest.mark.parametrize("kind", list(AmendmentKind))
def test_no_amendment_enters_a_text_under_silence_or_adopted(
    status: DocumentStatus, code: str, kind: AmendmentKind
) -> None:
    doc, ids = draft("Acordado ad referéndum")
    with doc.transaction():
        write_document_status(doc, status)
    with pytest.raises(Conflict) as refused:
        outcome(doc, plan(ids[0], kind, "Acordado ad referéndum, con cambios"))
    assert refused.value.code == code
