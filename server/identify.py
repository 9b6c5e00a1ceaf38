"""Who is on the other end of a request or a socket: a bearer token for scripts, a session cookie for
browsers. Tokens travel only in the Authorization header, never in a query string."""

from __future__ import annotations

from starlette.requests import HTTPConnection

from auth.credentials import principal_for_session, principal_for_token
from auth.principal import Principal
from server.services import Services

SESSION_COOKIE = "consenso_session"


def bearer_token(connection: HTTPConnection) -> str | None:
    header = connection.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    return None


def origin_allowed(connection: HTTPConnection, services: Services) -> bool:
    origin = connection.headers.get("origin")
    return origin is not None and origin.rstrip("/") in services.settings.allowed_origins


async def identify(
    connection: HTTPConnection, services: Services, *, websocket: bool = False
) -> Principal | None:
    """The principal behind a request, or None. A browser's cookie counts on a socket only from an
    allowed Origin (a page elsewhere could otherwise open sockets with the user's cookie)."""
    token = bearer_token(connection)
    if token is not None:
        return await services.in_session(lambda session: principal_for_token(session, token))
    secret = connection.cookies.get(SESSION_COOKIE)
    if secret is None:
        return None
    if websocket and not origin_allowed(connection, services):
        return None
    return await services.in_session(lambda session: principal_for_session(session, secret))
