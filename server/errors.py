"""The one place where domain and protocol errors become HTTP statuses and WebSocket close codes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse

from auth.endings import EndReason
from drafting.errors import (
    AlreadyExists,
    Conflict,
    DraftingError,
    InvalidInput,
    MalformedUpdate,
    NotFound,
    StorageUnavailable,
)
from server.sync.protocol import MalformedMessage, UnknownMessageType

CLOSE_UNSUPPORTED = 1003
CLOSE_INVALID_PAYLOAD = 1007
CLOSE_POLICY = 1008
CLOSE_TOO_BIG = 1009
CLOSE_SERVER_ERROR = 1011
# The credential a socket was opened with ended. y-websocket does not reconnect on 4400-4499.
CLOSE_CREDENTIAL_ENDED = 4401  # signed out, revoked, expired, account disabled: sign in again
CLOSE_ACCESS_CHANGED = 4403  # the account's role or delegation changed: open the document again

_CLOSE_CODES: dict[type[Exception], int] = {
    UnknownMessageType: CLOSE_UNSUPPORTED,
    MalformedMessage: CLOSE_INVALID_PAYLOAD,
    MalformedUpdate: CLOSE_INVALID_PAYLOAD,
    StorageUnavailable: CLOSE_SERVER_ERROR,
}

_STATUSES: dict[type[Exception], int] = {
    NotFound: 404,
    AlreadyExists: 409,
    Conflict: 409,
    InvalidInput: 422,
    StorageUnavailable: 503,
}


class Refused(Exception):
    """A request the policy or the web layer refuses; carries its HTTP status."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def close_code(exc: Exception) -> int:
    for kind, code in _CLOSE_CODES.items():
        if isinstance(exc, kind):
            return code
    return CLOSE_SERVER_ERROR


def ending_close_code(reason: EndReason) -> int:
    return CLOSE_ACCESS_CHANGED if reason is EndReason.ACCOUNT_CHANGED else CLOSE_CREDENTIAL_ENDED


def http_status(exc: Exception) -> int:
    for kind, status in _STATUSES.items():
        if isinstance(exc, kind):
            return status
    return 500


async def drafting_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DraftingError)
    return JSONResponse({"error": str(exc)}, status_code=http_status(exc))


async def refused(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Refused)
    return JSONResponse({"error": exc.message}, status_code=exc.status)
