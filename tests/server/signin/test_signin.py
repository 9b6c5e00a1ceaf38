"""OpenID Connect sign-in against a fake provider whose ID tokens the tests build and sign themselves.

The real, strict provider (npm oidc-provider) runs in test_signin_oidc_provider.py; here each way a
callback or an ID token can be wrong is made on purpose, and each must be refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx2
import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.identity import FirstAdmin
from auth.oidc import OidcClient, ProviderConfig
from drafting.models import User
from server.signin.identify import SESSION_COOKIE
from server.signin.oidc import SIGNIN_COOKIE
from tests.server.conftest import App, AppFactory

ISSUER = "https://idp.cancilleria.example"
CLIENT_ID = "consenso"
HEAD = "head.mex@demo.consenso"


@dataclass
class FakeProvider:
    """Discovery, keys, token and userinfo endpoints of one provider, as an httpx2 transport."""

    key: RSAKey = field(default_factory=lambda: RSAKey.generate_key(2048, parameters={"kid": "idp-1"}))
    subject: str = "sub-4711"
    claims: dict[str, Any] = field(default_factory=lambda: {"email": HEAD, "email_verified": True})
    userinfo: dict[str, Any] = field(default_factory=dict)
    # Per-test changes to the ID token: claims to override, or a function over the finished token.
    id_token_claims: dict[str, Any] = field(default_factory=dict)
    id_token_edit: Callable[[str], str] | None = None
    iss_supported: bool = True
    codes: dict[str, dict[str, str]] = field(default_factory=dict)
    userinfo_asked: int = 0

    def authorize(self, url: str) -> dict[str, str]:
        """What the provider would do on sign-in: a code for this authorization request."""
        query = {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        code = secrets.token_urlsafe(16)
        self.codes[code] = query
        return {"code": code, "state": query["state"], "iss": ISSUER}

    def id_token(self, request: dict[str, str]) -> str:
        now = int(time.time())
        claims = {
            "iss": ISSUER,
            "sub": self.subject,
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": request["nonce"],
            **self.claims,
            **self.id_token_claims,
        }
        claims = {k: v for k, v in claims.items() if v is not None}
        token = jwt.encode({"alg": "RS256", "kid": "idp-1"}, claims, self.key)
        return self.id_token_edit(token) if self.id_token_edit else token

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        path = request.url.path
        if path == "/.well-known/openid-configuration":
            return httpx2.Response(
                200,
                json={
                    "issuer": ISSUER,
                    "authorization_endpoint": f"{ISSUER}/authorize",
                    "token_endpoint": f"{ISSUER}/token",
                    "jwks_uri": f"{ISSUER}/jwks",
                    "userinfo_endpoint": f"{ISSUER}/userinfo",
                    "id_token_signing_alg_values_supported": ["RS256"],
                    "authorization_response_iss_parameter_supported": self.iss_supported,
                },
            )
        if path == "/jwks":
            return httpx2.Response(200, json=KeySet([self.key]).as_dict(private=False))
        if path == "/token":
            form = {k: v[0] for k, v in parse_qs(request.content.decode()).items()}
            expected = base64.b64encode(f"{CLIENT_ID}:secret".encode()).decode()
            if request.headers.get("authorization") != f"Basic {expected}":
                return httpx2.Response(401, json={"error": "invalid_client"})
            authorized = self.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=")
            if (
                authorized is None
                or authorized["code_challenge_method"] != "S256"
                or authorized["code_challenge"] != challenge.decode()
                or authorized["redirect_uri"] != form.get("redirect_uri")
            ):
                return httpx2.Response(400, json={"error": "invalid_grant"})
            return httpx2.Response(
                200,
                json={
                    "access_token": "at-" + secrets.token_hex(8),
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": self.id_token(authorized),
                },
            )
        if path == "/userinfo":
            self.userinfo_asked += 1
            return httpx2.Response(200, json={"sub": self.subject, **self.userinfo})
        return httpx2.Response(404)


@pytest.fixture
def provider(app: App) -> FakeProvider:
    return use_provider(app, FakeProvider())


def provider_config(**config: Any) -> ProviderConfig:
    return ProviderConfig(
        name="mre-mx",
        discovery_url=f"{ISSUER}/.well-known/openid-configuration",
        client_id=CLIENT_ID,
        client_secret="secret",
        link_by_email=True,
        **config,
    )


def use_provider(app: App, fake: FakeProvider, **config: Any) -> FakeProvider:
    app.client.app.state.oidc_clients = {  # type: ignore[attr-defined]
        "mre-mx": OidcClient(provider_config(**config), transport=httpx2.MockTransport(fake.handle))
    }
    return fake


def plant(app: App, name: str, value: str, path: str = "/") -> None:
    """Replace a cookie the way a browser holds it (the test client stores ours under testserver.local)."""
    app.client.cookies.delete(name)
    app.client.cookies.set(name, value, domain="testserver.local", path=path)


def start(app: App) -> str:
    response = app.client.get("/signin/mre-mx", follow_redirects=False)
    assert response.status_code == 302, response.text
    assert app.client.cookies.get(SIGNIN_COOKIE)
    return response.headers["location"]


def callback(app: App, params: dict[str, str]) -> httpx2.Response | Any:
    return app.client.get("/signin/mre-mx/callback?" + urlencode(params), follow_redirects=False)


def sign_in(app: App, provider: FakeProvider, **change: str | None) -> Any:
    params = provider.authorize(start(app))
    params = {k: v for k, v in (params | change).items() if v is not None}
    return callback(app, params)


def test_the_authorization_request_asks_for_pkce_s256_state_and_nonce(
    app: App, provider: FakeProvider
) -> None:
    query = parse_qs(urlsplit(start(app)).query)
    assert query["response_type"] == ["code"]
    assert query["client_id"] == [CLIENT_ID]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43
    assert len(query["state"][0]) >= 43 and len(query["nonce"][0]) >= 43
    assert query["redirect_uri"] == ["http://testserver/signin/mre-mx/callback"]
    assert set(query["scope"][0].split()) == {"openid", "email", "profile"}


def test_a_registered_user_signs_in_and_gets_a_fresh_session(app: App, provider: FakeProvider) -> None:
    plant(app, SESSION_COOKIE, "a-session-id-planted-before-sign-in")
    response = sign_in(app, provider)
    assert response.status_code == 303, response.text
    assert response.headers["location"] == "/"
    cookie = response.headers["set-cookie"]
    assert "consenso_session=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    secret = app.client.cookies.get(SESSION_COOKIE)
    assert secret and secret != "a-session-id-planted-before-sign-in"
    me = app.client.get("/api/me").json()
    assert me["email"] == HEAD
    with Session(app.engine) as session:
        user = session.scalar(select(User).where(User.email == HEAD))
        assert user is not None and (user.issuer, user.subject) == (ISSUER, "sub-4711")


def test_signing_in_again_closes_the_session_the_browser_had(app: App, provider: FakeProvider) -> None:
    sign_in(app, provider)
    first = app.client.cookies.get(SESSION_COOKIE)
    sign_in(app, provider)
    second = app.client.cookies.get(SESSION_COOKIE)
    assert first != second
    plant(app, SESSION_COOKIE, first or "")
    assert app.client.get("/api/me").status_code == 401


def test_once_linked_the_subject_counts_not_the_email(app: App, provider: FakeProvider) -> None:
    sign_in(app, provider)
    provider.claims = {"email": "ppt.mex@demo.consenso", "email_verified": True}
    app.client.cookies.clear()
    sign_in(app, provider)
    assert app.client.get("/api/me").json()["email"] == HEAD
    provider.subject = "someone-else"
    provider.claims = {"email": HEAD, "email_verified": True}
    app.client.cookies.clear()
    response = sign_in(app, provider)
    assert response.status_code == 403


def test_an_unverified_email_links_nobody(app: App, provider: FakeProvider) -> None:
    provider.claims = {"email": HEAD, "email_verified": False}
    response = sign_in(app, provider)
    assert response.status_code == 403
    assert "no account for you" in response.text
    assert SESSION_COOKIE not in app.client.cookies


def test_an_unknown_subject_is_refused_with_a_clear_page(app: App, provider: FakeProvider) -> None:
    provider.claims = {"email": "nadie@example.org", "email_verified": True}
    response = sign_in(app, provider)
    assert response.status_code == 403
    assert response.headers["content-type"].startswith("text/html")
    assert "Ask the Technical Secretariat to add you" in response.text
    with Session(app.engine) as session:
        assert session.scalar(select(User).where(User.subject == "sub-4711")) is None


def test_the_configured_first_admin_is_provisioned(make_app: AppFactory) -> None:
    app = make_app(first_admin=FirstAdmin(ISSUER, "admin-1"), oidc_providers={"mre-mx": provider_config()})
    provider = use_provider(app, FakeProvider())
    provider.subject = "admin-1"
    provider.claims = {"email": "admin@sem.rcm", "name": "Administración"}
    assert sign_in(app, provider).status_code == 303
    me = app.client.get("/api/me").json()
    assert {key: me[key] for key in ("name", "email", "role", "delegation")} == {
        "name": "Administración",
        "email": "admin@sem.rcm",
        "role": "admin",
        "delegation": None,
    }


def test_claims_prefill_roles_only_where_configured(app: App) -> None:
    fake = FakeProvider(
        subject="new-1",
        claims={"email": "nuevo@sre.mx", "name": "Nuevo", "consenso_role": "delegate"}
        | {"consenso_delegation": "MEX"},
    )
    use_provider(app, fake)
    assert sign_in(app, fake).status_code == 403
    use_provider(app, fake, prefill_roles=True)
    assert sign_in(app, fake).status_code == 303
    me = app.client.get("/api/me").json()
    assert (me["role"], me["delegation"]) == ("delegate", "MEX")
    fake.subject, fake.claims = "new-2", {"email": "x@sre.mx", "consenso_role": "admin"}
    app.client.cookies.clear()
    assert sign_in(app, fake).status_code == 403


def test_userinfo_is_asked_when_the_id_token_lacks_the_claims(app: App) -> None:
    fake = use_provider(app, FakeProvider(claims={}, userinfo={"email": HEAD, "email_verified": True}))
    fake.userinfo["name"] = "Jefa de delegación"
    assert sign_in(app, fake).status_code == 303
    assert fake.userinfo_asked == 1
    assert app.client.get("/api/me").json()["name"] == "Jefa de delegación"


def test_userinfo_about_another_subject_is_refused(app: App) -> None:
    fake = use_provider(app, FakeProvider(claims={}, userinfo={"email": HEAD, "email_verified": True}))
    fake.userinfo["sub"] = "someone-else"
    assert sign_in(app, fake).status_code == 400


def refused(response: Any) -> str:
    assert response.status_code == 400, response.text
    assert SESSION_COOKIE not in response.headers.get("set-cookie", "")
    return str(response.text)


def test_a_wrong_state_is_refused(app: App, provider: FakeProvider) -> None:
    assert "not started in this browser" in refused(sign_in(app, provider, state="forged-state"))


def test_a_missing_state_is_refused(app: App, provider: FakeProvider) -> None:
    refused(sign_in(app, provider, state=None))


def test_a_callback_in_another_browser_is_refused(app: App, provider: FakeProvider) -> None:
    params = provider.authorize(start(app))
    plant(app, SIGNIN_COOKIE, "another-browser", path="/signin")
    refused(callback(app, params))


def test_a_replayed_callback_is_refused(app: App, provider: FakeProvider) -> None:
    params = provider.authorize(start(app))
    assert callback(app, params).status_code == 303
    refused(callback(app, params))


def test_a_replayed_code_with_a_new_state_is_refused(app: App, provider: FakeProvider) -> None:
    first = provider.authorize(start(app))
    assert callback(app, first).status_code == 303
    second = provider.authorize(start(app))
    assert "did not accept the authorization code" in refused(callback(app, second | {"code": first["code"]}))


def test_a_wrong_issuer_in_the_callback_is_refused(app: App, provider: FakeProvider) -> None:
    text = refused(sign_in(app, provider, iss="https://evil.example"))
    assert "another identity provider" in text


def test_a_missing_issuer_is_refused_where_the_provider_sends_one(app: App, provider: FakeProvider) -> None:
    refused(sign_in(app, provider, iss=None))


def test_no_issuer_is_needed_where_the_provider_sends_none(app: App) -> None:
    fake = use_provider(app, FakeProvider(iss_supported=False))
    assert sign_in(app, fake, iss=None).status_code == 303


def test_an_error_from_the_provider_is_refused(app: App, provider: FakeProvider) -> None:
    assert "access_denied" in refused(sign_in(app, provider, code=None, error="access_denied"))


@pytest.mark.parametrize(
    ("claims", "why"),
    [
        ({"exp": int(time.time()) - 600}, "exp"),
        ({"aud": "another-client"}, "aud"),
        ({"aud": [CLIENT_ID, "another-client"]}, "azp"),
        ({"iss": "https://evil.example"}, "iss"),
        ({"nonce": "another-nonce"}, "nonce"),
        ({"nonce": None}, "nonce"),
        ({"iat": int(time.time()) + 3600}, "iat"),
    ],
    ids=[
        "expired",
        "wrong-audience",
        "two-audiences-no-azp",
        "wrong-issuer",
        "wrong-nonce",
        "no-nonce",
        "future",
    ],
)
def test_a_wrong_id_token_is_refused(
    app: App, provider: FakeProvider, claims: dict[str, Any], why: str
) -> None:
    provider.id_token_claims = claims
    assert why in refused(sign_in(app, provider))


def test_a_tampered_id_token_signature_is_refused(app: App, provider: FakeProvider) -> None:
    def tamper(token: str) -> str:
        header, payload, signature = token.split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
        claims["sub"] = "admin-1"
        forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        return f"{header}.{forged}.{signature}"

    provider.id_token_edit = tamper
    assert "not validly signed" in refused(sign_in(app, provider))


def test_an_id_token_signed_by_another_key_is_refused(app: App, provider: FakeProvider) -> None:
    stranger = RSAKey.generate_key(2048, parameters={"kid": "idp-1"})
    provider.id_token_edit = lambda token: jwt.encode(
        json.loads(base64.urlsafe_b64decode(token.split(".")[0] + "==")),
        json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "==")),
        stranger,
    )
    refused(sign_in(app, provider))


def test_an_unsigned_id_token_is_refused(app: App, provider: FakeProvider) -> None:
    def unsigned(token: str) -> str:
        header = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode()
        return f"{header}.{token.split('.')[1]}."

    provider.id_token_edit = unsigned
    refused(sign_in(app, provider))


def test_an_unknown_provider_is_a_404_page(app: App, provider: FakeProvider) -> None:
    response = app.client.get("/signin/nobody", follow_redirects=False)
    assert response.status_code == 404
    assert app.client.get("/signin/nobody/callback?state=x&code=y").status_code == 404


def test_an_unreachable_provider_is_a_502_page(app: App) -> None:
    def down(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("connection refused", request=request)

    config = ProviderConfig("mre-mx", f"{ISSUER}/.well-known/openid-configuration", CLIENT_ID, "secret")
    app.client.app.state.oidc_clients = {"mre-mx": OidcClient(config, httpx2.MockTransport(down))}  # type: ignore[attr-defined]
    response = app.client.get("/signin/mre-mx", follow_redirects=False)
    assert response.status_code == 502
    assert "cannot be reached" in response.text


def test_the_sign_in_page_lists_the_providers(app: App, provider: FakeProvider) -> None:
    assert app.client.get("/api/signin/providers").json() == [
        {"name": "mre-mx", "title": "mre-mx", "url": "/signin/mre-mx"}
    ]
