"""Sessions, script tokens and access tokens over REST, and the public signing keys."""

from __future__ import annotations

from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from auth.endings import Credential, CredentialKind, Ending, EndReason
from server.security.csrf import token_for_session
from server.signin.identify import SESSION_COOKIE
from tests.server.conftest import ORIGIN, App

HEAD = "head.mex@demo.consenso"
DELEGATE = "delegate.mex@demo.consenso"
SECRETARIAT = "secretariat@demo.consenso"
SAME_ORIGIN = {"Origin": ORIGIN}


def from_page(app: App) -> dict[str, str]:
    """What our own page sends with an unsafe request: its Origin and the session's form token."""
    secret = app.client.cookies.get(SESSION_COOKIE) or ""
    return SAME_ORIGIN | {"X-CSRF-Token": token_for_session(secret)}


def demo_sign_in(app: App, email: str) -> None:
    users = app.client.get("/api/demo/users").json()
    user_id = next(u["id"] for u in users if u["email"] == email)
    response = app.client.post("/api/demo/signin", json={"user_id": user_id}, headers=SAME_ORIGIN)
    assert response.status_code == 204


@pytest.fixture
def disconnected(app: App) -> list[Ending]:
    """The credential endings the app publishes (each closes what was opened with it)."""
    published: list[Ending] = []
    app.client.app.state.services.endings.subscribe(published.append)  # type: ignore[attr-defined]
    return published


def access_token(app: App, headers: dict[str, str]) -> dict[str, Any]:
    response = app.client.post("/api/tokens/access", headers=headers)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body: dict[str, Any] = response.json()
    return body


def test_a_script_exchanges_its_token_for_a_short_lived_access_token(app: App) -> None:
    body = access_token(app, app.bearer(HEAD))
    assert body["token_type"] == "Bearer" and body["expires_in"] == 300
    me = app.client.get("/api/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.status_code == 200 and me.json()["email"] == HEAD


def test_the_jwks_serves_the_key_that_signs_access_tokens(app: App) -> None:
    token = access_token(app, app.bearer(HEAD))["access_token"]
    response = app.client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    published = response.json()
    assert all("d" not in key for key in published["keys"])
    decoded = jwt.decode(
        token, KeySet.import_key_set(published), registry=JWSRegistry(algorithms=["Ed25519"])
    )
    assert decoded.header["kid"] in {key["kid"] for key in published["keys"]}


def test_an_access_token_cannot_mint_another(app: App) -> None:
    token = access_token(app, app.bearer(HEAD))["access_token"]
    response = app.client.post("/api/tokens/access", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 403


def test_revoking_the_script_token_ends_its_access_tokens(app: App, disconnected: list[Ending]) -> None:
    headers = app.bearer(HEAD)
    access = {"Authorization": f"Bearer {access_token(app, headers)['access_token']}"}
    tokens = app.client.get("/api/tokens", headers=headers).json()
    assert len(tokens) == 1 and tokens[0]["active"]
    assert app.client.delete(f"/api/tokens/{tokens[0]['id']}", headers=headers).status_code == 204
    assert app.client.get("/api/me", headers=access).status_code == 401
    assert app.client.get("/api/me", headers=headers).status_code == 401
    user_id = app.client.get("/api/me", headers=app.bearer(HEAD)).json()["id"]
    token = Credential(CredentialKind.SCRIPT_TOKEN, tokens[0]["id"])
    assert disconnected == [Ending(EndReason.REVOKED, user_id, token)]


def test_a_bad_bearer_token_is_refused(app: App) -> None:
    for token in ["cst_nothing", "eyJhbGciOiJub25lIn0.e30.", "eyJ.x.y", "whatever"]:
        assert app.client.get("/api/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_nobody_revokes_someone_elses_token_without_managing_users(
    app: App, disconnected: list[Ending]
) -> None:
    owner = app.bearer(HEAD)
    token_id = app.client.get("/api/tokens", headers=owner).json()[0]["id"]
    other = app.bearer(DELEGATE)
    refused = app.client.delete(f"/api/tokens/{token_id}", headers=other)
    missing = app.client.delete("/api/tokens/99999", headers=other)
    # Another's token answers as a missing one does: the id confirms nothing.
    assert refused.status_code == missing.status_code == 404
    assert refused.json()["code"] == missing.json()["code"] == "not_found"
    assert app.client.get(f"/api/tokens?user={_id(app, owner)}", headers=other).status_code == 403
    staff = app.bearer(SECRETARIAT)
    assert len(app.client.get(f"/api/tokens?user={_id(app, owner)}", headers=staff).json()) == 1
    assert app.client.delete(f"/api/tokens/{token_id}", headers=staff).status_code == 204
    assert [ending.credential for ending in disconnected] == [
        Credential(CredentialKind.SCRIPT_TOKEN, token_id)
    ]
    assert app.client.get("/api/me", headers=owner).status_code == 401
    assert app.client.delete("/api/tokens/99999", headers=staff).status_code == 404


def _id(app: App, headers: dict[str, str]) -> int:
    user_id: int = app.client.get("/api/me", headers=headers).json()["id"]
    return user_id


def test_a_user_lists_and_revokes_their_sessions(app: App, disconnected: list[Ending]) -> None:
    demo_sign_in(app, HEAD)
    first = app.client.cookies.get(SESSION_COOKIE)
    app.client.cookies.clear()
    demo_sign_in(app, HEAD)
    sessions = app.client.get("/api/me/sessions").json()
    assert [s["current"] for s in sessions] == [False, True]
    assert all(s["signed_in_via"] is None or s["signed_in_via"] == "demo" for s in sessions)
    old = sessions[0]["id"]
    assert app.client.delete(f"/api/me/sessions/{old}").status_code == 403  # no Origin: not our page
    assert app.client.delete(f"/api/me/sessions/{old}", headers=from_page(app)).status_code == 204
    assert [s["id"] for s in app.client.get("/api/me/sessions").json()] == [sessions[1]["id"]]
    assert disconnected == [Ending(EndReason.REVOKED, _id(app, {}), Credential(CredentialKind.SESSION, old))]
    app.client.cookies.clear()
    app.client.cookies.set(SESSION_COOKIE, first or "", domain="testserver.local")
    assert app.client.get("/api/me").status_code == 401


def test_nobody_revokes_someone_elses_session(app: App, disconnected: list[Ending]) -> None:
    demo_sign_in(app, HEAD)
    head_session = app.client.get("/api/me/sessions").json()[0]["id"]
    app.client.cookies.clear()
    demo_sign_in(app, DELEGATE)
    assert app.client.delete(f"/api/me/sessions/{head_session}", headers=from_page(app)).status_code == 404
    assert disconnected == []


def test_managing_users_revokes_all_of_a_users_credentials(app: App, disconnected: list[Ending]) -> None:
    head = app.bearer(HEAD)
    head_id = _id(app, head)
    assert (
        app.client.delete(f"/api/users/{head_id}/credentials", headers=app.bearer(DELEGATE)).status_code
        == 403
    )
    assert (
        app.client.delete(f"/api/users/{head_id}/credentials", headers=app.bearer(SECRETARIAT)).status_code
        == 204
    )
    assert app.client.get("/api/me", headers=head).status_code == 401
    assert disconnected == [Ending(EndReason.REVOKED, head_id)]


def test_signed_out_callers_get_401(app: App) -> None:
    assert app.client.get("/api/me/sessions").status_code == 401
    assert app.client.get("/api/tokens").status_code == 401
    assert app.client.post("/api/tokens/access", headers=SAME_ORIGIN).status_code == 401
