"""Short-lived signed access tokens (JWT, Ed25519 with a kid), minted for a signed-in user.

A script exchanges its long-lived script token for one, so the secret that lasts travels rarely. Every
claim that matters is checked: the signature by a key we published (by kid), iss, aud, exp, nbf, iat and
jti. The token names the credential that minted it (`cred`), so revoking that credential, or the user,
ends the access tokens it minted too.

    AccessTokenError
     ├── MalformedAccessToken   not a JWT we could read, or not signed by any key we know
     └── InvalidAccessToken     signed by us, but expired, not yet valid, for another audience, …
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from joserfc import jwt
from joserfc.errors import ClaimError, JoseError
from joserfc.jwk import GuestProtocol, OKPKey
from joserfc.jws import JWSRegistry
from sqlalchemy.orm import Session

from auth.credentials import (
    credential_standing,
    script_token_live,
    script_token_owner,
    session_live,
    session_owner,
)
from auth.endings import Credential, CredentialKind, Standing
from auth.keys import ALGORITHM, VERIFY_AFTER_RETIREMENT, signing_key, verification_key
from auth.principal import Principal
from drafting.clock import utcnow
from drafting.models import User

DEFAULT_ISSUER = "urn:consenso"
DEFAULT_TTL = timedelta(minutes=5)
# A retired signing key still verifies this long (auth/keys.py), so no token may outlive it.
LONGEST_TTL = VERIFY_AFTER_RETIREMENT
LEEWAY_SECONDS = 30
# Only our own algorithm: a token claiming "none", HS256 or RS256 is refused before any key is used.
_REGISTRY = JWSRegistry(algorithms=[ALGORITHM])


class AccessTokenError(Exception):
    """An access token that does not let anyone in."""


class MalformedAccessToken(AccessTokenError):
    pass


class InvalidAccessToken(AccessTokenError):
    def __init__(self, claim: str, message: str) -> None:
        super().__init__(message)
        self.claim = claim


@dataclass(frozen=True)
class TokenSettings:
    issuer: str = DEFAULT_ISSUER
    ttl: timedelta = DEFAULT_TTL

    @property
    def audience(self) -> str:
        return self.issuer + ":api" if self.issuer.startswith("urn:") else self.issuer.rstrip("/") + "/api"

    def __post_init__(self) -> None:
        if not self.issuer.startswith(("urn:", "https://", "http://")):
            raise ValueError(f"the issuer must be a urn: or an http(s) URL, not {self.issuer!r}")
        if not timedelta(0) < self.ttl <= LONGEST_TTL:
            raise ValueError(f"access tokens live between 1 and {int(LONGEST_TTL.total_seconds())} seconds")


@dataclass(frozen=True)
class AccessClaims:
    user_id: int
    minter: CredentialKind
    minter_id: int
    jti: str
    expires_at: datetime


def looks_like_jwt(token: str) -> bool:
    return token.count(".") == 2 and token.startswith("eyJ")


def encode_access_token(
    key: OKPKey,
    *,
    user_id: int,
    minter: CredentialKind,
    minter_id: int,
    settings: TokenSettings,
    now: datetime,
) -> str:
    issued = int(now.timestamp())
    claims = {
        "iss": settings.issuer,
        "aud": settings.audience,
        "sub": str(user_id),
        "iat": issued,
        "nbf": issued,
        "exp": issued + int(settings.ttl.total_seconds()),
        "jti": secrets.token_urlsafe(16),
        "cred": f"{minter.value}:{minter_id}",
    }
    return jwt.encode({"alg": ALGORITHM, "kid": key.kid}, claims, key, registry=_REGISTRY)


def decode_access_token(
    token: str,
    key_for: Callable[[str], OKPKey | None],
    settings: TokenSettings,
    now: datetime,
) -> AccessClaims:
    """Verify `token` with the key its kid names (`key_for`) and check every claim. Pure."""

    def find_key(guest: GuestProtocol) -> OKPKey:
        kid = guest.headers().get("kid")
        key = key_for(kid) if isinstance(kid, str) and kid else None
        if key is None:
            raise MalformedAccessToken("signed by a key we do not know (kid)")
        return key

    try:
        decoded = jwt.decode(token, find_key, registry=_REGISTRY)
    except AccessTokenError:
        raise
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise MalformedAccessToken(f"not a valid access token: {exc}") from exc
    registry = jwt.JWTClaimsRegistry(
        now=int(now.timestamp()),
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": settings.issuer},
        aud={"essential": True, "value": settings.audience},
        sub={"essential": True},
        exp={"essential": True},
        nbf={"essential": True},
        iat={"essential": True},
        jti={"essential": True},
        cred={"essential": True},
    )
    try:
        registry.validate(decoded.claims)
    except ClaimError as exc:
        raise InvalidAccessToken(exc.claim, f"access token refused: {exc.description}") from exc
    claims = decoded.claims
    exp = claims["exp"]
    if exp - claims["iat"] > settings.ttl.total_seconds() + LEEWAY_SECONDS:
        raise InvalidAccessToken("exp", "access token refused: it lives longer than we mint them")
    if len(claims["jti"]) < 16:
        raise InvalidAccessToken("jti", "access token refused: its jti is too short to be ours")
    kind, _, number = str(claims["cred"]).partition(":")
    try:
        minter, minter_id, user_id = CredentialKind(kind), int(number), int(claims["sub"])
    except ValueError as exc:
        raise InvalidAccessToken("cred", "access token refused: it names no credential of ours") from exc
    return AccessClaims(user_id, minter, minter_id, claims["jti"], datetime.fromtimestamp(exp, UTC))


def mint_access_token(
    session: Session,
    user_id: int,
    minter: CredentialKind,
    minter_id: int,
    settings: TokenSettings,
    now: datetime | None = None,
) -> str:
    now = now or utcnow()
    key = signing_key(session, now)
    return encode_access_token(
        key, user_id=user_id, minter=minter, minter_id=minter_id, settings=settings, now=now
    )


def read_access_token(
    session: Session, token: str, settings: TokenSettings, now: datetime | None = None
) -> AccessClaims:
    """Decode and check `token` against the stored keys, and check that what minted it still lives."""
    now = now or utcnow()
    claims = decode_access_token(token, lambda kid: verification_key(session, kid, now), settings, now)
    live: Callable[[Session, int], bool]
    owner: Callable[[Session, int], int | None]
    if claims.minter is CredentialKind.SCRIPT_TOKEN:
        live, owner = script_token_live, script_token_owner
    else:
        live, owner = session_live, session_owner
    if owner(session, claims.minter_id) != claims.user_id or not live(session, claims.minter_id):
        raise InvalidAccessToken("cred", "access token refused: the credential that minted it is revoked")
    return claims


def access_token_standing(
    session: Session, token: str, settings: TokenSettings, now: datetime | None = None
) -> Standing | None:
    """What a valid access token lets in: its minter's standing, ending no later than the token; else None."""
    try:
        claims = read_access_token(session, token, settings, now)
    except AccessTokenError:
        return None
    standing = credential_standing(session, Credential(claims.minter, claims.minter_id))
    if standing is None or standing.user_id != claims.user_id:
        return None
    return standing.until(claims.expires_at)


def principal_for_access_token(
    session: Session, token: str, settings: TokenSettings, now: datetime | None = None
) -> Principal | None:
    standing = access_token_standing(session, token, settings, now)
    user = session.get(User, standing.user_id) if standing is not None else None
    return Principal.of(user) if user is not None else None
