"""Web security for every response: headers, rate limits, CSRF checks and the body limit (the order
below is the order a request meets them). The paths that sign people in and hand out tokens are listed
here, once."""

from __future__ import annotations

from starlette.middleware import Middleware

from server.security.body_limit import BodyLimitMiddleware
from server.security.csrf import CsrfMiddleware
from server.security.headers import SecurityHeadersMiddleware, security_headers
from server.security.ratelimit import RateLimitMiddleware, RouteGroup, counter_for
from server.settings import Settings

# Requests that start a session: no form token exists yet, so only their Origin is checked.
SIGN_IN_PATHS = ("/api/demo/signin", "/signin/", "/auth/callback")
TOKEN_PATHS = ("/api/tokens",)

RATE_LIMITS = (
    RouteGroup("sign-in", SIGN_IN_PATHS, requests=30, window_seconds=60),
    RouteGroup("token", TOKEN_PATHS, requests=30, window_seconds=60),
)


def middleware(settings: Settings) -> list[Middleware]:
    redis_url = settings.redis_url
    return [
        Middleware(
            SecurityHeadersMiddleware,
            headers=security_headers(settings.allowed_origins, production=settings.production),
        ),
        Middleware(RateLimitMiddleware, groups=RATE_LIMITS, counter=counter_for(redis_url)),
        Middleware(CsrfMiddleware, allowed_origins=settings.allowed_origins, sign_in_paths=SIGN_IN_PATHS),
        Middleware(BodyLimitMiddleware, limit=settings.max_body_bytes),
    ]
