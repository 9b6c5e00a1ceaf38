"""How a credential ends, and what an open connection was let in with.

A socket or an event stream outlives the request that opened it, so it keeps its `Standing`: the stored
credential behind it (a session or a script token, or the one that minted its access token), when that
ends, and the account's role and delegation at the time. An `Ending` says what stopped standing and why.

Code that ends a credential or changes an account in a transaction notes the ending in that transaction
(`note_ending`; auth/credentials.py does it for every revocation, `access_changed` is for a changed role,
delegation or account). The web layer publishes the notes once the transaction commits, and separately
checks every open connection's standing against the database (auth/credentials.py `ended_standings`),
which is how an end made by another process is seen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import event
from sqlalchemy.orm import Session

from drafting.kinds import Role
from drafting.models import User

_NOTED = "consenso.endings"


class CredentialKind(StrEnum):
    """The two stored credentials. An access token names the one that minted it (its `cred` claim)."""

    SCRIPT_TOKEN = "tok"
    SESSION = "ses"


@dataclass(frozen=True)
class Credential:
    kind: CredentialKind
    id: int


class EndReason(StrEnum):
    SIGNED_OUT = "signed_out"
    REVOKED = "revoked"
    EXPIRED = "expired"
    ACCOUNT_DISABLED = "account_disabled"
    ACCOUNT_CHANGED = "account_changed"  # its role or delegation: the rights it was let in with are gone

    @property
    def message(self) -> str:
        return _MESSAGES[self]


_MESSAGES = {
    EndReason.SIGNED_OUT: "you signed out; sign in again",
    EndReason.REVOKED: "your session or token was revoked; sign in again",
    EndReason.EXPIRED: "your session or token expired; sign in again",
    EndReason.ACCOUNT_DISABLED: "your account was disabled; ask the Technical Secretariat",
    EndReason.ACCOUNT_CHANGED: "your role or delegation changed; open the document again",
}


@dataclass(frozen=True)
class Standing:
    """What an open connection was let in with."""

    credential: Credential
    user_id: int
    role: Role
    delegation_id: int | None
    expires_at: datetime | None  # the soonest of the credential's and its access token's expiry

    @classmethod
    def of(cls, user: User, credential: Credential, expires_at: datetime | None) -> Standing:
        return cls(credential, user.id, user.role, user.delegation_id, expires_at)

    def until(self, expires_at: datetime | None) -> Standing:
        """The same standing, ending no later than `expires_at` (an access token's own expiry)."""
        if expires_at is None or (self.expires_at is not None and self.expires_at <= expires_at):
            return self
        return Standing(self.credential, self.user_id, self.role, self.delegation_id, expires_at)


@dataclass(frozen=True)
class Ending:
    """One credential of a user ended, or (credential None) every standing the user has."""

    reason: EndReason
    user_id: int
    credential: Credential | None = None

    def ends(self, standing: Standing) -> bool:
        return standing.user_id == self.user_id and self.credential in (None, standing.credential)


def note_ending(session: Session, ending: Ending) -> None:
    """Note in `session`'s transaction that `ending` happened: it takes effect if the transaction commits."""
    if not event.contains(session, "after_rollback", _forget_endings):
        event.listen(session, "after_rollback", _forget_endings)
    session.info.setdefault(_NOTED, []).append(ending)


def _forget_endings(session: Session) -> None:
    session.info.pop(_NOTED, None)  # rolled back: nothing ended


def noted_endings(session: Session) -> list[Ending]:
    """The endings noted in `session`, taken out (call once its transaction has committed)."""
    endings: list[Ending] = session.info.pop(_NOTED, [])
    return endings


def access_changed(session: Session, user_id: int) -> None:
    """Call in the transaction that changes a user's role, delegation or active flag: once it commits, every
    socket and stream the user has open closes (they were let in with the old rights)."""
    user = session.get(User, user_id)
    reason = EndReason.ACCOUNT_DISABLED if user is None or not user.active else EndReason.ACCOUNT_CHANGED
    note_ending(session, Ending(reason, user_id))
