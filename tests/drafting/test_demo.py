from __future__ import annotations

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from drafting.catalogue import documents_for, user_by_email
from drafting.demo import CHAIR, DELEGATIONS, DOCUMENTS, NEGOTIATION, USERS, load_demo
from drafting.kinds import ParagraphKind
from drafting.languages import Languages, read_languages, read_version, stale_list
from drafting.layout import read_paragraphs
from drafting.models import (
    Delegation,
    Document,
    DocumentUpdate,
    Negotiation,
    User,
    participants,
)
from drafting.store import Store

TABLES = [Delegation.__table__, User.__table__, Negotiation.__table__, participants, Document.__table__]


def counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as connection:
        counted = {t.name: connection.scalar(select(func.count()).select_from(t)) or 0 for t in TABLES}
        counted["document_updates"] = connection.scalar(select(func.count()).select_from(DocumentUpdate)) or 0
    return counted


@pytest.fixture
def demo(engine: Engine) -> Engine:
    with Session(engine) as session, session.begin():
        load_demo(session)
    return engine


def test_the_demo_loads_the_rcm(demo: Engine) -> None:
    assert counts(demo) == {
        "delegations": len(DELEGATIONS),
        "users": len(USERS),
        "negotiations": 1,
        "negotiation_participants": len(DELEGATIONS),
        "documents": len(DOCUMENTS),
        "document_updates": len(DOCUMENTS),
    }
    with Session(demo) as session:
        negotiation = session.scalars(select(Negotiation)).one()
        assert (negotiation.title, negotiation.chair.code) == (NEGOTIATION, CHAIR)
        assert user_by_email(session, "ppt@demo.consenso").name == "Lucía Hernández (PPT, Mexico)"


def test_loading_the_demo_twice_creates_nothing_new(demo: Engine) -> None:
    before = counts(demo)
    with Session(demo) as session, session.begin():
        load_demo(session)
    assert counts(demo) == before


def test_the_demo_documents_read_as_negotiated_text(demo: Engine) -> None:
    with Session(demo) as session:
        documents = list(session.scalars(select(Document).order_by(Document.id)))
    for document in documents:
        paragraphs = read_paragraphs(Store(demo).load(document.id).to_doc())
        kinds = {paragraph.kind for paragraph in paragraphs}
        assert ParagraphKind.OPERATIVE in kinds
        assert all(paragraph.text.strip() for paragraph in paragraphs)
        assert all(
            (paragraph.label == "") == (paragraph.kind is ParagraphKind.HEADING) for paragraph in paragraphs
        )
    declaration = read_paragraphs(Store(demo).load(documents[0].id).to_doc())
    assert "Pro-Témpore" in " ".join(paragraph.text for paragraph in declaration)


def test_every_demo_user_sees_the_demo_documents(demo: Engine) -> None:
    with Session(demo) as session:
        for email, *_ in USERS:
            assert len(documents_for(session, user_by_email(session, email))) == len(DOCUMENTS), email


def test_the_declaration_is_in_english_with_its_spanish_version_up_to_date(demo: Engine) -> None:
    doc = Store(demo).load(1).to_doc()
    assert read_languages(doc) == Languages("en", ("es",))
    spanish = read_version(doc, "es")
    paragraphs = read_paragraphs(doc)
    assert set(spanish) == {p.id for p in paragraphs}
    assert spanish[paragraphs[0].id].startswith("Los Viceministros y Jefes de Delegación")
    assert spanish[paragraphs[6].id] == "I. Diálogo Viceministerial: estructura y definición"
    assert stale_list(doc) == []
    assert read_languages(Store(demo).load(2).to_doc()) is None  # the Plan of Action has one text
