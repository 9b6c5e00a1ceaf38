"""End-to-end sign-in against the real, strict npm `oidc-provider` (tests/oidc/provider.mjs) on 127.0.0.1:
PKCE required, a confidential client, RFC 9207 `iss` on every answer, claims from userinfo only."""

from __future__ import annotations

import json
import queue
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx2
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.oidc import parse_providers
from drafting.models import User
from server.signin.identify import SESSION_COOKIE
from tests.conftest import skip_unless_ci
from tests.server.conftest import ORIGIN, App, AppFactory

pytestmark = pytest.mark.node

HERE = Path(__file__).resolve().parents[2] / "oidc"
REDIRECT_URI = f"{ORIGIN}/signin/oidc/callback"
HEAD = "head.mex@demo.consenso"
START_SECONDS = 20.0


@dataclass
class NodeProvider:
    issuer: str
    process: subprocess.Popen[str]

    def as_subject(self, sub: str, email: str, name: str) -> None:
        response = httpx2.post(f"{self.issuer}/test/subject", json={"sub": sub, "email": email, "name": name})
        assert response.status_code == 204

    def authorize(self, url: str) -> dict[str, str]:
        """Follow the provider's redirects and interactions, as a browser would, to our callback."""
        with httpx2.Client(timeout=10) as browser:
            for _ in range(12):
                response = browser.get(url, follow_redirects=False)
                assert response.status_code in (302, 303), response.text
                url = urljoin(url, response.headers["location"])
                if url.startswith(REDIRECT_URI):
                    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}
        raise AssertionError("the provider never sent the browser back")


def _missing_toolchain() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed"
    if not (HERE / "node_modules" / "oidc-provider").is_dir():
        return "tests/oidc/node_modules is missing: run `npm ci --prefix tests/oidc`"
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def node_provider() -> Iterator[NodeProvider]:
    reason = _missing_toolchain()
    if reason is not None:
        skip_unless_ci(reason)
    port = _free_port()
    process = subprocess.Popen(
        ["node", "provider.mjs", str(port), REDIRECT_URI],
        cwd=HERE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    assert process.stdout is not None
    stdout = process.stdout
    reader = threading.Thread(target=lambda: [lines.put(line) for line in stdout], daemon=True)
    reader.start()
    try:
        try:
            ready = lines.get(timeout=START_SECONDS)
        except queue.Empty:
            pytest.fail(f"oidc-provider did not start within {START_SECONDS} s")
        assert ready.startswith("ready "), ready
        issuer = ready.split()[1]
        discovery = httpx2.get(f"{issuer}/.well-known/openid-configuration", timeout=5)
        assert discovery.json()["issuer"] == issuer
        yield NodeProvider(issuer, process)
    finally:
        process.terminate()
        process.wait(timeout=10)
        reader.join(timeout=10)  # the pipe is at its end once node has exited
        stdout.close()


@pytest.fixture
def signin_app(make_app: AppFactory, node_provider: NodeProvider) -> App:
    providers = [
        {
            "name": "oidc",
            "discovery_url": f"{node_provider.issuer}/.well-known/openid-configuration",
            "client_id": "consenso",
            "client_secret": "consenso-test-secret",
            "link_by_email": True,
        }
    ]
    return make_app(oidc_providers=parse_providers(json.dumps(providers)))


def start(app: App) -> str:
    response = app.client.get("/signin/oidc", follow_redirects=False)
    assert response.status_code == 302, response.text
    return str(response.headers["location"])


def callback(app: App, params: dict[str, str]) -> Any:
    return app.client.get("/signin/oidc/callback?" + urlencode(params), follow_redirects=False)


def test_a_registered_user_signs_in_through_the_real_provider(
    signin_app: App, node_provider: NodeProvider
) -> None:
    node_provider.as_subject("mx-0001", HEAD, "Andrés Ramírez")
    params = node_provider.authorize(start(signin_app))
    assert params["iss"] == node_provider.issuer
    response = callback(signin_app, params)
    assert response.status_code == 303, response.text
    assert signin_app.client.cookies.get(SESSION_COOKIE)
    me = signin_app.client.get("/api/me").json()
    assert (me["email"], me["name"]) == (HEAD, "Andrés Ramírez")  # both from userinfo
    with Session(signin_app.engine) as session:
        user = session.scalar(select(User).where(User.email == HEAD))
        assert user is not None and (user.issuer, user.subject) == (node_provider.issuer, "mx-0001")


def test_the_provider_refuses_a_request_without_pkce(node_provider: NodeProvider) -> None:
    query = {
        "client_id": "consenso",
        "redirect_uri": REDIRECT_URI,
        "response_type": "code",
        "scope": "openid",
        "state": "s",
        "nonce": "n",
    }
    params = node_provider.authorize(f"{node_provider.issuer}/auth?{urlencode(query)}")
    assert params["error"] == "invalid_request" and "PKCE" in params["error_description"]


def test_a_wrong_state_is_refused(signin_app: App, node_provider: NodeProvider) -> None:
    node_provider.as_subject("mx-0001", HEAD, "Andrés Ramírez")
    params = node_provider.authorize(start(signin_app))
    assert callback(signin_app, params | {"state": "forged"}).status_code == 400
    assert SESSION_COOKIE not in signin_app.client.cookies


def test_a_replayed_code_is_refused(signin_app: App, node_provider: NodeProvider) -> None:
    node_provider.as_subject("mx-0001", HEAD, "Andrés Ramírez")
    first = node_provider.authorize(start(signin_app))
    assert callback(signin_app, first).status_code == 303
    assert callback(signin_app, first).status_code == 400  # the same callback again
    second = node_provider.authorize(start(signin_app))
    response = callback(signin_app, second | {"code": first["code"]})  # a fresh state, the old code
    assert response.status_code == 400
    assert "did not accept the authorization code" in response.text


def test_a_wrong_issuer_is_refused(signin_app: App, node_provider: NodeProvider) -> None:
    node_provider.as_subject("mx-0001", HEAD, "Andrés Ramírez")
    params = node_provider.authorize(start(signin_app))
    response = callback(signin_app, params | {"iss": "http://127.0.0.1:1"})
    assert response.status_code == 400
    assert "another identity provider" in response.text


def test_an_unknown_subject_is_refused(signin_app: App, node_provider: NodeProvider) -> None:
    node_provider.as_subject("xx-9999", "nadie@example.org", "Nadie")
    response = callback(signin_app, node_provider.authorize(start(signin_app)))
    assert response.status_code == 403
    assert "no account for you" in response.text
