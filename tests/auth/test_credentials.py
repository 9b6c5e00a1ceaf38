from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

import auth.credentials
from auth.credentials import (
    TOKEN_PREFIX,
    close_session,
    create_script_token,
    open_session,
    principal_for_session,
    principal_for_token,
)
from auth.principal import Principal
from auth.tables import ScriptToken
from auth.tables import Session as BrowserSession
from drafting.catalogue import add_delegation, add_user, user_by_email
from drafting.kinds import DelegationKind, Role

HEAD = "andrés.ramírez@cancillería.mx"
START = datetime(2015, 11, 11, 9, 0, tzinfo=UTC)


class Clock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    clock = Clock()
    monkeypatch.setattr(auth.credentials, "utcnow", clock)
    return clock


@pytest.fixture
def users(engine: Engine) -> Engine:
    with Session(engine) as session, session.begin():
        add_delegation(session, "MEX", "México", DelegationKind.MEMBER_STATE)
        add_user(session, HEAD, "Andrés Ramírez 🇲🇽", Role.HEAD, "MEX")
        add_user(session, "secretaría@rcm.int", "Secretaría Técnica", Role.SECRETARIAT)
    return engine


def token_for(engine: Engine, email: str, ttl: timedelta | None = None) -> str:
    with Session(engine) as session, session.begin():
        return create_script_token(session, user_by_email(session, email), ttl)


def session_for(engine: Engine, email: str, ttl: timedelta | None = None) -> str:
    with Session(engine) as session, session.begin():
        user = user_by_email(session, email)
        return open_session(session, user) if ttl is None else open_session(session, user, ttl)


def by_token(engine: Engine, token: str) -> Principal | None:
    """A lookup as a request makes it: in a session of its own."""
    with Session(engine) as session:
        return principal_for_token(session, token)


def by_session(engine: Engine, secret: str) -> Principal | None:
    with Session(engine) as session:
        return principal_for_session(session, secret)


def test_a_token_finds_its_user(users: Engine) -> None:
    token = token_for(users, HEAD)
    assert token.startswith(TOKEN_PREFIX)
    principal = by_token(users, token)
    assert principal is not None
    assert (principal.email, principal.name, principal.role) == (HEAD, "Andrés Ramírez 🇲🇽", Role.HEAD)
    assert principal.delegation_code == "MEX"
    with Session(users) as session:
        assert principal.delegation_id == user_by_email(session, HEAD).delegation_id


def test_tokens_are_distinct(users: Engine) -> None:
    assert len({token_for(users, HEAD) for _ in range(5)}) == 5


@pytest.mark.parametrize("forged", ["", "cst_", "cst_nope", "no-prefix", "cst_ñandú🌎"])
def test_an_unknown_token_finds_nobody(users: Engine, forged: str) -> None:
    token_for(users, HEAD)
    assert by_token(users, forged) is None


def test_a_token_without_its_prefix_finds_nobody(users: Engine) -> None:
    token = token_for(users, HEAD)
    assert by_token(users, token.removeprefix(TOKEN_PREFIX)) is None


def test_only_a_hash_of_a_token_is_stored(users: Engine) -> None:
    token = token_for(users, HEAD)
    with users.connect() as connection:
        stored = [str(value) for row in connection.execute(select(ScriptToken.__table__)) for value in row]
    assert hashlib.sha256(token.encode()).hexdigest() in stored
    assert not any(token.removeprefix(TOKEN_PREFIX) in value for value in stored)


def test_only_a_hash_of_a_session_is_stored(users: Engine) -> None:
    secret = session_for(users, HEAD)
    with users.connect() as connection:
        stored = [str(value) for row in connection.execute(select(BrowserSession.__table__)) for value in row]
    assert hashlib.sha256(secret.encode()).hexdigest() in stored
    assert not any(secret in value for value in stored)


def test_a_token_expires_after_its_ttl(users: Engine, clock: Clock) -> None:
    token = token_for(users, HEAD, ttl=timedelta(hours=1))
    clock.now = START + timedelta(minutes=59, seconds=59)
    assert by_token(users, token) is not None
    clock.now = START + timedelta(hours=1)
    assert by_token(users, token) is None


def test_a_token_without_ttl_does_not_expire(users: Engine, clock: Clock) -> None:
    token = token_for(users, HEAD)
    clock.now = START + timedelta(days=3650)
    assert by_token(users, token) is not None


def test_a_revoked_token_finds_nobody(users: Engine, clock: Clock) -> None:
    token = token_for(users, HEAD)
    with Session(users) as other, other.begin():
        other.scalars(select(ScriptToken)).one().revoked_at = START
    assert by_token(users, token) is None


def test_an_inactive_user_signs_in_with_nothing(users: Engine) -> None:
    token = token_for(users, HEAD)
    secret = session_for(users, HEAD)
    with Session(users) as other, other.begin():
        user_by_email(other, HEAD).active = False
    assert by_token(users, token) is None
    assert by_session(users, secret) is None


def test_a_session_finds_its_user_until_closed(users: Engine) -> None:
    secret = session_for(users, "secretaría@rcm.int")
    principal = by_session(users, secret)
    assert principal is not None
    assert (principal.role, principal.delegation_id, principal.delegation_code) == (
        Role.SECRETARIAT,
        None,
        None,
    )
    with Session(users) as other, other.begin():
        close_session(other, secret)
    assert by_session(users, secret) is None
    with Session(users) as other, other.begin():
        close_session(other, secret)
        close_session(other, "never-opened")


def test_closing_one_session_leaves_the_others_open(users: Engine) -> None:
    first, second = session_for(users, HEAD), session_for(users, HEAD)
    with Session(users) as other, other.begin():
        close_session(other, first)
    assert by_session(users, first) is None
    assert by_session(users, second) is not None


def test_a_session_expires_after_its_ttl(users: Engine, clock: Clock) -> None:
    default = session_for(users, HEAD)
    short = session_for(users, HEAD, ttl=timedelta(minutes=5))
    clock.now = START + timedelta(minutes=4)
    assert by_session(users, short) is not None
    clock.now = START + timedelta(minutes=5)
    assert by_session(users, short) is None
    assert by_session(users, default) is not None
    clock.now = START + auth.credentials.SESSION_TTL
    assert by_session(users, default) is None


def test_a_token_is_not_a_session_and_a_session_is_not_a_token(users: Engine) -> None:
    token, secret = token_for(users, HEAD), session_for(users, HEAD)
    assert by_session(users, token) is None
    assert by_token(users, secret) is None
    assert by_token(users, TOKEN_PREFIX + secret) is None
