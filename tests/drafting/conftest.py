from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from drafting.catalogue import add_delegation, create_document, create_negotiation
from drafting.kinds import DelegationKind, DocumentKind, ParagraphKind
from tests.drafting.guard_room import Room, room_fixture


@dataclass(frozen=True)
class Registered:
    negotiation_id: int
    declaration_id: int
    plan_id: int


@pytest.fixture
def registered(engine: Engine) -> Registered:
    """Two delegations, one negotiation and two documents (each with update 1 of its log)."""
    return register(engine)


def register(engine: Engine) -> Registered:
    with Session(engine) as session, session.begin():
        add_delegation(session, "MEX", "México", DelegationKind.MEMBER_STATE)
        add_delegation(session, "GTM", "Guatemala", DelegationKind.MEMBER_STATE)
        negotiation = create_negotiation(session, "Reunión Viceministerial 🌎", "MEX")
        declaration = create_document(
            session,
            negotiation.id,
            DocumentKind.DECLARATION,
            "Declaración",
            [(ParagraphKind.OPERATIVE, "Acuerdan fortalecer la cooperación;")],
        )
        plan = create_document(session, negotiation.id, DocumentKind.PLAN_OF_ACTION, "Plan de Acción")
        return Registered(negotiation.id, declaration.id, plan.id)


@pytest.fixture
def room() -> Iterator[Room]:
    """A guarded declaration of three paragraphs, PP1 locked (tests/drafting/guard_room.py)."""
    yield from room_fixture()
