"""The one place where errors become HTTP statuses and WebSocket close codes (docs/decisions/0009).

Every error answer has one JSON shape: `{"error": message, "code": code, "params": {...}}`. The message
says what happened and what to do next; `code` is stable, for clients that translate it.

RequestError            faults the web layer finds before the domain is asked
 ├── SignInRequired     no valid credential (401)
 ├── PolicyRefusal      the policy says no (403)
 ├── MalformedBody      the body is not a JSON object of valid UTF-8 text (400)
 ├── UnsupportedBody    a body that is not JSON (415)
 ├── BodyTooLarge       a body over CONSENSO_MAX_BODY_BYTES (413)
 └── TooManyRequests    over a rate limit (429)
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from auth.endings import EndReason
from drafting.errors import (
    AlreadyExists,
    Conflict,
    DraftingError,
    Fault,
    InvalidInput,
    MalformedUpdate,
    NotFound,
    NotPermitted,
    StorageUnavailable,
)
from server.sync.protocol import MalformedMessage, UnknownMessageType

log = logging.getLogger(__name__)

CLOSE_UNSUPPORTED = 1003
CLOSE_POLICY = 1008
CLOSE_INVALID_PAYLOAD = 1007
CLOSE_TOO_BIG = 1009
CLOSE_SERVER_ERROR = 1011
# The credential a socket was opened with ended. y-websocket does not reconnect on 4400-4499.
CLOSE_CREDENTIAL_ENDED = 4401  # signed out, revoked, expired, account disabled: sign in again
CLOSE_ACCESS_CHANGED = 4403  # the account's role or delegation changed: open the document again


class RequestError(Fault):
    code = "bad_request"


class SignInRequired(RequestError):
    code = "sign_in_required"

    def __init__(
        self, message: str = "sign in first: no valid session or bearer token came with this"
    ) -> None:
        super().__init__(message)


class PolicyRefusal(RequestError):
    code = "not_allowed"


class MalformedBody(RequestError):
    code = "malformed_body"


class UnsupportedBody(RequestError):
    code = "unsupported_body"


class BodyTooLarge(RequestError):
    code = "body_too_large"


class TooManyRequests(RequestError):
    code = "too_many_requests"


# The table: the first class an error is an instance of gives its status.
STATUSES: tuple[tuple[type[Exception], int], ...] = (
    (MalformedBody, 400),
    (SignInRequired, 401),
    (PolicyRefusal, 403),
    (NotPermitted, 403),
    (NotFound, 404),
    (AlreadyExists, 409),
    (Conflict, 409),
    (BodyTooLarge, 413),
    (UnsupportedBody, 415),
    (InvalidInput, 422),
    (TooManyRequests, 429),
    (StorageUnavailable, 503),
)

CLOSE_CODES: tuple[tuple[type[Exception], int], ...] = (
    (UnknownMessageType, CLOSE_UNSUPPORTED),
    (MalformedMessage, CLOSE_INVALID_PAYLOAD),
    (MalformedUpdate, CLOSE_INVALID_PAYLOAD),
    (StorageUnavailable, CLOSE_SERVER_ERROR),
)

# Every status an error answer may have, with what it means for the OpenAPI description.
STATUS_MEANINGS = {
    400: "the body is not a JSON object of valid UTF-8 text",
    401: "not signed in",
    403: "the policy refuses it",
    404: "no such resource, or not one you may see",
    409: "the current state does not allow it (locked, silenced, adopted, stale or already done)",
    413: "the body is larger than the configured limit",
    415: "the body is not JSON",
    422: "a value is missing, of the wrong type, out of range or not allowed",
    429: "too many requests: wait and retry",
    503: "storage is unavailable: retry shortly",
}

SERVER_FAILED = "the server failed to answer this request: try again, and tell the Secretariat if it persists"


def ending_close_code(reason: EndReason) -> int:
    return CLOSE_ACCESS_CHANGED if reason is EndReason.ACCOUNT_CHANGED else CLOSE_CREDENTIAL_ENDED


def http_status(exc: Exception) -> int:
    for kind, status in STATUSES:
        if isinstance(exc, kind):
            return status
    return 500


def close_code(exc: Exception) -> int:
    for kind, code in CLOSE_CODES:
        if isinstance(exc, kind):
            return code
    return CLOSE_SERVER_ERROR


def error_body(message: str, code: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": message, "code": code, "params": params or {}}


def error_response(
    status: int,
    message: str,
    code: str,
    params: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(error_body(message, code, params), status_code=status, headers=headers)


def answer(exc: Exception) -> JSONResponse:
    """The error answer for a known fault (domain or request)."""
    if isinstance(exc, Fault):
        return error_response(http_status(exc), exc.message, exc.code, dict(exc.params))
    return error_response(500, SERVER_FAILED, "server_error")


async def known_fault(_request: Request, exc: Exception) -> Response:
    return answer(exc)


async def unexpected_fault(request: Request, exc: Exception) -> Response:
    log.exception("unexpected error answering %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, SERVER_FAILED, "server_error")


ROUTING_MESSAGES = {
    404: (
        "there is nothing at this address: check it, or start again from the list of documents",
        "no_route",
    ),
    405: ("this address does not take that method: see /api/openapi.json for the ones it does", "bad_method"),
}


async def routing_fault(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message, code = ROUTING_MESSAGES.get(exc.status_code, (str(exc.detail), "http_error"))
    return error_response(exc.status_code, message, code, headers=dict(exc.headers or {}))


EXCEPTION_HANDLERS = {
    DraftingError: known_fault,
    RequestError: known_fault,
    HTTPException: routing_fault,
    Exception: unexpected_fault,
}
