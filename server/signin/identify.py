"""Who is on the other end of a request or a socket: a bearer token for scripts (an opaque script token,
or a short-lived signed access token), a session cookie for browsers. Tokens travel only in the
Authorization header, never in a query string."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection
from starlette.responses import Response

from auth.access_tokens import TokenSettings, access_token_standing, looks_like_jwt
from auth.credentials import SESSION_TTL, TOKEN_PREFIX, script_token_row, session_row, standing_of
from auth.endings import CredentialKind, Standing
from auth.principal import Principal
from drafting.models import User
from server.services import Services
from server.settings import Settings

SESSION_COOKIE = "consenso_session"


@dataclass(frozen=True)
class Caller:
    """A principal and what it came with: the standing of its stored credential (for an access token, the
    one that minted it) and whether it came with an access token."""

    principal: Principal
    standing: Standing
    by_access_token: bool = False

    @property
    def minter(self) -> CredentialKind | None:
        """The credential that may mint an access token for this caller: None for an access token, which
        may not mint another (a stolen one would otherwise live forever)."""
        return None if self.by_access_token else self.standing.credential.kind

    @property
    def credential_id(self) -> int | None:
        return None if self.by_access_token else self.standing.credential.id


def bearer_token(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def origin_allowed(connection: HTTPConnection, services: Services) -> bool:
    origin = connection.headers.get("origin")
    return origin is not None and origin.rstrip("/") in services.settings.allowed_origins


def _by_token(session: Session, token: str, settings: TokenSettings) -> Caller | None:
    if token.startswith(TOKEN_PREFIX):
        row = script_token_row(session, token)
        return Caller(Principal.of(row.user), standing_of(row)) if row is not None else None
    if looks_like_jwt(token):
        standing = access_token_standing(session, token, settings)
        user = session.get(User, standing.user_id) if standing is not None else None
        if standing is None or user is None:
            return None
        return Caller(Principal.of(user), standing, by_access_token=True)
    return None


def _by_session(session: Session, secret: str) -> Caller | None:
    row = session_row(session, secret)
    return Caller(Principal.of(row.user), standing_of(row)) if row is not None else None


async def identify_caller(
    connection: HTTPConnection, services: Services, *, websocket: bool = False
) -> Caller | None:
    """The caller behind a request, or None. A browser's cookie counts on a socket only from an
    allowed Origin (a page elsewhere could otherwise open sockets with the user's cookie)."""
    token = bearer_token(connection)
    if token is not None:
        tokens = services.settings.tokens
        return await services.in_session(lambda session: _by_token(session, token, tokens))
    secret = connection.cookies.get(SESSION_COOKIE)
    if secret is None:
        return None
    if websocket and not origin_allowed(connection, services):
        return None
    return await services.in_session(lambda session: _by_session(session, secret))


async def identify(
    connection: HTTPConnection, services: Services, *, websocket: bool = False
) -> Principal | None:
    caller = await identify_caller(connection, services, websocket=websocket)
    return caller.principal if caller is not None else None


def set_session_cookie(response: Response, secret: str, settings: Settings) -> None:
    """The browser session cookie, set at sign-in (every sign-in starts a new session)."""
    response.set_cookie(
        SESSION_COOKIE,
        secret,
        max_age=int(SESSION_TTL.total_seconds()),
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
