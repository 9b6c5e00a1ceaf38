"""Opaque credentials: long-lived script tokens and browser sessions.

Only a SHA-256 hash of each secret is stored, so a copy of the database lets nobody sign in.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from auth.principal import Principal
from auth.tables import ScriptToken
from auth.tables import Session as BrowserSession
from drafting.models import User

TOKEN_PREFIX = "cst_"
SESSION_TTL = timedelta(hours=12)


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything we store is UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def create_script_token(session: Session, user: User, ttl: timedelta | None = None) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = _now() + ttl if ttl is not None else None
    session.add(ScriptToken(user_id=user.id, token_hash=_hash(token), expires_at=expires))
    session.flush()
    return token


def principal_for_token(session: Session, token: str) -> Principal | None:
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(select(ScriptToken).where(ScriptToken.token_hash == _hash(token)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    expires = _aware(row.expires_at)
    if expires is not None and expires <= _now():
        return None
    return Principal.of(row.user)


def open_session(session: Session, user: User, ttl: timedelta = SESSION_TTL) -> str:
    secret = secrets.token_urlsafe(32)
    session.add(BrowserSession(user_id=user.id, session_hash=_hash(secret), expires_at=_now() + ttl))
    session.flush()
    return secret


def principal_for_session(session: Session, secret: str) -> Principal | None:
    row = session.scalar(select(BrowserSession).where(BrowserSession.session_hash == _hash(secret)))
    if row is None or row.revoked_at is not None or not row.user.active:
        return None
    expires = _aware(row.expires_at)
    if expires is None or expires <= _now():
        return None
    return Principal.of(row.user)


def close_session(session: Session, secret: str) -> None:
    session.execute(
        update(BrowserSession)
        .where(BrowserSession.session_hash == _hash(secret), BrowserSession.revoked_at.is_(None))
        .values(revoked_at=_now())
    )
