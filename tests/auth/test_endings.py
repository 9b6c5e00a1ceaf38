"""Endings noted where credentials end, and the one-query check of what open connections stand on."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, event, select
from sqlalchemy.orm import Session

from auth.credentials import (
    close_session,
    create_script_token,
    ended_standings,
    open_session,
    revoke_script_token,
    revoke_session,
    revoke_user_credentials,
    script_token_row,
    session_row,
    standing_of,
)
from auth.endings import (
    Credential,
    CredentialKind,
    Ending,
    EndReason,
    Standing,
    access_changed,
    noted_endings,
)
from drafting.catalogue import add_delegation, add_user, user_by_email
from drafting.kinds import DelegationKind, Role
from drafting.models import Delegation, User

HEAD = "andrés.ramírez@cancillería.mx"


@pytest.fixture
def users(engine: Engine) -> Engine:
    with Session(engine) as session, session.begin():
        add_delegation(session, "MEX", "México", DelegationKind.MEMBER_STATE)
        add_delegation(session, "GTM", "Guatemala", DelegationKind.MEMBER_STATE)
        add_user(session, HEAD, "Andrés Ramírez 🇲🇽", Role.HEAD, "MEX")
    return engine


def standings(engine: Engine, count: int = 1) -> tuple[list[Standing], list[Standing]]:
    """`count` script tokens and `count` sessions of the head of delegation, as connections hold them."""
    with Session(engine) as session, session.begin():
        user = user_by_email(session, HEAD)
        tokens = [create_script_token(session, user) for _ in range(count)]
        secrets = [open_session(session, user) for _ in range(count)]
        by_token = [standing_of(row) for t in tokens if (row := script_token_row(session, t)) is not None]
        by_session = [standing_of(row) for s in secrets if (row := session_row(session, s)) is not None]
    return by_token, by_session


def test_every_revocation_notes_what_it_ended_and_a_rollback_forgets_it(users: Engine) -> None:
    (token,), (browser,) = standings(users)
    with Session(users) as session:
        with session.begin():
            assert revoke_script_token(session, token.credential.id)
            assert not revoke_script_token(session, token.credential.id)  # already revoked: nothing new
            assert revoke_session(session, browser.credential.id)
            revoke_user_credentials(session, token.user_id)
        assert noted_endings(session) == [
            Ending(EndReason.REVOKED, token.user_id, token.credential),
            Ending(EndReason.REVOKED, token.user_id, browser.credential),
            Ending(EndReason.REVOKED, token.user_id),
        ]
        assert noted_endings(session) == []  # taken out once
    with Session(users) as session:
        with pytest.raises(RuntimeError), session.begin():
            secret = open_session(session, user_by_email(session, HEAD))
            close_session(session, secret)
            assert noted_endings(session)[0].reason is EndReason.SIGNED_OUT
            access_changed(session, token.user_id)
            raise RuntimeError("the transaction fails")
        assert noted_endings(session) == []


def test_a_changed_account_is_noted_as_changed_or_disabled(users: Engine) -> None:
    with Session(users) as session, session.begin():
        user = user_by_email(session, HEAD)
        user.role = Role.DELEGATE
        access_changed(session, user.id)
        user.active = False
        access_changed(session, user.id)
        assert [e.reason for e in noted_endings(session)] == [
            EndReason.ACCOUNT_CHANGED,
            EndReason.ACCOUNT_DISABLED,
        ]


def test_standings_that_still_stand_are_not_ended(users: Engine) -> None:
    by_token, by_session = standings(users)
    with Session(users) as session:
        assert ended_standings(session, [*by_token, *by_session]) == {}


def test_the_check_finds_each_way_a_standing_ends(users: Engine) -> None:
    (revoked, expired, moved, kept), (signed_out, expiring, disabled, _) = standings(users, 4)
    now = datetime.now(UTC)
    gone = Standing(Credential(CredentialKind.SCRIPT_TOKEN, 999_999), revoked.user_id, Role.HEAD, 1, None)
    short = expired.until(now - timedelta(seconds=1))  # an access token that has expired
    with Session(users) as session, session.begin():
        revoke_script_token(session, revoked.credential.id)
        revoke_session(session, signed_out.credential.id)
    with Session(users) as session:
        found = ended_standings(session, [revoked, short, moved, kept, signed_out, gone], now)
    assert found == {
        revoked: EndReason.REVOKED,
        short: EndReason.EXPIRED,
        signed_out: EndReason.REVOKED,
        gone: EndReason.REVOKED,
    }
    with Session(users) as session:
        later = now + timedelta(days=1)  # past every session's twelve hours
        assert ended_standings(session, [expiring], later) == {expiring: EndReason.EXPIRED}
    with Session(users) as session, session.begin():
        user = session.get(User, moved.user_id)
        assert user is not None
        user.delegation_id = session.scalars(select(Delegation.id).where(Delegation.code == "GTM")).one()
    with Session(users) as session:
        assert ended_standings(session, [moved, kept]) == {
            moved: EndReason.ACCOUNT_CHANGED,
            kept: EndReason.ACCOUNT_CHANGED,
        }
    with Session(users) as session, session.begin():
        user = session.get(User, disabled.user_id)
        assert user is not None
        user.active = False
    with Session(users) as session:
        assert ended_standings(session, [disabled]) == {disabled: EndReason.ACCOUNT_DISABLED}


def test_the_check_is_one_query_for_hundreds_of_connections(users: Engine) -> None:
    by_token, by_session = standings(users, 300)
    statements: list[str] = []
    event.listen(users, "before_cursor_execute", lambda *args: statements.append(args[2]))
    with Session(users) as session:
        assert ended_standings(session, [*by_token, *by_session]) == {}
    selects = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 2  # 600 standings: two chunks of at most 500
