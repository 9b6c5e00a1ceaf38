"""Restoring a revision on top of the live text: edited, moved, added and deleted paragraphs come back as
the revision had them (deleted ones with new ids), and the consensus rule refuses before anything changes."""

from __future__ import annotations

import pytest
from pycrdt import Doc

from drafting import structure
from drafting.consensus.info import write_document_status
from drafting.errors import Conflict, NotFound
from drafting.kinds import DocumentStatus, ParagraphKind
from drafting.layout import bind, read_paragraphs
from drafting.rendered import render
from drafting.restoring import apply_restore, plan_restore
from tests.drafting.test_amendments import draft


def texts(doc: Doc) -> list[str]:
    return [p.text for p in read_paragraphs(doc)]


def test_a_whole_revision_comes_back_edited_moved_added_and_deleted() -> None:
    doc, ids = draft("Primero 🌎", "Segundo", "Tercero", "Cuarto")
    revision = render(doc)
    with doc.transaction():
        bind(doc)[1][ids[0]].insert(0, "¡Cambiado! ")
        structure.move_paragraph(doc, ids[3], None)
        structure.delete_paragraph(doc, ids[1])
        structure.insert_paragraph(doc, ids[2], ParagraphKind.OPERATIVE, "Nuevo")
    plan = plan_restore(doc, revision)
    with doc.transaction():
        new_ids = apply_restore(doc, plan)
    assert texts(doc) == ["Primero 🌎", "Segundo", "Tercero", "Cuarto"]
    assert list(new_ids) == [ids[1]] and new_ids[ids[1]] != ids[1]  # ids are never reused
    assert plan_restore(doc, render(doc)).empty


def test_one_paragraph_comes_back_and_the_others_stay() -> None:
    doc, ids = draft("Primero", "Segundo")
    revision = render(doc)
    with doc.transaction():
        bind(doc)[1][ids[0]].insert(0, "A ")
        bind(doc)[1][ids[1]].insert(0, "B ")
    with doc.transaction():
        apply_restore(doc, plan_restore(doc, revision, ids[0]))
    assert texts(doc) == ["Primero", "B Segundo"]
    with pytest.raises(NotFound):
        plan_restore(doc, revision, "p000000000000")


def test_locks_silence_and_adoption_refuse_the_restore() -> None:
    doc, ids = draft("Primero", "Segundo")
    revision = render(doc)
    with doc.transaction():
        bind(doc)[1][ids[0]].insert(0, "A ")
        info = bind(doc)[2]
        info[ids[0]] = {**info[ids[0]], "locked": True}
    with pytest.raises(Conflict) as locked:
        plan_restore(doc, revision)
    assert locked.value.code == "paragraph_locked"
    for status, code in (
        (DocumentStatus.UNDER_SILENCE, "document_under_silence"),
        (DocumentStatus.ADOPTED, "document_adopted"),
    ):
        with doc.transaction():
            write_document_status(doc, status)
        with pytest.raises(Conflict) as refused:
            plan_restore(doc, revision, ids[1])
        assert refused.value.code == code
    assert texts(doc) == ["A Primero", "Segundo"]
