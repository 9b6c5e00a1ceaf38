"""REST for consensus: who may lock, run silence and adopt; checked transitions; bad input changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from drafting.consensus.info import FinalParagraph
from drafting.consensus.records import Adoption, ParagraphStatusChange, SilenceProcedure
from drafting.consensus.rules import final_text
from drafting.kinds import ParagraphKind
from drafting.models import AuditEntry, Document
from server.notices import Notice
from tests.server.conftest import App

DOC = 1  # the demo's Declaration, in the negotiation Mexico chairs
PPT = "ppt@demo.consenso"
ROLES = [
    "ppt",
    "head.mex",
    "delegate.mex",
    "head.gtm",
    "delegate.gtm",
    "head.can",
    "observer.iom",
    "secretariat",
    "admin",
]
HEADS = {"ppt", "head.mex", "head.gtm", "head.can"}


def email(role: str) -> str:
    return f"{role}@demo.consenso"


def document(app: App, who: str = PPT) -> dict[str, Any]:
    response = app.client.get(f"/api/documents/{DOC}", headers=app.bearer(who))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def paragraph_ids(app: App) -> list[str]:
    return [p["id"] for p in document(app)["paragraphs"]]


def post(app: App, path: str, body: Any = None, who: str = PPT, method: str = "POST") -> Any:
    return app.client.request(method, f"/api/documents/{DOC}{path}", json=body, headers=app.bearer(who))


def notices(app: App, monkeypatch: pytest.MonkeyPatch) -> list[Notice]:
    seen: list[Notice] = []
    events = app.client.app.state.services.notices  # type: ignore[attr-defined]
    publish = events.publish

    def record(document_id: int, notice: Notice) -> None:
        seen.append(notice)
        publish(document_id, notice)

    monkeypatch.setattr(events, "publish", record)
    return seen


# -- who may do what ---------------------------------------------------------------------------------


def _call(app: App, endpoint: str, who: str, first: str, valid: bool) -> Any:
    """One request to `endpoint`; `valid=False` sends a body the endpoint refuses after the policy."""
    if endpoint == "lock":
        return post(app, f"/paragraphs/{first if valid else 'p-unknown'}/lock", {}, who)
    if endpoint == "unlock":
        return post(app, f"/paragraphs/{first}/unlock", {"reason": "consultas" if valid else ""}, who)
    if endpoint == "status":
        return post(app, f"/paragraphs/{first}/status", {"status": "bracketed" if valid else "maybe"}, who)
    if endpoint == "start silence":
        return post(app, "/silence", {} if valid else {"deadline": "mañana"}, who)
    if endpoint == "show silence":
        return app.client.get(f"/api/documents/{DOC}/silence", headers=app.bearer(who))
    if endpoint == "cancel silence":
        return post(app, "/silence", {} if valid else [], who, method="DELETE")
    if endpoint == "break silence":
        return post(
            app, "/silence/break", {"paragraphs": [first], "reason": "objeción" if valid else ""}, who
        )
    if endpoint == "adopt":
        return post(app, "/adopt", None if valid else [], who)
    raise AssertionError(endpoint)


EVERYONE = set(ROLES)
# endpoint → (roles allowed, status of a malformed request that passed the policy, status on success, setup)
MATRIX = {
    "lock": ({"ppt"}, 404, 200, None),
    "unlock": ({"ppt"}, 422, 200, "lock"),
    "status": ({"ppt"}, 422, 200, None),
    "start silence": ({"ppt"}, 422, 201, None),
    "show silence": (EVERYONE, None, 200, "silence"),
    "cancel silence": ({"ppt"}, 400, 200, "silence"),
    "break silence": (HEADS, 422, 200, "silence"),
    "adopt": ({"ppt"}, None, 200, None),
}


@pytest.mark.parametrize("endpoint", MATRIX)
def test_every_role_against_every_endpoint(app: App, endpoint: str) -> None:
    allowed, malformed, success, setup = MATRIX[endpoint]
    first = paragraph_ids(app)[0]
    if setup == "lock":
        assert post(app, f"/paragraphs/{first}/lock", {}).status_code == 200
    elif setup == "silence":
        assert post(app, "/silence", {}).status_code == 201
    before = document(app)
    codes: dict[str, int] = {}
    expected: dict[str, int] = {}
    for role in ROLES:  # refusals and malformed requests first: they change nothing
        if role not in allowed:
            response = _call(app, endpoint, email(role), first, valid=True)
            assert response.json()["error"], "a refusal names the rule"
            codes[role], expected[role] = response.status_code, 403
        elif malformed is not None:
            codes[role] = _call(app, endpoint, email(role), first, valid=False).status_code
            expected[role] = malformed
    assert document(app) == before, "a refused or malformed request changed the document"
    for role in sorted(allowed, key=ROLES.index):
        codes[role + " (valid)"] = _call(app, endpoint, email(role), first, valid=True).status_code
        expected[role + " (valid)"] = success
        if endpoint != "show silence":
            break  # the first success changes the state the others would act on
    assert codes == expected


def test_without_credentials_nothing_happens(app: App) -> None:
    assert app.client.get(f"/api/documents/{DOC}/silence").status_code == 401
    before = document(app)
    response = app.client.post(f"/api/documents/{DOC}/adopt")
    assert response.status_code in (401, 403)  # 403: the CSRF check answers before sign-in is asked
    assert document(app) == before


def test_unknown_document_and_paragraph_are_404(app: App) -> None:
    response = app.client.post("/api/documents/999/adopt", headers=app.bearer(PPT))
    assert response.status_code == 404
    response = post(app, "/paragraphs/p000000000000/lock", {})
    assert response.status_code == 404
    assert "paragraph" in response.json()["error"]


def test_a_cookie_request_from_a_foreign_origin_is_refused(app: App) -> None:
    users = app.client.get("/api/demo/users").json()
    ppt_id = next(u["id"] for u in users if u["email"] == PPT)
    app.client.post("/api/demo/signin", json={"user_id": ppt_id}, headers={"Origin": "http://testserver"})
    first = paragraph_ids(app)[0]
    response = app.client.post(
        f"/api/documents/{DOC}/paragraphs/{first}/lock", json={}, headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403
    app.client.cookies.clear()


# -- paragraphs ---------------------------------------------------------------------------------------


def test_status_lifecycle_is_recorded_audited_and_mirrored(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    seen = notices(app, monkeypatch)
    first, second = paragraph_ids(app)[:2]
    assert post(app, f"/paragraphs/{first}/status", {"status": "bracketed"}).json()["status"] == "bracketed"
    closed = post(app, f"/paragraphs/{first}/status", {"status": "agreed_ad_ref", "reason": "acuerdo"})
    assert closed.status_code == 200
    assert closed.json() | {"label": None} == {
        "id": first,
        "label": None,
        "kind": closed.json()["kind"],
        "status": "agreed_ad_ref",
        "locked": True,
    }
    # reopening agreed ad ref text needs a reason
    refused = post(app, f"/paragraphs/{first}/unlock", {})
    assert refused.status_code == 422
    assert "reason" in refused.json()["error"]
    reopened = post(app, f"/paragraphs/{first}/unlock", {"reason": "la capital pide revisar"})
    assert reopened.json()["status"] == "open" and reopened.json()["locked"] is False
    assert post(app, f"/paragraphs/{second}/status", {"status": "agreed"}).json()["locked"] is True
    for attempt in (
        post(app, f"/paragraphs/{second}/unlock", {"reason": "reabrir"}),
        post(app, f"/paragraphs/{second}/status", {"status": "open", "reason": "reabrir"}),
        post(app, f"/paragraphs/{second}/lock", {}),
    ):
        assert attempt.status_code == 409, attempt.text

    shown = {p["id"]: p for p in document(app)["paragraphs"]}
    assert (shown[first]["status"], shown[first]["locked"]) == ("open", False)
    assert (shown[second]["status"], shown[second]["locked"]) == ("agreed", True)
    with Session(app.engine) as session:
        changes = session.scalars(select(ParagraphStatusChange).order_by(ParagraphStatusChange.id)).all()
        assert [(c.paragraph_id, c.from_status, c.to_status, c.to_locked, c.reason) for c in changes] == [
            (first, "open", "bracketed", False, ""),
            (first, "bracketed", "agreed_ad_ref", True, "acuerdo"),
            (first, "agreed_ad_ref", "open", False, "la capital pide revisar"),
            (second, "open", "agreed", True, ""),
        ]
        assert all(c.actor_id is not None and c.at is not None for c in changes)
        audited = session.scalars(select(AuditEntry).where(AuditEntry.action.like("paragraph_%"))).all()
        assert len(audited) == 4
        assert "la capital pide revisar" in audited[2].detail
    assert [n.payload["status"] for n in seen if n.kind == "paragraph_status"] == [
        "bracketed",
        "agreed_ad_ref",
        "open",
        "agreed",
    ]


@pytest.mark.parametrize(
    ("body", "status"),
    [
        (b"{not json", 400),
        (b"[1, 2]", 400),
        (b'{"status": "maybe"}', 422),
        (b'{"status": 3}', 422),
        (b"{}", 422),
        (b'{"status": "open", "reason": 5}', 422),
    ],
)
def test_bad_bodies_are_refused_and_change_nothing(app: App, body: bytes, status: int) -> None:
    first = paragraph_ids(app)[0]
    before = document(app)
    response = app.client.post(
        f"/api/documents/{DOC}/paragraphs/{first}/status",
        content=body,
        headers={**app.bearer(PPT), "Content-Type": "application/json"},
    )
    assert response.status_code == status
    assert response.json()["error"]
    assert document(app) == before


# -- the silence procedure ----------------------------------------------------------------------------


def test_silence_locks_the_document_and_breaking_reopens_named_paragraphs(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = notices(app, monkeypatch)
    ids = paragraph_ids(app)
    for paragraph_id in ids[:3]:
        assert post(app, f"/paragraphs/{paragraph_id}/status", {"status": "agreed_ad_ref"}).status_code == 200
    assert post(app, f"/paragraphs/{ids[3]}/status", {"status": "agreed"}).status_code == 200
    started = post(app, "/silence", {"deadline": "2999-11-20T18:00:00-06:00"})
    assert started.status_code == 201, started.text
    assert started.json()["deadline"] == "2999-11-21T00:00:00+00:00"
    assert document(app)["status"] == "under_silence"
    assert post(app, "/silence", {}).status_code == 409
    assert post(app, f"/paragraphs/{ids[4]}/lock", {}).status_code == 409
    assert post(app, "/adopt").status_code == 409

    # refused breaks change nothing
    assert post(app, "/silence/break", {"paragraphs": [ids[1]]}, "head.gtm@demo.consenso").status_code == 422
    assert (
        post(app, "/silence/break", {"paragraphs": [], "reason": "x"}, "head.gtm@demo.consenso").status_code
        == 422
    )
    unknown = {"paragraphs": [ids[1], "p-nope"], "reason": "x"}
    assert post(app, "/silence/break", unknown, "head.gtm@demo.consenso").status_code == 404
    agreed = {"paragraphs": [ids[3]], "reason": "x"}
    assert post(app, "/silence/break", agreed, "head.gtm@demo.consenso").status_code == 409
    assert (
        post(
            app, "/silence/break", agreed | {"paragraphs": [ids[1]]}, "delegate.gtm@demo.consenso"
        ).status_code
        == 403
    )
    assert document(app)["status"] == "under_silence"

    broken = post(
        app,
        "/silence/break",
        {"paragraphs": [ids[1], ids[2]], "reason": "Guatemala objeta 🌎"},
        "head.gtm@demo.consenso",
    )
    assert broken.status_code == 200, broken.text
    assert broken.json()["silence"]["state"] == "broken"
    shown = document(app)
    assert shown["status"] == "draft"
    states = {p["id"]: (p["status"], p["locked"]) for p in shown["paragraphs"]}
    assert states[ids[0]] == ("agreed_ad_ref", True)
    assert states[ids[1]] == states[ids[2]] == ("open", False)
    assert states[ids[3]] == ("agreed", True)
    notice = next(n for n in seen if n.kind == "silence_broken")
    assert notice.payload["paragraphs"] == [ids[1], ids[2]]
    assert notice.payload["reason"] == "Guatemala objeta 🌎"
    assert notice.payload["by"]["delegation"] == "GTM"
    assert notice.delegation_id is None, "every participant is notified"
    assert (
        app.client.get(f"/api/documents/{DOC}/silence", headers=app.bearer(PPT)).json()["state"] == "broken"
    )
    assert (
        post(
            app, "/silence/break", {"paragraphs": [ids[0]], "reason": "x"}, "head.can@demo.consenso"
        ).status_code
        == 409
    )
    with Session(app.engine) as session:
        assert session.get(Document, DOC).status.value == "draft"  # type: ignore[union-attr]
        row = session.scalars(select(SilenceProcedure)).one()
        assert row.state == "broken" and row.reason == "Guatemala objeta 🌎"


def test_cancelled_silence_returns_to_draft(app: App) -> None:
    assert post(app, "/silence", method="DELETE").status_code == 409
    assert post(app, "/silence", {}).status_code == 201
    cancelled = post(app, "/silence", method="DELETE")
    assert cancelled.status_code == 200 and cancelled.json()["state"] == "cancelled"
    assert document(app)["status"] == "draft"


def test_a_deadline_in_the_past_or_without_zone_is_refused(app: App) -> None:
    for deadline in ("2001-01-01T00:00:00Z", "2999-01-01T00:00:00", "pronto"):
        response = post(app, "/silence", {"deadline": deadline})
        assert response.status_code == 422, deadline
    assert document(app)["status"] == "draft"


# -- adoption -----------------------------------------------------------------------------------------


def test_adoption_agrees_and_locks_everything_for_good(app: App) -> None:
    ids = paragraph_ids(app)
    assert post(app, f"/paragraphs/{ids[0]}/status", {"status": "bracketed"}).status_code == 200
    adopted = post(app, "/adopt")
    assert adopted.status_code == 200, adopted.text
    shown = document(app)
    assert shown["status"] == "adopted"
    assert {(p["status"], p["locked"]) for p in shown["paragraphs"]} == {("agreed", True)}
    spanish = {
        p["id"]: post(app, f"/paragraphs/{p['id']}/translations/es", method="GET").json()["text"]
        for p in shown["paragraphs"]
    }  # the Declaration's Spanish version: the hash covers it too
    expected = final_text(
        [
            FinalParagraph(
                p["id"], p["label"], ParagraphKind(p["kind"]), p["text"], (("es", spanish[p["id"]]),)
            )
            for p in shown["paragraphs"]
        ]
    )
    assert adopted.json()["sha256"] == expected.sha256
    with Session(app.engine) as session:
        adoption = session.get(Adoption, DOC)
        assert adoption is not None
        assert (adoption.sha256, adoption.final_text) == (expected.sha256, expected.text)
        assert adoption.final_state
        assert session.get(Document, DOC).status.value == "adopted"  # type: ignore[union-attr]
    for attempt in (
        post(app, "/adopt"),
        post(app, "/silence", {}),
        post(app, f"/paragraphs/{ids[0]}/unlock", {"reason": "reabrir"}),
        post(app, f"/paragraphs/{ids[0]}/status", {"status": "open", "reason": "reabrir"}),
        post(app, "/silence/break", {"paragraphs": [ids[0]], "reason": "x"}, "head.gtm@demo.consenso"),
    ):
        assert attempt.status_code == 409, attempt.text
    assert document(app) == shown


# -- OpenAPI ------------------------------------------------------------------------------------------


def test_openapi_describes_the_consensus_endpoints(app: App) -> None:
    response = app.client.get("/api/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    base = "/api/documents/{document_id}"
    assert set(paths[base + "/paragraphs/{paragraph_id}/status"]) == {"post"}
    assert set(paths[base + "/silence"]) == {"post", "get", "delete"}
    assert "409" in paths[base + "/adopt"]["post"]["responses"]
    assert {base + "/paragraphs/{paragraph_id}/lock", base + "/silence/break"} <= set(paths)
