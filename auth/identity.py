"""Who a sign-in is: pending sign-ins kept server-side, and first sign-in provisioning.

A user is found by (issuer, subject), never by e-mail. An unknown (issuer, subject) gets in only if
  - it is the first administrator named in configuration (CONSENSO_FIRST_ADMIN="ISSUER SUBJECT"), or
  - its provider links by e-mail, the e-mail is verified, and an administrator added a user with that
    e-mail who has never signed in (the link is made once; afterwards only (issuer, subject) counts), or
  - its provider pre-fills roles and its claims name a role and a delegation (never the admin role).
Everyone else is refused with one message that does not tell whether an account exists.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from auth.credentials import hash_secret
from auth.oidc import AuthorizationRequest, Identity, ProviderConfig, SignInError
from auth.tables import PendingSignIn
from drafting.clock import utcnow
from drafting.kinds import Role
from drafting.models import Delegation, User

PENDING_TTL = timedelta(minutes=10)
ROLE_CLAIM = "consenso_role"
DELEGATION_CLAIM = "consenso_delegation"


class NotRegistered(SignInError):
    def __init__(self) -> None:
        super().__init__(
            "You signed in with your organization, but Consenso has no account for you. Ask the "
            "Technical Secretariat to add you, then sign in again."
        )


class AccountDisabled(SignInError):
    def __init__(self) -> None:
        super().__init__("This Consenso account is disabled. Ask the Technical Secretariat.")


@dataclass(frozen=True)
class FirstAdmin:
    issuer: str
    subject: str

    @classmethod
    def parse(cls, raw: str) -> FirstAdmin | None:
        """ "ISSUER SUBJECT" (CONSENSO_FIRST_ADMIN), one space between them; None if empty."""
        raw = raw.strip()
        if not raw:
            return None
        issuer, _, subject = raw.partition(" ")
        if not issuer.startswith(("https://", "http://")) or not subject.strip() or " " in subject.strip():
            raise ValueError("it must be the identity provider's issuer URL, one space, and the subject")
        return cls(issuer, subject.strip())


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def new_browser_secret() -> str:
    return secrets.token_urlsafe(32)


def remember_sign_in(
    session: Session, browser_secret: str, provider: str, request: AuthorizationRequest
) -> None:
    """Keep what the callback must match, bound to the browser that started it."""
    now = utcnow()
    session.execute(delete(PendingSignIn).where(PendingSignIn.expires_at < now))
    session.add(
        PendingSignIn(
            state_hash=hash_secret(request.state),
            browser_hash=hash_secret(browser_secret),
            provider=provider,
            nonce=request.nonce,
            code_verifier=request.code_verifier,
            redirect_uri=request.redirect_uri,
            created_at=now,
            expires_at=now + PENDING_TTL,
        )
    )
    session.flush()


def take_sign_in(
    session: Session, state: str, browser_secret: str, provider: str
) -> AuthorizationRequest | None:
    """The pending sign-in `state` names, used up; None unless it is this browser's, for this provider,
    and not expired."""
    row = session.get(PendingSignIn, hash_secret(state))
    if row is None:
        return None
    session.delete(row)
    session.flush()
    if (
        not secrets.compare_digest(row.browser_hash, hash_secret(browser_secret))
        or row.provider != provider
        or _aware(row.expires_at) <= utcnow()
    ):
        return None
    return AuthorizationRequest("", state, row.nonce, row.code_verifier, row.redirect_uri)


def user_for_identity(
    session: Session, identity: Identity, provider: ProviderConfig, first_admin: FirstAdmin | None
) -> User:
    """The user this sign-in is, provisioned on a first sign-in where configuration allows it."""
    user = session.scalar(
        select(User).where(User.issuer == identity.issuer, User.subject == identity.subject)
    )
    if user is None:
        user = _first_sign_in(session, identity, provider, first_admin)
    if not user.active:
        raise AccountDisabled()
    if identity.name and identity.name != user.name:
        user.name = identity.name[:200]
    return user


def _first_sign_in(
    session: Session, identity: Identity, provider: ProviderConfig, first_admin: FirstAdmin | None
) -> User:
    email = identity.email.strip().lower() if identity.email else None
    if first_admin == FirstAdmin(identity.issuer, identity.subject):
        return _create(session, identity, email, Role.ADMIN, None)
    if provider.link_by_email and email and identity.email_verified:
        added = _unlinked_user(session, email)
        if added is not None:
            return _link(added, identity)
    if provider.prefill_roles and email:
        return _prefilled(session, identity, email)
    raise NotRegistered()


def _unlinked_user(session: Session, email: str) -> User | None:
    return session.scalar(
        select(User).where(func.lower(User.email) == email, User.issuer.is_(None), User.subject.is_(None))
    )


def _link(user: User, identity: Identity) -> User:
    user.issuer, user.subject = identity.issuer, identity.subject
    return user


def _prefilled(session: Session, identity: Identity, email: str) -> User:
    try:
        role = Role(str(identity.claims.get(ROLE_CLAIM, "")))
    except ValueError as exc:
        raise NotRegistered() from exc
    if role is Role.ADMIN:
        raise NotRegistered()  # administrators come from configuration or the admin tool, never claims
    code = identity.claims.get(DELEGATION_CLAIM)
    delegation = (
        session.scalar(select(Delegation).where(Delegation.code == str(code).upper())) if code else None
    )
    if role.needs_delegation and delegation is None:
        raise NotRegistered()
    if role is Role.OBSERVER and delegation is not None and not delegation.kind.is_observer:
        raise NotRegistered()
    if session.scalar(select(User).where(func.lower(User.email) == email)) is not None:
        raise NotRegistered()  # the e-mail belongs to someone else: an administrator must sort it out
    return _create(session, identity, email, role, delegation)


def _create(
    session: Session, identity: Identity, email: str | None, role: Role, delegation: Delegation | None
) -> User:
    if email is None or session.scalar(select(User).where(func.lower(User.email) == email)) is not None:
        # The e-mail column is unique; a placeholder keeps the account usable until an admin edits it.
        email = f"{secrets.token_hex(6)}@unverified.invalid"
    user = User(
        email=email,
        name=(identity.name or email)[:200],
        role=role,
        delegation=delegation,
        issuer=identity.issuer,
        subject=identity.subject,
        active=True,
    )
    session.add(user)
    session.flush()
    return user
