"""Positions: drafts inside the delegation, immutable submitted versions, stale revisions refused."""

from __future__ import annotations

from typing import Any

import pytest
from pycrdt import Doc
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from drafting import positions
from drafting.catalogue import user_by_email
from drafting.consensus.info import write_document_status
from drafting.demo import load_demo
from drafting.errors import Conflict, InvalidInput, NotFound
from drafting.kinds import AmendmentKind, DocumentStatus, Stance
from drafting.layout import read_paragraphs
from drafting.positions import Proposal
from drafting.store import Store

HEAD_MEX, DELEGATE_MEX, HEAD_GTM = (
    "head.mex@demo.consenso",
    "delegate.mex@demo.consenso",
    "head.gtm@demo.consenso",
)


@pytest.fixture
def demo(engine: Engine) -> tuple[Engine, Doc[Any], str]:
    with Session(engine) as session, session.begin():
        load_demo(session)
    doc = Store(engine).load(1).to_doc()
    return engine, doc, read_paragraphs(doc)[2].id


def amendment(text: str) -> Proposal:
    return Proposal(Stance.AMEND, AmendmentKind.REPLACE, text, "Precisión 🌎")


def test_a_draft_is_seen_only_inside_its_delegation(demo: tuple[Engine, Doc[Any], str]) -> None:
    engine, doc, paragraph_id = demo
    with Session(engine) as session, session.begin():
        delegate = user_by_email(session, DELEGATE_MEX)
        position = positions.save_draft(session, doc, 1, paragraph_id, delegate, amendment("Texto nuevo ñ"))
        own = positions.position_json(session, position, delegate.delegation_id)
        assert own["draft"]["proposed_text"] == "Texto nuevo ñ" and own["submitted"] is None
        other = positions.position_json(session, position, user_by_email(session, HEAD_GTM).delegation_id)
        assert "draft" not in other


def test_versions_are_immutable_and_stale_revisions_refused(demo: tuple[Engine, Doc[Any], str]) -> None:
    engine, doc, paragraph_id = demo
    current = read_paragraphs(doc)[2].text
    with Session(engine) as session, session.begin():
        head, delegate = user_by_email(session, HEAD_MEX), user_by_email(session, DELEGATE_MEX)
        positions.save_draft(session, doc, 1, paragraph_id, delegate, amendment(current + " ✨"))
        first = positions.submit(session, doc, 1, paragraph_id, head, revises=0)
        assert (first.number, first.base_text, first.submitted_by.email) == (1, current, HEAD_MEX)
        second = positions.submit(session, doc, 1, paragraph_id, head, 1, Proposal(Stance.SUPPORT))
        with pytest.raises(Conflict, match="stale"):
            positions.submit(session, doc, 1, paragraph_id, head, 1, Proposal(Stance.OPPOSE))
        withdrawn = positions.withdraw(session, doc, 1, paragraph_id, head, revises=2)
        assert (withdrawn.number, withdrawn.withdrawn, withdrawn.stance) == (3, True, Stance.NONE)
        compared = positions.compare(first, second)
        assert compared["stance_changed"] and {"op": "delete", "text": " ✨"} in compared["text"]
        first_id = first.id
    with Session(engine) as session:
        version = positions.version_by_id(session, 1, first_id)
        version.justification = "reescrito"
        with pytest.raises(Conflict, match="cannot be altered"):
            session.flush()
        session.rollback()
        session.delete(positions.version_by_id(session, 1, first_id))
        with pytest.raises(Conflict, match="cannot be altered"):
            session.flush()


def test_incomplete_or_oversized_proposals_are_refused(demo: tuple[Engine, Doc[Any], str]) -> None:
    engine, doc, paragraph_id = demo
    with Session(engine) as session, session.begin():
        head = user_by_email(session, HEAD_MEX)
        for bad in (
            Proposal(Stance.AMEND),
            Proposal(Stance.AMEND, AmendmentKind.REPLACE, "  "),
            Proposal(Stance.AMEND, AmendmentKind.REPLACE, "x" * 20_001),
            Proposal(Stance.SUPPORT, None, "texto"),
            Proposal(Stance.AMEND, AmendmentKind.DELETE, "texto"),
        ):
            with pytest.raises(InvalidInput):
                positions.submit(session, doc, 1, paragraph_id, head, 0, bad)
        with pytest.raises(NotFound):
            positions.submit(session, doc, 1, "p000000000000", head, 0, Proposal(Stance.SUPPORT))
        with pytest.raises(InvalidInput, match="no draft"):
            positions.submit(session, doc, 1, paragraph_id, head, 0)


def test_an_adopted_document_takes_no_new_positions(demo: tuple[Engine, Doc[Any], str]) -> None:
    engine, doc, paragraph_id = demo
    with Session(engine) as session, session.begin():
        head, delegate = user_by_email(session, HEAD_MEX), user_by_email(session, DELEGATE_MEX)
        positions.save_draft(session, doc, 1, paragraph_id, delegate, Proposal(Stance.SUPPORT))
        first = positions.submit(session, doc, 1, paragraph_id, head, revises=0)
        with doc.transaction():
            write_document_status(doc, DocumentStatus.ADOPTED)
        with pytest.raises(Conflict, match="adopted") as refused:
            positions.save_draft(session, doc, 1, paragraph_id, delegate, Proposal(Stance.OPPOSE))
        assert refused.value.code == "document_adopted"
        with pytest.raises(Conflict, match="adopted"):
            positions.submit(session, doc, 1, paragraph_id, head, first.number, Proposal(Stance.OPPOSE))
        with pytest.raises(Conflict, match="adopted"):
            positions.withdraw(session, doc, 1, paragraph_id, head, revises=first.number)
