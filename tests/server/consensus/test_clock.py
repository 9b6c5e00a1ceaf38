"""The silence clock on an injected time: nothing sleeps; tick() is called directly."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from drafting.consensus.records import Adoption, SilenceProcedure
from tests.server.conftest import App

DOC = 1
PPT = "ppt@demo.consenso"
HEAD_GTM = "head.gtm@demo.consenso"


def status(app: App) -> str:
    body = app.client.get(f"/api/documents/{DOC}", headers=app.bearer(PPT)).json()
    return str(body["status"])


def start_silence(app: App) -> datetime:
    response = app.client.post(f"/api/documents/{DOC}/silence", json={}, headers=app.bearer(PPT))
    assert response.status_code == 201, response.text
    return datetime.fromisoformat(response.json()["deadline"])


def test_default_deadline_is_72_hours_on_the_clock(app: App) -> None:
    clock = app.client.app.state.services.silence_clock  # type: ignore[attr-defined]
    fixed = datetime.fromisoformat("2025-11-17T15:00:00+00:00")
    clock.workflow.now = lambda: fixed
    assert start_silence(app) == fixed + timedelta(hours=72)


def test_nothing_happens_before_the_deadline_and_adoption_at_it(app: App) -> None:
    clock = app.client.app.state.services.silence_clock  # type: ignore[attr-defined]
    deadline = start_silence(app)
    clock.workflow.now = lambda: deadline - timedelta(seconds=1)
    assert app.client.portal.call(clock.tick) == []  # type: ignore[union-attr]
    assert status(app) == "under_silence"

    clock.workflow.now = lambda: deadline
    assert app.client.portal.call(clock.tick) == [DOC]  # type: ignore[union-attr]
    assert status(app) == "adopted"
    assert app.client.portal.call(clock.tick) == []  # type: ignore[union-attr]
    paragraphs = app.client.get(f"/api/documents/{DOC}", headers=app.bearer(PPT)).json()["paragraphs"]
    assert {(p["status"], p["locked"]) for p in paragraphs} == {("agreed", True)}
    with Session(app.engine) as session:
        procedure = session.scalars(select(SilenceProcedure)).one()
        adoption = session.get(Adoption, DOC)
        assert procedure.state == "adopted"
        assert adoption is not None and adoption.silence_id == procedure.id and adoption.adopted_by is None


def test_silence_cannot_be_broken_once_the_deadline_passed(app: App) -> None:
    clock = app.client.app.state.services.silence_clock  # type: ignore[attr-defined]
    deadline = start_silence(app)
    first = app.client.get(f"/api/documents/{DOC}", headers=app.bearer(PPT)).json()["paragraphs"][0]["id"]
    clock.workflow.now = lambda: deadline + timedelta(minutes=1)
    response = app.client.post(
        f"/api/documents/{DOC}/silence/break",
        json={"paragraphs": [first], "reason": "tarde"},
        headers=app.bearer(HEAD_GTM),
    )
    assert response.status_code == 409
    assert "deadline has passed" in response.json()["error"]
    assert status(app) == "under_silence"
    app.client.portal.call(clock.tick)  # type: ignore[union-attr]
    assert status(app) == "adopted"


def test_a_broken_silence_is_not_adopted_at_its_deadline(app: App) -> None:
    clock = app.client.app.state.services.silence_clock  # type: ignore[attr-defined]
    deadline = start_silence(app)
    first = app.client.get(f"/api/documents/{DOC}", headers=app.bearer(PPT)).json()["paragraphs"][0]["id"]
    response = app.client.post(
        f"/api/documents/{DOC}/silence/break",
        json={"paragraphs": [first], "reason": "objeción"},
        headers=app.bearer(HEAD_GTM),
    )
    assert response.status_code == 200
    clock.workflow.now = lambda: deadline + timedelta(days=1)
    assert app.client.portal.call(clock.tick) == []  # type: ignore[union-attr]
    assert status(app) == "draft"
