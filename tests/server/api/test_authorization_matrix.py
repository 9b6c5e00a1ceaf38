"""The authorization matrix: every role against every REST route and every sync action.

The routes are read from the app itself, so a route added later is covered without anyone remembering to:
a route with no policy mark (declared on server.api.pipeline, or marked public) fails, and so does a
marked route missing from EXPECTED below. To cover a new route, add its (method, path template) with the
roles that may use it (and a sample value in PATH_VALUES for any new path parameter).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import anyio
import pytest
from pycrdt import Text
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from starlette.routing import BaseRoute, Mount, Route, WebSocketRoute
from starlette.types import Message
from starlette.websockets import WebSocketDisconnect

from auth.credentials import create_script_token, open_session
from auth.tables import ScriptToken
from auth.tables import Session as BrowserSession
from drafting.catalogue import user_by_email
from drafting.layout import read_paragraphs
from drafting.store import Store
from server.api.pipeline import PUBLIC, policy_action
from server.app import create_app
from server.settings import Settings
from tests.server.conftest import ORIGIN, App
from tests.server.test_sync_socket import connect, send_updates, text_of, until

USERS = {
    "ppt": "ppt@demo.consenso",  # MEX, which chairs the demo negotiation
    "head.mex": "head.mex@demo.consenso",
    "delegate.mex": "delegate.mex@demo.consenso",
    "head.gtm": "head.gtm@demo.consenso",
    "delegate.gtm": "delegate.gtm@demo.consenso",
    "head.can": "head.can@demo.consenso",
    "observer": "observer.iom@demo.consenso",
    "secretariat": "secretariat@demo.consenso",
    "admin": "admin@demo.consenso",
}
ANONYMOUS = "anonymous"
ROLES = [*USERS, ANONYMOUS]

EVERYONE = frozenset(ROLES)
SIGNED_IN = frozenset(USERS)
NEGOTIATORS = frozenset({"ppt", "head.mex", "delegate.mex", "head.gtm", "delegate.gtm", "head.can"})
READERS = NEGOTIATORS | {"observer", "secretariat", "admin"}
SPEAKERS = frozenset({"ppt", "head.mex", "head.gtm", "head.can"})
CHAIR = frozenset({"ppt"})
SECRETARIAT = frozenset({"secretariat"})
ADMIN = frozenset({"admin"})
OWNER = "delegate.gtm"  # owns the session and the token that PATH_VALUES name


@dataclass(frozen=True)
class Expect:
    allowed: frozenset[str]
    body: dict[str, Any] | None = None  # sent as JSON with unsafe methods ({} when None)
    stream: bool = False  # an endless response (server-sent events): only its status is read
    refused_with: tuple[int, ...] = (403,)  # 404 too where another's object must not be confirmed


DOCUMENT = "/api/documents/{document_id}"
PARAGRAPH = DOCUMENT + "/paragraphs/{paragraph_id}"

# (method, path template without converters) -> who may. "Allowed" is any status but 401 and 403.
EXPECTED: dict[tuple[str, str], Expect] = {
    # Pages, health and sign-in are public.
    ("GET", "/"): Expect(EVERYONE),
    ("GET", "/signin"): Expect(EVERYONE),
    ("GET", "/healthz"): Expect(EVERYONE),
    ("GET", "/api/demo/users"): Expect(EVERYONE),
    ("POST", "/api/demo/signin"): Expect(EVERYONE, body={"user_id": 1}),
    ("GET", "/api/signin/providers"): Expect(EVERYONE),
    ("GET", "/signin/{provider}"): Expect(EVERYONE),
    ("GET", "/signin/{provider}/callback"): Expect(EVERYONE),
    ("GET", "/.well-known/jwks.json"): Expect(EVERYONE),
    ("GET", "/api/openapi.json"): Expect(EVERYONE),
    # One's own account, sessions and tokens.
    ("GET", "/api/me"): Expect(SIGNED_IN),
    ("POST", "/api/signout"): Expect(EVERYONE),  # ends the session if there is one
    ("GET", "/api/me/sessions"): Expect(SIGNED_IN),
    ("DELETE", "/api/me/sessions/{session_id}"): Expect(frozenset({OWNER}), refused_with=(403, 404)),
    ("GET", "/api/tokens"): Expect(SIGNED_IN),
    ("POST", "/api/tokens/access"): Expect(SIGNED_IN),
    ("DELETE", "/api/tokens/{token_id}"): Expect(SECRETARIAT | ADMIN | {OWNER}, refused_with=(403, 404)),
    # Administration.
    ("DELETE", "/api/users/{user_id}/credentials"): Expect(SECRETARIAT | ADMIN),
    ("GET", "/api/users"): Expect(SECRETARIAT | ADMIN),
    ("POST", "/api/users"): Expect(
        SECRETARIAT | ADMIN,
        body={"email": "nueva@sre.gob.mx", "name": "Nueva", "role": "delegate", "delegation": "MEX"},
    ),
    ("PATCH", "/api/users/{user_id}"): Expect(SECRETARIAT | ADMIN, body={"name": "María Gómez"}),
    ("GET", "/api/delegations"): Expect(SIGNED_IN),
    ("POST", "/api/delegations"): Expect(
        SECRETARIAT, body={"code": "ECU", "name": "Ecuador", "kind": "observer_state"}
    ),
    ("PATCH", "/api/delegations/{delegation_id}"): Expect(SECRETARIAT, body={"name": "Belice"}),
    # The Secretariat's negotiations and documents.
    ("GET", "/api/negotiations"): Expect(SIGNED_IN),
    ("POST", "/api/negotiations"): Expect(SECRETARIAT, body={"title": "RCGM, junio", "chair": "MEX"}),
    ("POST", "/api/negotiations/{negotiation_id}/participants"): Expect(
        SECRETARIAT, body={"delegation": "COL"}
    ),
    ("POST", "/api/negotiations/{negotiation_id}/documents"): Expect(
        SECRETARIAT, body={"title": "Plan de Acción", "kind": "plan_of_action"}
    ),
    ("POST", "/api/negotiations/{negotiation_id}/documents/import"): Expect(SECRETARIAT),
    # Reading the negotiation's documents.
    ("GET", "/api/documents"): Expect(SIGNED_IN),
    ("GET", DOCUMENT): Expect(READERS),
    ("GET", DOCUMENT + "/events"): Expect(READERS, stream=True),
    ("GET", DOCUMENT + "/silence"): Expect(READERS),
    ("GET", DOCUMENT + "/comments"): Expect(READERS),
    ("GET", DOCUMENT + "/comments/{comment_id}/history"): Expect(READERS),
    ("GET", DOCUMENT + "/comment-settings"): Expect(READERS),
    ("GET", DOCUMENT + "/positions"): Expect(READERS),
    ("GET", PARAGRAPH + "/positions/{delegation}/versions"): Expect(READERS),
    ("GET", DOCUMENT + "/position-versions/compare"): Expect(READERS),
    ("GET", DOCUMENT + "/compilation"): Expect(READERS),
    ("GET", DOCUMENT + "/compilation.html"): Expect(READERS),
    ("GET", DOCUMENT + "/consensus-matrix"): Expect(READERS),
    ("GET", DOCUMENT + "/consensus-matrix.html"): Expect(READERS),
    # Deliberation: comments (observers only once the PPT opens comments to them) and positions.
    ("POST", DOCUMENT + "/comments"): Expect(
        NEGOTIATORS, body={"paragraph_id": "p0", "text": "¿Y los niños?"}
    ),
    ("PATCH", DOCUMENT + "/comments/{comment_id}"): Expect(NEGOTIATORS, body={"text": "Corregido"}),
    ("POST", DOCUMENT + "/comments/{comment_id}/replies"): Expect(NEGOTIATORS, body={"text": "De acuerdo"}),
    ("POST", DOCUMENT + "/comments/{comment_id}/resolve"): Expect(NEGOTIATORS),
    ("POST", DOCUMENT + "/comments/{comment_id}/reopen"): Expect(NEGOTIATORS),
    ("PUT", PARAGRAPH + "/position/draft"): Expect(NEGOTIATORS, body={"text": "Proponemos suprimir"}),
    ("POST", PARAGRAPH + "/position/versions"): Expect(SPEAKERS),
    ("POST", PARAGRAPH + "/position/withdrawal"): Expect(SPEAKERS),
    # The chair's moderation.
    ("POST", PARAGRAPH + "/lock"): Expect(CHAIR),
    ("POST", PARAGRAPH + "/unlock"): Expect(CHAIR),
    ("POST", PARAGRAPH + "/status"): Expect(CHAIR, body={"status": "agreed_ad_ref"}),
    ("POST", DOCUMENT + "/silence"): Expect(CHAIR),
    ("DELETE", DOCUMENT + "/silence"): Expect(CHAIR),
    ("POST", DOCUMENT + "/adopt"): Expect(CHAIR),
    ("POST", DOCUMENT + "/paragraphs"): Expect(CHAIR, body={"kind": "operative", "text": "Nuevo párrafo"}),
    ("POST", PARAGRAPH + "/move"): Expect(CHAIR),
    ("DELETE", PARAGRAPH): Expect(CHAIR),
    ("PUT", DOCUMENT + "/comment-settings"): Expect(CHAIR, body={"observers_may_comment": True}),
    ("GET", DOCUMENT + "/position-versions/{version_id}/incorporation"): Expect(CHAIR),
    ("POST", DOCUMENT + "/position-versions/{version_id}/incorporation"): Expect(CHAIR),
    # The historical memory: revisions, comparisons, the time slider, exports, the audit trail.
    ("GET", DOCUMENT + "/revisions"): Expect(READERS),
    ("POST", DOCUMENT + "/revisions"): Expect(SECRETARIAT | CHAIR),
    ("GET", DOCUMENT + "/revisions/{revision}"): Expect(READERS),
    ("GET", DOCUMENT + "/comparison"): Expect(READERS),
    ("GET", DOCUMENT + "/comparison.html"): Expect(READERS),
    ("POST", DOCUMENT + "/revisions/{revision}/restore"): Expect(CHAIR),
    ("GET", DOCUMENT + "/adopted"): Expect(READERS),
    ("GET", DOCUMENT + "/timeline"): Expect(READERS),
    ("GET", DOCUMENT + "/history"): Expect(READERS),
    ("GET", DOCUMENT + "/revisions/{revision}/export.docx"): Expect(READERS),
    ("GET", DOCUMENT + "/revisions/{revision}/export.html"): Expect(READERS),
    ("GET", DOCUMENT + "/revisions/{revision}/export.md"): Expect(READERS),
    ("GET", DOCUMENT + "/revisions/{revision}/export.akn.xml"): Expect(READERS),
    ("GET", DOCUMENT + "/export.docx"): Expect(READERS),
    ("GET", DOCUMENT + "/export.html"): Expect(READERS),
    ("GET", DOCUMENT + "/export.md"): Expect(READERS),
    ("GET", DOCUMENT + "/export.akn.xml"): Expect(READERS),
    ("GET", DOCUMENT + "/compilation.docx"): Expect(READERS),
    ("GET", DOCUMENT + "/edits"): Expect(SECRETARIAT),
    ("GET", "/api/negotiations/{negotiation_id}/audit"): Expect(SECRETARIAT),
    ("GET", "/api/negotiations/{negotiation_id}/audit.csv"): Expect(SECRETARIAT),
    ("GET", "/api/negotiations/{negotiation_id}/audit.jsonl"): Expect(SECRETARIAT),
    ("GET", "/api/audit"): Expect(SECRETARIAT),
    # The language versions: everyone reads them, the Secretariat keeps them in step.
    ("GET", DOCUMENT + "/languages"): Expect(READERS),
    ("GET", PARAGRAPH + "/translations/{language}"): Expect(READERS),
    ("POST", PARAGRAPH + "/translations/{language}/confirm"): Expect(SECRETARIAT),
    ("PUT", PARAGRAPH + "/translations/{language}"): Expect(SECRETARIAT, body={"text": "Considerando"}),
    # Speaking for one's delegation.
    ("POST", DOCUMENT + "/silence/break"): Expect(SPEAKERS, body={"reason": "Guatemala objects to OP3"}),
}

# Sample values for path parameters; those in braces are made or looked up for each test.
PATH_VALUES = {
    "document_id": "1",
    "negotiation_id": "1",
    "paragraph_id": "{first_paragraph}",
    "provider": "no-such-provider",
    "comment_id": "1",
    "version_id": "1",
    "delegation": "GTM",
    "language": "es",
    "session_id": "{owners_session}",
    "token_id": "{owners_token}",
    "user_id": "5",
    "revision": "0",
    "delegation_id": "1",
}

PARAMETER = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(:[a-zA-Z_]+)?}")


def template(path: str) -> str:
    return PARAMETER.sub(lambda m: "{" + m.group(1) + "}", path)


def walk(routes: list[BaseRoute], prefix: str = "") -> Iterator[tuple[str, BaseRoute]]:
    for route in routes:
        if isinstance(route, Mount):
            yield from walk(route.routes, prefix + route.path)
        else:
            yield prefix + getattr(route, "path", ""), route


def app_routes() -> list[tuple[str, BaseRoute]]:
    # Built once for collection with demo sign-in on (its routes exist only then); nothing is served.
    return list(walk(create_app(Settings(demo=True, database_url="sqlite://")).routes))


def marked_endpoints() -> list[tuple[str, str]]:
    keys = []
    for path, route in app_routes():
        if isinstance(route, Route) and policy_action(route.endpoint) is not None:
            keys.extend((method, template(path)) for method in sorted((route.methods or {"GET"}) - {"HEAD"}))
    return keys


def test_every_route_names_its_policy_action_or_says_it_is_public() -> None:
    unmarked = [
        f"{path} ({route.endpoint.__qualname__})"
        for path, route in app_routes()
        if isinstance(route, Route) and policy_action(route.endpoint) is None
    ]
    assert not unmarked, (
        f"routes without a policy mark: {unmarked}; decorate each endpoint with "
        "@server.api.pipeline.endpoint(..., Action.X, ...) or @server.api.pipeline.public"
    )


def test_the_sync_socket_is_the_only_websocket_route() -> None:
    sockets = [path for path, route in app_routes() if isinstance(route, WebSocketRoute)]
    assert sockets == ["/sync/{document_id}"], (
        f"a new WebSocket route needs its own cases in the sync part of {__file__}"
    )


def test_every_marked_route_is_in_the_table() -> None:
    missing = sorted(set(marked_endpoints()) - set(EXPECTED))
    assert not missing, (
        f"routes missing from EXPECTED in {__file__}: {missing}; add each with the roles that may use it"
    )


def test_the_table_names_only_routes_that_exist() -> None:
    assert not sorted(set(EXPECTED) - set(marked_endpoints())), "remove the entries of routes that are gone"


def test_public_routes_and_only_they_let_anonymous_in() -> None:
    by_key = {}
    for path, route in app_routes():
        if isinstance(route, Route):
            for method in (route.methods or {"GET"}) - {"HEAD"}:
                by_key[(method, template(path))] = policy_action(route.endpoint)
    for key, expect in EXPECTED.items():
        if key in by_key:
            assert (ANONYMOUS in expect.allowed) is (by_key[key] == PUBLIC), key


# --- every role on every REST route --------------------------------------------------------------------


def sample_objects(app: App) -> dict[str, str]:
    """A paragraph of the demo declaration, and a session and a script token that OWNER holds."""
    with Session(app.engine) as session, session.begin():
        owner = user_by_email(session, USERS[OWNER])
        open_session(session, owner)
        create_script_token(session, owner)
        session.flush()
        session_id = session.scalar(select(func.max(BrowserSession.id)))
        token_id = session.scalar(select(func.max(ScriptToken.id)))
    return {
        "{first_paragraph}": read_paragraphs(Store(app.engine).load(1).to_doc())[1].id,
        "{owners_session}": str(session_id),
        "{owners_token}": str(token_id),
    }


def concrete(path_template: str, app: App) -> str:
    made = sample_objects(app) if "{" in path_template else {}

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        assert name in PATH_VALUES, f"add a sample value for path parameter {{{name}}} to PATH_VALUES"
        return made.get(PATH_VALUES[name], PATH_VALUES[name])

    return PARAMETER.sub(value, path_template)


def stream_status(app: App, method: str, path: str, headers: dict[str, str]) -> int:
    """The status of an endless response: the request is dropped as soon as the status arrives."""
    started: anyio.Event | None = None  # created inside the portal's event loop below
    status: list[int] = []

    async def run() -> None:
        nonlocal started
        started = anyio.Event()
        request_sent = False

        async def receive() -> Message:
            nonlocal request_sent
            if not request_sent:
                request_sent = True
                return {"type": "http.request", "body": b"", "more_body": False}
            assert started is not None
            await started.wait()
            return {"type": "http.disconnect"}

        async def send(message: Message) -> None:
            if message["type"] == "http.response.start":
                status.append(message["status"])
                assert started is not None
                started.set()

        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": method,
            "scheme": "http",
            "server": ("testserver", 80),
            "client": ("testclient", 50000),
            "root_path": "",
            "path": path,
            "raw_path": path.encode(),
            "query_string": b"",
            "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
            "state": {},
        }
        with anyio.fail_after(10):
            await app.client.app(scope, receive, send)

    app.client.portal.call(run)  # type: ignore[union-attr]
    return status[0]


def status_of(app: App, method: str, path: str, headers: dict[str, str], expect: Expect) -> int:
    if expect.stream:
        return stream_status(app, method, path, headers)
    json = None if method in ("GET", "DELETE") else (expect.body if expect.body is not None else {})
    response = app.client.request(method, path, headers=headers, json=json, follow_redirects=False)
    return response.status_code


def as_expected(expect: Expect, role: str, status: int) -> bool:
    if role in expect.allowed:
        return status not in (401, 403)
    return status == 401 if role == ANONYMOUS else status in expect.refused_with


@pytest.mark.parametrize(("method", "path_template"), sorted(EXPECTED))
def test_each_role_is_allowed_or_refused_on_each_route(app: App, method: str, path_template: str) -> None:
    expect = EXPECTED[(method, path_template)]
    path = concrete(path_template, app)
    # Scripts use bearer tokens; a stranger's unsafe request comes from our own page (past the CSRF check).
    tokens = {role: app.bearer(email) for role, email in USERS.items()}
    tokens[ANONYMOUS] = {"Origin": ORIGIN}
    # Refused roles first: a refusal must change nothing, so the allowed roles then meet the demo state.
    order = sorted(ROLES, key=lambda role: role in expect.allowed)
    outcomes = {}
    for role in order:
        app.client.cookies.clear()
        status = status_of(app, method, path, tokens[role], expect)
        outcomes[role] = status
    wrong = {role: status for role, status in outcomes.items() if not as_expected(expect, role, status)}
    assert not wrong, f"{method} {path}: expected only {sorted(expect.allowed)} to get in; got {outcomes}"


# --- every role on the sync socket -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_connecting_to_the_sync_socket_needs_read(app: App, role: str) -> None:
    if role == ANONYMOUS:
        with pytest.raises(WebSocketDisconnect) as refused:
            app.socket("/sync/1")
        assert refused.value.code == 1008
        return
    socket, client = connect(app, USERS[role])
    assert role in READERS
    assert len(client.order) > 0
    socket.close()


@pytest.mark.parametrize("role", list(USERS))
def test_editing_text_on_the_sync_socket_needs_edit_text(app: App, role: str) -> None:
    socket, client = connect(app, USERS[role])
    before = text_of(client, 1)
    client.text(client.order[1]).insert(0, "Enmienda 🌎 ")
    send_updates(socket, client)
    stored = Store(app.engine)
    if role in NEGOTIATORS:
        until(socket, client, lambda _m: read_paragraphs(stored.load(1).to_doc())[1].text != before)
        assert read_paragraphs(stored.load(1).to_doc())[1].text == "Enmienda 🌎 " + before
        assert not client.denied
    else:
        until(socket, client, lambda _m: bool(client.denied))
        until(socket, client, lambda _m: text_of(client, 1) == before)  # compensated on its own copy too
        assert read_paragraphs(stored.load(1).to_doc())[1].text == before
    socket.close()


@pytest.mark.parametrize("role", list(USERS))
def test_restructuring_on_the_sync_socket_is_the_ppts(app: App, role: str) -> None:
    socket, client = connect(app, USERS[role])
    count = len(client.order)
    with client.doc.transaction():
        client.paragraphs["p00000000ab01"] = Text("Párrafo nuevo")
        client.order.insert(2, "p00000000ab01")
    send_updates(socket, client)
    if role in CHAIR:
        until(socket, client, lambda _m: "p00000000ab01" in client.info)
        assert len(read_paragraphs(Store(app.engine).load(1).to_doc())) == count + 1
    else:
        until(socket, client, lambda _m: bool(client.denied))
        until(socket, client, lambda _m: len(client.order) == count)
        assert "p00000000ab01" not in [p.id for p in read_paragraphs(Store(app.engine).load(1).to_doc())]
    socket.close()
