"""The register of users over REST: list, add, change role, delegation or access. A change of access closes
the user's sockets (4403) and is recorded in the installation's audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.endings import Ending, EndReason
from drafting.models import AuditEntry
from server.errors import CLOSE_ACCESS_CHANGED
from tests.server.conftest import App, AppFactory
from tests.server.test_credential_endings import QUICK, closed_with, connect, still_open

SECRETARIAT = "secretariat@demo.consenso"
ADMIN = "admin@demo.consenso"


@pytest.fixture
def disconnected(app: App) -> list[Ending]:
    published: list[Ending] = []
    app.client.app.state.services.endings.subscribe(published.append)  # type: ignore[attr-defined]
    return published


def user_id(app: App, email: str) -> int:
    users = app.client.get("/api/users", headers=app.bearer(SECRETARIAT)).json()
    found: int = next(u["id"] for u in users if u["email"] == email)
    return found


def test_the_secretariat_adds_a_user_who_can_then_sign_in(app: App) -> None:
    body = {"email": "Ana.Lopez@sre.gob.mx", "name": "Ana López", "role": "delegate", "delegation": "mex"}
    added = app.client.post("/api/users", json=body, headers=app.bearer(SECRETARIAT))
    assert added.status_code == 201, added.text
    assert {k: added.json()[k] for k in ("email", "role", "delegation", "active", "linked")} == {
        "email": "ana.lopez@sre.gob.mx",
        "role": "delegate",
        "delegation": "MEX",
        "active": True,
        "linked": False,
    }
    me = app.client.get("/api/me", headers=app.bearer("ana.lopez@sre.gob.mx")).json()
    assert (me["name"], me["delegation"]) == ("Ana López", "MEX")
    twice = app.client.post("/api/users", json=body, headers=app.bearer(SECRETARIAT))
    assert twice.status_code == 409
    with Session(app.engine) as session:
        entry = session.scalars(
            select(AuditEntry).where(AuditEntry.subject == f"user/{added.json()['id']}")
        ).one()
    assert (entry.action, entry.actor_id) == ("user_added", user_id(app, SECRETARIAT))


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"role": "delegate"}, "delegation_needed"),
        ({"role": "observer", "delegation": "MEX"}, "observer_in_member_state"),
        ({"role": "head", "delegation": "ZZZ"}, "not_found"),
        ({"role": "chief", "delegation": "MEX"}, "invalid_field"),
        ({"role": "delegate", "delegation": "MEX", "email": "no-at-sign"}, "invalid_field"),
    ],
)
def test_bad_users_are_refused(app: App, body: dict[str, str], code: str) -> None:
    sent = {"email": "x@y.org", "name": "X"} | body
    response = app.client.post("/api/users", json=sent, headers=app.bearer(SECRETARIAT))
    assert response.status_code in (404, 422) and response.json()["code"] == code


def test_a_change_of_role_closes_the_users_sockets_and_is_audited(make_app: AppFactory) -> None:
    app = make_app(credential_check_seconds=3600, **QUICK)  # closed by the noted ending, not a later check
    published: list[Ending] = []
    app.client.app.state.services.endings.subscribe(published.append)  # type: ignore[attr-defined]
    head = "head.gtm@demo.consenso"
    socket, client = connect(app, app.bearer(head))
    other_socket, other_client = connect(app, app.bearer("head.mex@demo.consenso"))
    target = user_id(app, head)
    changed = app.client.patch(
        f"/api/users/{target}", json={"role": "delegate"}, headers=app.bearer(SECRETARIAT)
    )
    assert changed.status_code == 200 and changed.json()["role"] == "delegate"
    assert closed_with(socket, client)[0] == CLOSE_ACCESS_CHANGED
    assert still_open(other_socket, other_client)
    assert published == [Ending(EndReason.ACCOUNT_CHANGED, target)]
    with Session(app.engine) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "role_changed")).one()
    assert (entry.subject, entry.negotiation_id) == (f"user/{target}", None)  # the installation's chain
    assert entry.detail == "head.gtm@demo.consenso: delegate of GTM"
    assert entry.actor_id == user_id(app, SECRETARIAT)


def test_a_change_of_delegation_or_access_ends_what_is_open(app: App, disconnected: list[Ending]) -> None:
    target = user_id(app, "delegate.gtm@demo.consenso")
    path, headers = f"/api/users/{target}", app.bearer(SECRETARIAT)
    assert app.client.patch(path, json={"delegation": "HND"}, headers=headers).json()["delegation"] == "HND"
    assert app.client.patch(path, json={"active": False}, headers=headers).json()["active"] is False
    assert [e.reason for e in disconnected] == [EndReason.ACCOUNT_CHANGED, EndReason.ACCOUNT_DISABLED]
    with Session(app.engine) as session:
        actions = list(
            session.scalars(select(AuditEntry.action).where(AuditEntry.subject == f"user/{target}"))
        )
    assert actions == ["user_added", "role_changed", "user_disabled"]  # the demo added them


def test_renaming_a_user_ends_nothing(app: App, disconnected: list[Ending]) -> None:
    target = user_id(app, "delegate.gtm@demo.consenso")
    renamed = app.client.patch(
        f"/api/users/{target}", json={"name": "María José Gómez"}, headers=app.bearer(SECRETARIAT)
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "María José Gómez"
    assert disconnected == []


def test_a_user_made_staff_leaves_the_delegation(app: App) -> None:
    target = user_id(app, "delegate.gtm@demo.consenso")
    changed = app.client.patch(
        f"/api/users/{target}", json={"role": "secretariat"}, headers=app.bearer(SECRETARIAT)
    )
    assert (changed.json()["role"], changed.json()["delegation"]) == ("secretariat", None)


def test_only_an_administrator_grants_or_removes_the_admin_role(app: App, disconnected: list[Ending]) -> None:
    target = user_id(app, "delegate.gtm@demo.consenso")
    secretariat = app.bearer(SECRETARIAT)
    refused = app.client.patch(f"/api/users/{target}", json={"role": "admin"}, headers=secretariat)
    assert refused.status_code == 403 and refused.json()["code"] == "not_allowed"
    demote = app.client.patch(
        f"/api/users/{user_id(app, ADMIN)}",
        json={"role": "delegate", "delegation": "MEX"},
        headers=secretariat,
    )
    assert demote.status_code == 403
    create = app.client.post(
        "/api/users", json={"email": "a@b.org", "name": "A", "role": "admin"}, headers=secretariat
    )
    assert create.status_code == 403
    assert disconnected == []  # refused: nothing changed, nothing ended
    assert (
        app.client.get("/api/me", headers=app.bearer("delegate.gtm@demo.consenso")).json()["role"]
        == "delegate"
    )
    granted = app.client.patch(f"/api/users/{target}", json={"role": "admin"}, headers=app.bearer(ADMIN))
    assert granted.status_code == 200


def test_nobody_changes_their_own_access(app: App) -> None:
    own = app.client.patch(
        f"/api/users/{user_id(app, SECRETARIAT)}", json={"active": False}, headers=app.bearer(SECRETARIAT)
    )
    assert own.status_code == 403
    renamed = app.client.patch(
        f"/api/users/{user_id(app, SECRETARIAT)}", json={"name": "TS"}, headers=app.bearer(SECRETARIAT)
    )
    assert renamed.status_code == 200


def test_negotiators_and_observers_may_not_manage_users(app: App) -> None:
    for email in ("ppt@demo.consenso", "head.mex@demo.consenso", "observer.iom@demo.consenso"):
        assert app.client.get("/api/users", headers=app.bearer(email)).status_code == 403
        refused = app.client.patch("/api/users/5", json={"role": "head"}, headers=app.bearer(email))
        assert refused.status_code == 403 and refused.json()["code"] == "not_allowed"
