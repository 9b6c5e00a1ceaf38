"""Security headers on every HTTP response: a content security policy for the pages in static/ (no inline
scripts or styles; sockets only to our own origins), no sniffing, no framing, and HSTS in production."""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

HSTS = "max-age=63072000; includeSubDomains"


def content_security_policy(allowed_origins: Iterable[str]) -> str:
    # 'self' covers ws: and wss: only in newer browsers; name our own socket origins explicitly.
    sockets = sorted(
        origin.replace("https://", "wss://", 1).replace("http://", "ws://", 1)
        for origin in allowed_origins
        if origin.startswith(("http://", "https://"))
    )
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            "img-src 'self' data:",
            "connect-src " + " ".join(["'self'", *sockets]),
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
        ]
    )


def security_headers(allowed_origins: Iterable[str], *, production: bool) -> dict[str, str]:
    headers = {
        "Content-Security-Policy": content_security_policy(allowed_origins),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if production:
        headers["Strict-Transport-Security"] = HSTS
    return headers


class SecurityHeadersMiddleware:
    """Adds the headers to responses that do not set their own."""

    def __init__(self, app: ASGIApp, *, headers: dict[str, str]) -> None:
        self.app = app
        self.headers = headers

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                response_headers = MutableHeaders(scope=message)
                for name, value in self.headers.items():
                    response_headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
