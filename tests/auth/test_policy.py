from __future__ import annotations

import pytest

from auth.policy import Decision, may_edit_text, may_read_document
from auth.principal import Principal
from drafting.kinds import Role

MEXICO, GUATEMALA, CANADA, IOM = 1, 2, 3, 4
NEGOTIATION = frozenset({MEXICO, GUATEMALA, IOM})
DELEGATIONS = {MEXICO: "MEX", GUATEMALA: "GTM", CANADA: "CAN", IOM: "IOM"}


def principal(role: Role, delegation: int | None) -> Principal:
    return Principal(
        user_id=7,
        email="josé.pérez@minex.gob.gt",
        name="José Pérez",
        role=role,
        delegation_id=delegation,
        delegation_code=DELEGATIONS.get(delegation) if delegation else None,
    )


# role, delegation, may read, may edit the text
CASES = [
    (Role.DELEGATE, GUATEMALA, True, True),
    (Role.HEAD, GUATEMALA, True, True),
    (Role.PPT, MEXICO, True, True),
    (Role.OBSERVER, IOM, True, False),
    (Role.SECRETARIAT, None, True, False),
    (Role.ADMIN, None, True, False),
    (Role.DELEGATE, CANADA, False, False),
    (Role.HEAD, CANADA, False, False),
    (Role.PPT, CANADA, False, False),
    (Role.OBSERVER, CANADA, False, False),
    (Role.DELEGATE, None, False, False),
]


@pytest.mark.parametrize(("role", "delegation", "reads", "edits"), CASES)
def test_who_reads_and_who_edits(role: Role, delegation: int | None, reads: bool, edits: bool) -> None:
    asking = principal(role, delegation)
    assert may_read_document(asking, NEGOTIATION).allowed is reads
    assert may_edit_text(asking, NEGOTIATION).allowed is edits


def test_every_role_is_covered() -> None:
    assert {role for role, *_ in CASES} == set(Role)


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.ADMIN])
def test_staff_read_even_a_negotiation_without_participants(role: Role) -> None:
    assert may_read_document(principal(role, None), frozenset())
    assert not may_edit_text(principal(role, None), NEGOTIATION)


def test_a_secretariat_member_with_a_delegation_still_cannot_edit() -> None:
    assert not may_edit_text(principal(Role.SECRETARIAT, MEXICO), NEGOTIATION)


def test_a_decision_is_truthy_only_when_allowed_and_names_its_rule() -> None:
    allowed = may_read_document(principal(Role.DELEGATE, GUATEMALA), NEGOTIATION)
    refused = may_edit_text(principal(Role.OBSERVER, IOM), NEGOTIATION)
    assert allowed and not refused
    assert isinstance(allowed, Decision)
    assert refused.rule == "only the delegate, head, ppt may edit text; your role is observer"
    assert "does not take part" in may_edit_text(principal(Role.DELEGATE, CANADA), NEGOTIATION).rule


def test_participants_may_be_any_collection() -> None:
    asking = principal(Role.HEAD, GUATEMALA)
    for participants in ([MEXICO, GUATEMALA], {GUATEMALA}, (GUATEMALA,), NEGOTIATION):
        assert may_edit_text(asking, participants)
