from __future__ import annotations

from dataclasses import replace

import pytest

from auth.policy import (
    CHAIR_ACTIONS,
    FOR_OWN_DELEGATION,
    Action,
    Decision,
    Scope,
    authorize,
    may_change_account,
    may_edit_text,
    may_read_document,
)
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


# Every action for every role, in a negotiation the asker's delegation takes part in (the PPT's chairs it).
CHAIRED = Scope(participants=NEGOTIATION, chair_id=MEXICO)
HOME = {
    Role.DELEGATE: GUATEMALA,
    Role.HEAD: GUATEMALA,
    Role.PPT: MEXICO,
    Role.OBSERVER: IOM,
    Role.SECRETARIAT: None,
    Role.ADMIN: None,
}
NEGOTIATING = {Role.DELEGATE, Role.HEAD, Role.PPT}
EXPECTED: dict[Action, set[Role]] = {
    Action.READ: NEGOTIATING | {Role.OBSERVER, Role.SECRETARIAT, Role.ADMIN},
    Action.EDIT_TEXT: NEGOTIATING,
    Action.COMMENT: NEGOTIATING,
    Action.DRAFT_POSITION: NEGOTIATING,
    Action.SUBMIT_POSITION: {Role.HEAD, Role.PPT},
    Action.BREAK_SILENCE: {Role.HEAD, Role.PPT},
    Action.RESTRUCTURE: {Role.PPT},
    Action.LOCK: {Role.PPT},
    Action.INCORPORATE: {Role.PPT},
    Action.RUN_SILENCE: {Role.PPT},
    Action.ADOPT: {Role.PPT},
    Action.OPEN_COMMENTS: {Role.PPT},
    Action.RESTORE: {Role.PPT},
    Action.CREATE_NEGOTIATION: {Role.SECRETARIAT},
    Action.CREATE_DOCUMENT: {Role.SECRETARIAT},
    Action.MANAGE_DELEGATIONS: {Role.SECRETARIAT},
    Action.MANAGE_USERS: {Role.SECRETARIAT, Role.ADMIN},
    Action.CREATE_REVISION: {Role.SECRETARIAT, Role.PPT},
    Action.READ_AUDIT: {Role.SECRETARIAT},
    Action.TRANSLATE: {Role.SECRETARIAT},
    Action.EXPORT: NEGOTIATING | {Role.OBSERVER, Role.SECRETARIAT, Role.ADMIN},
    Action.MANAGE_IDENTITY: {Role.ADMIN},
    Action.OWN_CREDENTIALS: set(Role),
    Action.BROWSE: set(Role),
}


def test_the_table_names_every_action_and_role() -> None:
    assert set(EXPECTED) == set(Action)
    assert set(HOME) == set(Role)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_do_exactly_its_actions(role: Role, action: Action) -> None:
    decision = authorize(principal(role, HOME[role]), action, CHAIRED)
    assert decision.allowed is (role in EXPECTED[action]), decision.rule
    assert decision.rule


@pytest.mark.parametrize("action", sorted(CHAIR_ACTIONS))
def test_a_ppt_moderates_only_the_negotiation_its_delegation_chairs(action: Action) -> None:
    elsewhere = Scope(participants=NEGOTIATION, chair_id=GUATEMALA)
    refused = authorize(principal(Role.PPT, MEXICO), action, elsewhere)
    assert not refused
    assert refused.rule.startswith("only the Presidency Pro-Tempore of this negotiation")


@pytest.mark.parametrize("action", sorted(CHAIR_ACTIONS | {Action.READ, Action.EDIT_TEXT, Action.EXPORT}))
def test_a_ppt_outside_the_negotiation_may_do_nothing_in_it(action: Action) -> None:
    outside = Scope(participants=frozenset({GUATEMALA, IOM}), chair_id=MEXICO)
    assert not authorize(principal(Role.PPT, CANADA), action, outside)


def test_observers_comment_only_where_the_ppt_opened_comments() -> None:
    observer = principal(Role.OBSERVER, IOM)
    closed = authorize(observer, Action.COMMENT, CHAIRED)
    assert not closed and "opened comments" in closed.rule
    assert authorize(observer, Action.COMMENT, replace(CHAIRED, observers_may_comment=True))
    assert not authorize(observer, Action.EDIT_TEXT, replace(CHAIRED, observers_may_comment=True))


@pytest.mark.parametrize("action", sorted(FOR_OWN_DELEGATION))
def test_positions_and_silence_are_only_for_ones_own_delegation(action: Action) -> None:
    head = principal(Role.HEAD, GUATEMALA)
    assert authorize(head, action, replace(CHAIRED, for_delegation=GUATEMALA))
    refused = authorize(head, action, replace(CHAIRED, for_delegation=MEXICO))
    assert not refused
    assert refused.rule == f"you may {action.value.replace('_', ' ')} only for your own delegation"


def test_staff_actions_need_no_scope_and_staff_never_negotiate() -> None:
    secretariat = principal(Role.SECRETARIAT, None)
    assert authorize(secretariat, Action.CREATE_NEGOTIATION)
    assert not authorize(principal(Role.PPT, MEXICO), Action.CREATE_NEGOTIATION, CHAIRED)
    refused = authorize(secretariat, Action.SUBMIT_POSITION, CHAIRED)
    assert not refused and "does not negotiate" in refused.rule


def test_nobody_without_a_delegation_negotiates() -> None:
    for role in (Role.DELEGATE, Role.HEAD, Role.PPT, Role.OBSERVER):
        assert not authorize(principal(role, None), Action.READ, CHAIRED)


def test_a_ppt_makes_revisions_only_where_it_chairs() -> None:
    ppt = principal(Role.PPT, MEXICO)
    assert authorize(ppt, Action.CREATE_REVISION, CHAIRED)
    refused = authorize(ppt, Action.CREATE_REVISION, Scope(participants=NEGOTIATION, chair_id=GUATEMALA))
    assert not refused and "Presidency Pro-Tempore of this negotiation" in refused.rule
    assert not authorize(ppt, Action.CREATE_REVISION)  # no negotiation named: the Secretariat's alone
    assert authorize(principal(Role.SECRETARIAT, None), Action.CREATE_REVISION)


def test_only_an_administrator_touches_the_admin_role() -> None:
    staff = principal(Role.SECRETARIAT, None)
    admin = principal(Role.ADMIN, None)
    assert may_change_account(staff, 9, Role.DELEGATE, Role.HEAD, access=True)
    assert not may_change_account(staff, 9, Role.DELEGATE, Role.ADMIN, access=True)
    assert not may_change_account(staff, 9, Role.ADMIN, Role.DELEGATE, access=True)
    assert not may_change_account(staff, 9, Role.ADMIN, Role.ADMIN, access=False)  # not even a new name
    assert may_change_account(admin, 9, Role.DELEGATE, Role.ADMIN, access=True)


def test_nobody_changes_their_own_access_but_may_rename_themselves() -> None:
    admin = principal(Role.ADMIN, None)  # user 7
    refused = may_change_account(admin, 7, Role.ADMIN, Role.SECRETARIAT, access=True)
    assert not refused and "your own" in refused.rule
    assert may_change_account(admin, 7, Role.ADMIN, Role.ADMIN, access=False)
