"""The Ed25519 keys that sign access tokens, stored in the database so that every worker shares them.

A key signs for `SIGN_FOR`, then only verifies until every token it signed has expired, then is dropped
from the published set. The first worker that finds no signing key makes one.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from joserfc.jwk import OKPKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.tables import SigningKey
from drafting.clock import utcnow

ALGORITHM = "Ed25519"  # RFC 9864: the fully specified name ("EdDSA" is deprecated)
SIGN_FOR = timedelta(days=30)
# Longer than any access token lives, so a token signed just before retirement still verifies.
VERIFY_AFTER_RETIREMENT = timedelta(days=1)


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _load(row: SigningKey) -> OKPKey:
    return OKPKey.import_key(json.loads(row.private_jwk))


def new_signing_key(session: Session, now: datetime | None = None) -> OKPKey:
    now = now or utcnow()
    kid = secrets.token_urlsafe(12)
    key = OKPKey.generate_key("Ed25519", parameters={"kid": kid, "alg": ALGORITHM, "use": "sig"})
    session.add(
        SigningKey(
            kid=kid,
            private_jwk=json.dumps(key.as_dict(private=True)),
            created_at=now,
            retires_at=now + SIGN_FOR,
            expires_at=now + SIGN_FOR + VERIFY_AFTER_RETIREMENT,
        )
    )
    session.flush()
    return key


def signing_key(session: Session, now: datetime | None = None) -> OKPKey:
    """The newest key still signing, made if there is none."""
    now = now or utcnow()
    rows = session.scalars(select(SigningKey).order_by(SigningKey.created_at.desc()))
    for row in rows:
        if _aware(row.retires_at) > now:
            return _load(row)
    return new_signing_key(session, now)


def verification_key(session: Session, kid: str, now: datetime | None = None) -> OKPKey | None:
    """The key named `kid` if it may still verify tokens, else None."""
    now = now or utcnow()
    row = session.get(SigningKey, kid)
    if row is None or _aware(row.expires_at) <= now:
        return None
    return _load(row)


def public_jwks(session: Session, now: datetime | None = None) -> dict[str, Any]:
    """The JWK Set of every key that may still verify a token: public halves only."""
    now = now or utcnow()
    rows = session.scalars(select(SigningKey).order_by(SigningKey.created_at.desc()))
    keys = [_load(row).as_dict(private=False) for row in rows if _aware(row.expires_at) > now]
    return {"keys": keys}
