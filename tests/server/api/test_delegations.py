"""The register of delegations over REST: list, add and edit, with the kinds the RCM knows."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from drafting.models import AuditEntry
from tests.server.conftest import App

SECRETARIAT = "secretariat@demo.consenso"


def test_the_secretariat_lists_adds_and_edits_delegations(app: App) -> None:
    headers = app.bearer(SECRETARIAT)
    listed = app.client.get("/api/delegations", headers=headers).json()
    assert {"code": "RNCOM", "kind": "civil_society"}.items() <= next(
        d for d in listed if d["code"] == "RNCOM"
    ).items()
    added = app.client.post(
        "/api/delegations", json={"code": "ecu", "name": "Ecuador", "kind": "observer_state"}, headers=headers
    )
    assert added.status_code == 201 and added.json()["code"] == "ECU"
    again = app.client.post("/api/delegations", json={"code": "ECU", "name": "Ecuador"}, headers=headers)
    assert again.status_code == 409 and again.json()["code"] == "already_exists"
    edited = app.client.patch(
        f"/api/delegations/{added.json()['id']}",
        json={"name": "República del Ecuador", "kind": "member_state"},
        headers=headers,
    )
    assert edited.status_code == 200
    assert (edited.json()["name"], edited.json()["kind"], edited.json()["code"]) == (
        "República del Ecuador",
        "member_state",
        "ECU",
    )
    with Session(app.engine) as session:
        actions = list(
            session.scalars(select(AuditEntry.action).where(AuditEntry.subject == "delegation/ECU"))
        )
    assert actions == ["delegation_added", "delegation_changed"]


def test_bad_delegations_are_refused(app: App) -> None:
    headers = app.bearer(SECRETARIAT)
    bad_code = app.client.post("/api/delegations", json={"code": "no spaces", "name": "X"}, headers=headers)
    assert bad_code.status_code == 422 and bad_code.json()["params"]["field"] == "code"
    bad_kind = app.client.post(
        "/api/delegations", json={"code": "X", "name": "X", "kind": "club"}, headers=headers
    )
    assert bad_kind.status_code == 422 and bad_kind.json()["params"]["field"] == "kind"
    missing = app.client.patch("/api/delegations/9999", json={"name": "X"}, headers=headers)
    assert missing.status_code == 404


def test_a_chair_stays_a_member_state_and_observers_stay_in_observer_delegations(app: App) -> None:
    headers = app.bearer(SECRETARIAT)
    by_code = {d["code"]: d["id"] for d in app.client.get("/api/delegations", headers=headers).json()}
    chair = app.client.patch(
        f"/api/delegations/{by_code['MEX']}", json={"kind": "observer_state"}, headers=headers
    )
    assert chair.status_code == 422 and chair.json()["code"] == "delegation_kind_refused"
    observers = app.client.patch(
        f"/api/delegations/{by_code['IOM']}", json={"kind": "member_state"}, headers=headers
    )
    assert observers.status_code == 422 and observers.json()["code"] == "delegation_kind_refused"


def test_only_the_secretariat_manages_delegations(app: App) -> None:
    for email in ("head.mex@demo.consenso", "admin@demo.consenso", "observer.iom@demo.consenso"):
        headers = app.bearer(email)
        assert app.client.get("/api/delegations", headers=headers).status_code == 200  # the list is no secret
        refused = app.client.post(
            "/api/delegations", json={"code": "ECU", "name": "Ecuador"}, headers=headers
        )
        assert refused.status_code == 403 and refused.json()["code"] == "not_allowed"
