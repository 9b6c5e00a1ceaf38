"""CSRF protection for cookie-authenticated unsafe requests (POST, PUT, PATCH, DELETE).

A browser sends the session cookie with any request, including one a page elsewhere makes; two checks
tell our own pages apart. The Origin (or, without it, Sec-Fetch-Site) must be one of ours, and a request
that carries the session cookie must also carry the session's form token in `X-CSRF-Token`. The token is
an HMAC keyed by the session's secret, so it changes with every session and needs no storage; pages read
it from GET /api/me, which another site's script cannot read. Requests with a bearer token carry no
ambient credentials and are exempt; sign-in requests (no session yet) get the Origin check only.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from server.errors import error_response
from server.signin.identify import SESSION_COOKIE, bearer_token

HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
_PURPOSE = b"consenso form token v1"

FOREIGN_ORIGIN = (
    "this request must come from a Consenso page (its Origin is not allowed): open the page again"
)
BAD_TOKEN = f"the form token ({HEADER}) is missing or out of date: reload the page to get a fresh form token"


def token_for_session(session_secret: str) -> str:
    digest = hmac.new(session_secret.encode("utf-8"), _PURPOSE, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def token_for(connection: HTTPConnection) -> str | None:
    """The form token a page signed in by cookie must send back; None for bearer requests."""
    if bearer_token(connection) is not None:
        return None
    secret = connection.cookies.get(SESSION_COOKIE)
    return token_for_session(secret) if secret else None


def from_our_pages(connection: HTTPConnection, allowed_origins: frozenset[str]) -> bool:
    origin = connection.headers.get("origin")
    if origin is not None:
        return origin.rstrip("/") in allowed_origins
    # Browsers send Origin on every unsafe request; without it, trust only Fetch Metadata.
    return connection.headers.get("sec-fetch-site") == "same-origin"


def refusal(
    connection: HTTPConnection, allowed_origins: frozenset[str], sign_in_paths: Sequence[str]
) -> str | None:
    """Why this request must be refused as a possible forgery, or None."""
    if connection.scope["method"] in SAFE_METHODS or bearer_token(connection) is not None:
        return None
    if not from_our_pages(connection, allowed_origins):
        return FOREIGN_ORIGIN
    secret = connection.cookies.get(SESSION_COOKIE)
    if not secret or connection.url.path.startswith(tuple(sign_in_paths)):
        return None
    sent = connection.headers.get(HEADER, "")
    if not hmac.compare_digest(sent.encode("utf-8"), token_for_session(secret).encode("ascii")):
        return BAD_TOKEN
    return None


class CsrfMiddleware:
    def __init__(
        self, app: ASGIApp, *, allowed_origins: frozenset[str], sign_in_paths: Sequence[str]
    ) -> None:
        self.app = app
        self.allowed_origins = allowed_origins
        self.sign_in_paths = tuple(sign_in_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = refusal(HTTPConnection(scope), self.allowed_origins, self.sign_in_paths)
            if problem is not None:
                await error_response(403, problem, "forged_request")(scope, receive, send)
                return
        await self.app(scope, receive, send)
