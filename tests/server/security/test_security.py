"""Web security through the app: CSRF checks on cookie-authenticated unsafe requests, and the security
headers on every response."""

from __future__ import annotations

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from server import security
from server.security.csrf import BAD_TOKEN, FOREIGN_ORIGIN, HEADER, token_for_session
from server.security.headers import content_security_policy
from server.settings import Settings
from server.signin.identify import SESSION_COOKIE
from tests.server.conftest import ORIGIN, App

HEAD_MEX = "head.mex@demo.consenso"
EVIL = "https://evil.example"


def sign_in_by_cookie(app: App, email: str = HEAD_MEX) -> str:
    """Sign the test client in through the demo page; return its form token."""
    users = app.client.get("/api/demo/users").json()
    user_id = next(u["id"] for u in users if u["email"] == email)
    signed = app.client.post("/api/demo/signin", json={"user_id": user_id}, headers={"Origin": ORIGIN})
    assert signed.status_code == 204
    return token_for_session(app.client.cookies[SESSION_COOKIE])


# --- CSRF ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "error"),
    [
        pytest.param({}, FOREIGN_ORIGIN, id="no-origin-no-fetch-metadata"),
        pytest.param({"Origin": EVIL, HEADER: "token"}, FOREIGN_ORIGIN, id="foreign-origin"),
        pytest.param({"Origin": "null", HEADER: "token"}, FOREIGN_ORIGIN, id="opaque-origin"),
        pytest.param({"Sec-Fetch-Site": "cross-site", HEADER: "token"}, FOREIGN_ORIGIN, id="cross-site"),
        pytest.param({"Sec-Fetch-Site": "same-site", HEADER: "token"}, FOREIGN_ORIGIN, id="same-site"),
        pytest.param({"Origin": ORIGIN}, BAD_TOKEN, id="no-token"),
        pytest.param({"Origin": ORIGIN, HEADER: "forged"}, BAD_TOKEN, id="wrong-token"),
    ],
)
def test_a_cookie_request_from_elsewhere_or_without_its_token_is_refused(
    app: App, headers: dict[str, str], error: str
) -> None:
    token = sign_in_by_cookie(app)
    sent = {name: token if value == "token" else value for name, value in headers.items()}
    refused = app.client.post("/api/signout", headers=sent)
    assert refused.status_code == 403
    assert refused.json() == {"error": error, "code": "forged_request", "params": {}}
    assert app.client.get("/api/me").status_code == 200, "the session must still be open"


def test_the_refusal_says_what_to_do() -> None:
    assert "reload the page to get a fresh form token" in BAD_TOKEN
    assert "Origin" in FOREIGN_ORIGIN


@pytest.mark.parametrize("provenance", [{"Origin": ORIGIN}, {"Origin": ORIGIN + "/"}])
def test_our_page_with_the_sessions_token_gets_through(app: App, provenance: dict[str, str]) -> None:
    token = sign_in_by_cookie(app)
    signed_out = app.client.post("/api/signout", headers={**provenance, HEADER: token})
    assert signed_out.status_code == 204
    assert app.client.get("/api/me").status_code == 401


def test_the_token_belongs_to_one_session(app: App) -> None:
    first = sign_in_by_cookie(app)
    second = sign_in_by_cookie(app, "delegate.gtm@demo.consenso")
    assert first != second
    refused = app.client.post("/api/signout", headers={"Origin": ORIGIN, HEADER: first})
    assert refused.json() == {"error": BAD_TOKEN, "code": "forged_request", "params": {}}


def test_bearer_requests_carry_no_ambient_credentials_and_are_exempt(app: App) -> None:
    sign_in_by_cookie(app)  # a cookie rides along too; the bearer token is what identifies
    response = app.client.post("/api/signout", headers=app.bearer(HEAD_MEX))
    assert response.status_code == 204


def test_a_basic_authorization_header_does_not_exempt_a_cookie_request(app: App) -> None:
    sign_in_by_cookie(app)
    refused = app.client.post("/api/signout", headers={"Authorization": "Basic dXNlcjpwYXNz"})
    assert refused.status_code == 403


def test_safe_methods_need_no_token(app: App) -> None:
    sign_in_by_cookie(app)
    assert app.client.get("/api/documents", headers={"Origin": EVIL}).status_code == 200


@pytest.mark.parametrize("origin", [None, EVIL])
def test_demo_sign_in_keeps_the_origin_check(app: App, origin: str | None) -> None:
    users = app.client.get("/api/demo/users").json()
    refused = app.client.post(
        "/api/demo/signin", json={"user_id": users[0]["id"]}, headers={"Origin": origin} if origin else {}
    )
    assert refused.status_code == 403
    assert refused.json() == {"error": FOREIGN_ORIGIN, "code": "forged_request", "params": {}}
    assert SESSION_COOKIE not in refused.cookies


def test_signing_in_again_over_an_open_session_needs_no_token(app: App) -> None:
    sign_in_by_cookie(app)
    sign_in_by_cookie(app, "ppt@demo.consenso")
    assert app.client.get("/api/me").json()["email"] == "ppt@demo.consenso"


def test_an_unsafe_request_without_any_credentials_still_needs_our_origin(app: App) -> None:
    assert app.client.post("/api/signout").json() == {
        "error": FOREIGN_ORIGIN,
        "code": "forged_request",
        "params": {},
    }
    assert app.client.post("/api/signout", headers={"Origin": ORIGIN}).status_code != 403


def test_api_me_hands_a_cookie_page_its_token_and_a_script_none(app: App) -> None:
    token = sign_in_by_cookie(app)
    assert app.client.get("/api/me").json()["csrf_token"] == token
    app.client.cookies.clear()
    assert app.client.get("/api/me", headers=app.bearer(HEAD_MEX)).json()["csrf_token"] is None


# --- headers ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/", "/signin", "/static/style.css", "/api/me", "/api/documents/1", "/healthz", "/no-such-page"]
)
def test_every_response_carries_the_security_headers(app: App, path: str) -> None:
    headers = app.client.get(path).headers
    csp = headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Frame-Options"] == "DENY"
    assert "Strict-Transport-Security" not in headers  # not outside production


def test_refusals_by_the_security_middleware_carry_the_headers_too(app: App) -> None:
    refused = app.client.post("/api/signout")
    assert refused.status_code == 403
    assert refused.headers["X-Frame-Options"] == "DENY"


def test_sockets_may_connect_only_to_our_own_origins() -> None:
    csp = content_security_policy({"https://consenso.rcm.example", "http://127.0.0.1:8000"})
    assert "connect-src 'self' ws://127.0.0.1:8000 wss://consenso.rcm.example;" in csp
    assert "connect-src 'self';" in content_security_policy(set())


def _bare_app(settings: Settings) -> TestClient:
    async def hello(_request: Request) -> PlainTextResponse:
        return PlainTextResponse("hola", headers={"X-Frame-Options": "SAMEORIGIN"})

    routes = [Route("/", hello, methods=["GET", "POST"])]
    return TestClient(Starlette(routes=routes, middleware=security.middleware(settings)), base_url=ORIGIN)


def test_without_origin_fetch_metadata_from_our_own_origin_is_enough() -> None:
    with _bare_app(Settings(allowed_origins=frozenset({ORIGIN}))) as client:
        client.cookies.set(SESSION_COOKIE, "s3cret")
        token = token_for_session("s3cret")
        assert client.post("/", headers={"Sec-Fetch-Site": "same-origin", HEADER: token}).status_code == 200
        assert client.post("/", headers={"Sec-Fetch-Site": "none", HEADER: token}).status_code == 403


def test_production_adds_strict_transport_security() -> None:
    settings = Settings(production=True, allowed_origins=frozenset({"https://consenso.rcm.example"}))
    with _bare_app(settings) as client:
        headers = client.get("/").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=")
    assert "wss://consenso.rcm.example" in headers["Content-Security-Policy"]


def test_a_response_that_sets_its_own_header_keeps_it() -> None:
    with _bare_app(Settings()) as client:
        assert client.get("/").headers["X-Frame-Options"] == "SAMEORIGIN"
