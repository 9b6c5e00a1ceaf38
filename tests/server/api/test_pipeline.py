"""The request pipeline (issue 8, hole 5 and the one-pipeline part): bad input gets a 4xx that says what is
wrong, in one JSON shape, on every route; nothing answers 500; bodies are limited before they are read."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from sqlalchemy.orm import Session
from starlette.routing import Route
from starlette.websockets import WebSocketDisconnect

from drafting.catalogue import add_delegation, create_document, create_negotiation
from drafting.kinds import DelegationKind, DocumentKind
from server.api import ENDPOINTS
from server.api.pipeline import Endpoint
from tests.server.conftest import ORIGIN, App

PPT, HEAD_GTM, DELEGATE_MEX = "ppt@demo.consenso", "head.gtm@demo.consenso", "delegate.mex@demo.consenso"
SECRETARIAT = "secretariat@demo.consenso"
DOC = "/api/documents/1"
HUGE_IDS = [str(2**63), "99999999999999999999999", "0", "-1", "1e3", "uno"]
ID_PARAMETER = re.compile(r"{(\w+_id)}")


def assert_error_shape(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error", "code", "params"}, body
    assert isinstance(body["error"], str) and body["error"], body
    if code is not None:
        assert body["code"] == code, body
    return body


def id_routes() -> list[tuple[str, str]]:
    found = []
    for endpoint in ENDPOINTS:
        operation = endpoint.operation
        if ID_PARAMETER.search(operation.path):
            found.append((operation.method, operation.path))
    return found


def fill(path: str, bad: str) -> str:
    # The first id parameter takes the bad value; the others a real one.
    first, *_ = ID_PARAMETER.findall(path)
    path = path.replace("{" + first + "}", bad)
    path = ID_PARAMETER.sub("1", path)
    return path.replace("{paragraph_id}", "p000000000000").replace("{delegation}", "MEX")


@pytest.mark.parametrize("bad", HUGE_IDS)
def test_an_id_out_of_range_or_not_a_number_is_a_json_404_on_every_route(app: App, bad: str) -> None:
    headers = app.bearer(PPT)
    for method, path in id_routes():
        body = None if method in ("GET", "DELETE") else {}
        response = app.client.request(method, fill(path, bad), json=body, headers=headers)
        assert_error_shape(response, 404, "not_found")


def test_the_check_covers_about_every_route() -> None:
    assert len(id_routes()) >= 20


@pytest.mark.parametrize("bad", HUGE_IDS)
def test_a_sync_socket_for_an_impossible_document_is_refused(app: App, bad: str) -> None:
    with pytest.raises(WebSocketDisconnect) as refused:
        app.socket(f"/sync/{bad}", headers=app.bearer(PPT))
    assert refused.value.code == 1008
    assert app.client.get("/healthz").status_code == 200


def paragraph_id(app: App) -> str:
    pid: str = app.client.get(DOC, headers=app.bearer(PPT)).json()["paragraphs"][2]["id"]
    return pid


LONE_SURROGATE = '"Texto \\ud800 roto"'  # valid JSON, but no Unicode text


@pytest.mark.parametrize("where", ["comment", "position", "lock reason", "silence break"])
def test_a_lone_surrogate_is_refused_with_422_naming_the_field(app: App, where: str) -> None:
    pid = paragraph_id(app)
    requests = {
        "comment": (
            "POST",
            f"{DOC}/comments",
            f'{{"paragraph_id": "{pid}", "body": {LONE_SURROGATE}}}',
            PPT,
        ),
        "position": (
            "PUT",
            f"{DOC}/paragraphs/{pid}/position/draft",
            f'{{"stance": "amend", "amendment": "replace", "text": {LONE_SURROGATE}}}',
            PPT,
        ),
        "lock reason": ("POST", f"{DOC}/paragraphs/{pid}/lock", f'{{"reason": {LONE_SURROGATE}}}', PPT),
        "silence break": (
            "POST",
            f"{DOC}/silence/break",
            f'{{"paragraphs": ["{pid}"], "reason": {LONE_SURROGATE}}}',
            HEAD_GTM,
        ),
    }
    method, url, raw, who = requests[where]
    headers = {**app.bearer(who), "Content-Type": "application/json"}
    response = app.client.request(method, url, content=raw.encode(), headers=headers)
    body = assert_error_shape(response, 422, "invalid_field")
    assert "surrogate" in body["error"]


def test_deeply_nested_json_is_a_400(app: App) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    headers = {**app.bearer(PPT), "Content-Type": "application/json"}
    response = app.client.post(f"{DOC}/comments", content=deep.encode(), headers=headers)
    assert_error_shape(response, 400, "malformed_body")
    nested_value: Any = 1
    for _ in range(40):
        nested_value = [nested_value]
    nested = json.dumps({"paragraph_id": "p1", "body": "x", "span": {"a": nested_value}})
    response = app.client.post(f"{DOC}/comments", content=nested.encode(), headers=headers)
    assert_error_shape(response, 400, "malformed_body")


@pytest.mark.parametrize(
    "raw",
    [b"not json", b'{"reason": NaN}', b"\xff\xfe", b"[1, 2]", b'"text"', b'{"reason": "unterminated'],
)
def test_a_body_that_is_not_a_json_object_is_a_400(app: App, raw: bytes) -> None:
    pid = paragraph_id(app)
    headers = {**app.bearer(PPT), "Content-Type": "application/json"}
    response = app.client.post(f"{DOC}/paragraphs/{pid}/lock", content=raw, headers=headers)
    assert_error_shape(response, 400, "malformed_body")


def test_a_body_that_is_not_json_at_all_is_a_415(app: App) -> None:
    pid = paragraph_id(app)
    headers = {**app.bearer(PPT), "Content-Type": "text/plain"}
    response = app.client.post(f"{DOC}/paragraphs/{pid}/lock", content=b"please lock", headers=headers)
    assert_error_shape(response, 415, "unsupported_body")


@pytest.mark.parametrize(
    "deadline",
    ["9999-12-31T23:59:59-14:00", "0001-01-01T00:00:00+14:00", "mañana", "2030-01-01T10:00:00", "x" * 1000],
)
def test_an_impossible_silence_deadline_is_a_422(app: App, deadline: str) -> None:
    response = app.client.post(f"{DOC}/silence", json={"deadline": deadline}, headers=app.bearer(PPT))
    assert_error_shape(response, 422)
    assert app.client.get(DOC, headers=app.bearer(PPT)).json()["status"] == "draft"


@pytest.mark.parametrize("user_id", ["1e400", "1.5", "true", '"1"', "null", "9223372036854775808", "-3"])
def test_a_demo_sign_in_with_a_user_id_that_is_no_id_is_a_422(app: App, user_id: str) -> None:
    headers = {"Origin": ORIGIN, "Content-Type": "application/json"}
    response = app.client.post(
        "/api/demo/signin", content=f'{{"user_id": {user_id}}}'.encode(), headers=headers
    )
    assert_error_shape(response, 422)


def test_a_large_body_is_refused_before_it_is_read_whole(app: App) -> None:
    limit = app.settings.max_body_bytes
    headers = {**app.bearer(PPT), "Content-Type": "application/json"}
    big = b"[" + b"1," * (limit // 2) + b"1]"
    response = app.client.post(f"{DOC}/comments", content=big, headers=headers)
    body = assert_error_shape(response, 413, "body_too_large")
    assert body["params"]["limit"] == limit

    def chunks() -> Any:  # no Content-Length: counted as it arrives
        for _ in range(limit // 4096 + 2):
            yield b" " * 4096

    response = app.client.post(f"{DOC}/comments", content=chunks(), headers=headers)
    assert_error_shape(response, 413, "body_too_large")


def test_unknown_routes_and_methods_answer_in_the_same_shape(app: App) -> None:
    assert_error_shape(app.client.get("/api/nothing-here", headers=app.bearer(PPT)), 404, "no_route")
    assert_error_shape(app.client.put(DOC, json={}, headers=app.bearer(PPT)), 405, "bad_method")


def test_validation_errors_name_the_field_and_what_it_must_be(app: App) -> None:
    pid = paragraph_id(app)
    response = app.client.post(
        f"{DOC}/paragraphs/{pid}/status", json={"status": "maybe"}, headers=app.bearer(PPT)
    )
    body = assert_error_shape(response, 422, "invalid_field")
    assert body["params"]["field"] == "status" and "agreed_ad_ref" in body["error"]
    response = app.client.post(f"{DOC}/paragraphs/{pid}/status", json={}, headers=app.bearer(PPT))
    assert assert_error_shape(response, 422, "missing_field")["params"]["field"] == "status"
    response = app.client.post(
        f"{DOC}/comments", json={"paragraph_id": pid, "body": "x" * 10_001}, headers=app.bearer(PPT)
    )
    assert "10000 characters" in assert_error_shape(response, 422, "invalid_field")["error"]


def test_a_document_one_may_not_read_answers_like_a_missing_one(app: App) -> None:
    with Session(app.engine) as session, session.begin():
        add_delegation(session, "ZZA", "Zedlandia", DelegationKind.MEMBER_STATE)
        negotiation = create_negotiation(session, "Reunión bilateral", "ZZA", ["ZZA"])
        hidden = create_document(session, negotiation.id, DocumentKind.DECLARATION, "Confidencial", [])
        hidden_id = hidden.id
    outsider = app.bearer(HEAD_GTM)
    existing = app.client.get(f"/api/documents/{hidden_id}", headers=outsider)
    missing = app.client.get("/api/documents/987654", headers=outsider)
    assert existing.status_code == missing.status_code == 404
    assert existing.json()["code"] == missing.json()["code"] == "not_found"
    for path in ("/comments", "/silence", "/compilation", "/consensus-matrix"):
        assert app.client.get(f"/api/documents/{hidden_id}{path}", headers=outsider).status_code == 404
    assert app.client.post(f"/api/documents/{hidden_id}/adopt", headers=app.bearer(PPT)).status_code == 404
    assert app.client.get(f"/api/documents/{hidden_id}", headers=app.bearer(SECRETARIAT)).status_code == 200


def test_editing_another_delegations_comment_is_403_wherever_it_is_decided(app: App) -> None:
    pid = paragraph_id(app)
    made = app.client.post(
        f"{DOC}/comments", json={"paragraph_id": pid, "body": "Propuesta"}, headers=app.bearer(PPT)
    )
    assert made.status_code == 201
    edited = app.client.patch(
        f"{DOC}/comments/{made.json()['id']}", json={"body": "Cambiado"}, headers=app.bearer(DELEGATE_MEX)
    )
    assert_error_shape(edited, 403, "not_the_author")


def test_every_endpoint_is_an_operation_of_the_pipeline(app: App) -> None:
    api_routes = [
        route
        for route in app.client.app.routes  # type: ignore[attr-defined]
        if isinstance(route, Route) and route.path.startswith("/api/")
    ]
    assert api_routes and all(isinstance(route.endpoint, Endpoint) for route in api_routes), [
        route.path for route in api_routes if not isinstance(route.endpoint, Endpoint)
    ]
