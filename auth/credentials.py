"""Opaque credentials: long-lived script tokens and browser sessions.

Only a SHA-256 hash of each secret is stored, so a copy of the database lets nobody sign in. Both kinds
are listable and revocable by their owner; revoking never deletes, so the audit trail keeps them. Every
revocation notes its ending in the transaction (auth/endings.py), so what the credential opened closes.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import CompoundSelect, Row, Select, String, literal_column, select, union_all, update
from sqlalchemy.orm import Session

from auth.endings import Credential, CredentialKind, Ending, EndReason, Standing, note_ending
from auth.principal import Principal
from auth.tables import ScriptToken
from auth.tables import Session as BrowserSession
from drafting import audit
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
    owner = session.scalar(
        update(ScriptToken)
        .where(ScriptToken.id == token_id, ScriptToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .returning(ScriptToken.user_id)
    )
    if owner is None:
        return False
    note_ending(session, Ending(EndReason.REVOKED, owner, Credential(CredentialKind.SCRIPT_TOKEN, token_id)))
    return True


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
    audit.record(session, user.id, "signed_in", f"user/{user.id}", f"via {signed_in_via or 'a session'}")
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
    owner = session.scalar(
        update(BrowserSession)
        .where(BrowserSession.id == session_id, BrowserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .returning(BrowserSession.user_id)
    )
    if owner is None:
        return False
    note_ending(session, Ending(EndReason.REVOKED, owner, Credential(CredentialKind.SESSION, session_id)))
    return True


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
    note_ending(session, Ending(EndReason.REVOKED, user_id))
    return int(closed.rowcount + revoked.rowcount)  # type: ignore[attr-defined]


def close_session(session: Session, secret: str) -> None:
    """Sign out: end the session whose cookie is `secret`, if it is open."""
    closed = session.execute(
        update(BrowserSession)
        .where(BrowserSession.session_hash == _hash(secret), BrowserSession.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .returning(BrowserSession.id, BrowserSession.user_id)
    ).first()
    if closed is not None:
        credential = Credential(CredentialKind.SESSION, closed.id)
        note_ending(session, Ending(EndReason.SIGNED_OUT, closed.user_id, credential))


# -- what open connections stand on ---------------------------------------------------------------------

CHECKED_AT_ONCE = 500  # credentials per query: well below every database's limit on bound parameters


def standing_of(row: ScriptToken | BrowserSession) -> Standing:
    kind = CredentialKind.SCRIPT_TOKEN if isinstance(row, ScriptToken) else CredentialKind.SESSION
    return Standing.of(row.user, Credential(kind, row.id), _aware(row.expires_at))


def credential_standing(session: Session, credential: Credential) -> Standing | None:
    """The standing of a stored credential that is live and whose user is active, else None."""
    row: ScriptToken | BrowserSession | None
    if credential.kind is CredentialKind.SCRIPT_TOKEN:
        row = session.get(ScriptToken, credential.id)
    else:
        row = session.get(BrowserSession, credential.id)
    if row is None or not row.user.active or not _live(row.revoked_at, row.expires_at, utcnow()):
        return None
    return standing_of(row)


def ended_standings(
    session: Session, standings: Collection[Standing], now: datetime | None = None
) -> dict[Standing, EndReason]:
    """Which of `standings` no longer stand, and why: one query for every CHECKED_AT_ONCE of them."""
    now = now or utcnow()
    ended = {s: EndReason.EXPIRED for s in standings if s.expires_at is not None and s.expires_at <= now}
    rest = [s for s in standings if s not in ended]
    for start in range(0, len(rest), CHECKED_AT_ONCE):
        chunk = rest[start : start + CHECKED_AT_ONCE]
        rows = {(row.kind, row.id): row for row in session.execute(_standing_query(chunk))}
        for standing in chunk:
            row = rows.get((standing.credential.kind.value, standing.credential.id))
            reason = _why_ended(standing, row, now)
            if reason is not None:
                ended[standing] = reason
    return ended


_Rows = tuple[object, ...]


def _standing_query(standings: Collection[Standing]) -> CompoundSelect[*_Rows]:
    def of(table: type[ScriptToken] | type[BrowserSession], kind: CredentialKind) -> Select[*_Rows]:
        ids = [s.credential.id for s in standings if s.credential.kind is kind]
        return (
            select(
                # A constant of our own enum, not a parameter: PostgreSQL cannot type a bare one in a UNION.
                literal_column(f"'{kind.value}'", String).label("kind"),
                table.id,
                table.user_id,
                table.revoked_at,
                table.expires_at,
                User.active,
                User.role,
                User.delegation_id,
            )
            .join(User, User.id == table.user_id)
            .where(table.id.in_(ids))
        )

    return union_all(of(ScriptToken, CredentialKind.SCRIPT_TOKEN), of(BrowserSession, CredentialKind.SESSION))


def _why_ended(standing: Standing, row: Row[*_Rows] | None, now: datetime) -> EndReason | None:
    if row is None or row.user_id != standing.user_id or row.revoked_at is not None:
        return EndReason.REVOKED
    if not row.active:
        return EndReason.ACCOUNT_DISABLED
    expires = _aware(row.expires_at)
    if expires is not None and expires <= now:
        return EndReason.EXPIRED
    if (row.role, row.delegation_id) != (standing.role, standing.delegation_id):
        return EndReason.ACCOUNT_CHANGED
    return None
