"""Opaque credentials: long-lived script tokens and browser sessions.

Only a SHA-256 hash of each secret is stored, so a copy of the database lets nobody sign in. Both kinds
are listable and revocable by their owner; revoking never deletes, so the audit trail keeps them.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from auth.principal import Principal
from auth.tables import ScriptToken
from auth.tables import Session as BrowserSession
from drafting.clock import utcnow
from drafting.models import User

TOKEN_PREFIX = "cst_"
SESSION_TTL = timedelta(hours=12)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


_hash = hash_secret


def _aware(moment: datetime | None) -> datetime | None:
    # SQLite hands back naive datetimes; everything we store is UTC.
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment


def _live(revoked: datetime | None, expires: datetime | None, now: datetime) -> bool:
    expires = _aware(expires)
    return revoked is None and (expires is None or expires > now)


@dataclass(frozen=True)
class CredentialInfo:
    """What a listing shows of a script token or a session; never the secret."""

    id: int
    user_id: int
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    signed_in_via: str | None = None
    user_agent: str | None = None

    @property
    def active(self) -> bool:
        return _live(self.revoked_at, self.expires_at, utcnow())


def create_script_token(session: Session, user: User, ttl: timedelta | None = None) -> str:
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = utcnow() + ttl if ttl is not None else None
    session.add(ScriptToken(user_id=user.id, token_hash=_hash(token), expires_at=expires))
    session.flush()
    return token


def script_token_row(session: Session, token: str) -> ScriptToken | None:
    """The live script token row for `token`, or None (unknown, revoked, expired, inactive user)."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    row = session.scalar(select(ScriptToken).where(ScriptToken.token_hash == _hash(token)))
    if row is None or not row.user.active or not _live(row.revoked_at, row.expires_at, utcnow()):
        return None
    return row


def principal_for_token(session: Session, token: str) -> Principal | None:
    row = script_token_row(session, token)
    return Principal.of(row.user) if row is not None else None


def script_tokens_of(session: Session, user_id: int) -> list[CredentialInfo]:
    rows = session.scalars(select(ScriptToken).where(ScriptToken.user_id == user_id).order_by(ScriptToken.id))
    return [
        CredentialInfo(r.id, r.user_id, _aware(r.created_at) or utcnow(), _aware(r.expires_at), r.revoked_at)
        for r in rows
    ]


def script_token_owner(session: Session, token_id: int) -> int | None:
    row = session.get(ScriptToken, token_id)
    return row.user_id if row is not None else None


def revoke_script_token(session: Session, token_id: int) -> bool:
    """Revoke one script token; False if there is no such token or it was already revoked."""
    result = session.execute(
        update(ScriptToken)
        .where(ScriptToken.id == token_id, ScriptToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def script_token_live(session: Session, token_id: int) -> bool:
    row = session.get(ScriptToken, token_id)
    return row is not None and _live(row.revoked_at, row.expires_at, utcnow())


def open_session(
    session: Session,
    user: User,
    ttl: timedelta = SESSION_TTL,
    *,
    signed_in_via: str | None = None,
    user_agent: str | None = None,
) -> str:
    secret = secrets.token_urlsafe(32)
    session.add(
        BrowserSession(
            user_id=user.id,
            session_hash=_hash(secret),
            expires_at=utcnow() + ttl,
            signed_in_via=signed_in_via,
            user_agent=(user_agent or None) and user_agent[:300],
        )
    )
    session.flush()
    return secret


def session_row(session: Session, secret: str) -> BrowserSession | None:
    """The live session row for the cookie `secret`, or None."""
    row = session.scalar(select(BrowserSession).where(BrowserSession.session_hash == _hash(secret)))
    if row is None or not row.user.active or not _live(row.revoked_at, row.expires_at, utcnow()):
        return None
    return row


def principal_for_session(session: Session, secret: str) -> Principal | None:
    row = session_row(session, secret)
    return Principal.of(row.user) if row is not None else None


def session_live(session: Session, session_id: int) -> bool:
    row = session.get(BrowserSession, session_id)
    return row is not None and _live(row.revoked_at, row.expires_at, utcnow())


def sessions_of(session: Session, user_id: int, *, include_closed: bool = False) -> list[CredentialInfo]:
    rows = session.scalars(
        select(BrowserSession).where(BrowserSession.user_id == user_id).order_by(BrowserSession.id)
    )
    infos = [
        CredentialInfo(
            r.id,
            r.user_id,
            _aware(r.created_at) or utcnow(),
            _aware(r.expires_at),
            r.revoked_at,
            r.signed_in_via,
            r.user_agent,
        )
        for r in rows
    ]
    return infos if include_closed else [info for info in infos if info.active]


def session_owner(session: Session, session_id: int) -> int | None:
    row = session.get(BrowserSession, session_id)
    return row.user_id if row is not None else None


def revoke_session(session: Session, session_id: int) -> bool:
    result = session.execute(
        update(BrowserSession)
        .where(BrowserSession.id == session_id, BrowserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def revoke_user_credentials(session: Session, user_id: int) -> int:
    """Revoke every session and script token of a user (their access tokens die with them)."""
    now = utcnow()
    closed = session.execute(
        update(BrowserSession)
        .where(BrowserSession.user_id == user_id, BrowserSession.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    revoked = session.execute(
        update(ScriptToken)
        .where(ScriptToken.user_id == user_id, ScriptToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(closed.rowcount + revoked.rowcount)  # type: ignore[attr-defined]


def close_session(session: Session, secret: str) -> None:
    session.execute(
        update(BrowserSession)
        .where(BrowserSession.session_hash == _hash(secret), BrowserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )
