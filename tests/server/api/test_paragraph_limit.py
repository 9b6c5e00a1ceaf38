"""One paragraph-length limit (CONSENSO_MAX_PARAGRAPH_CHARS) for every way the server writes a paragraph:
a given or imported draft, an inserted paragraph, an incorporated amendment, a corrected translation; the
live guard holds typed edits to the same one (tests/drafting/test_guard_contract.py)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from drafting import positions
from drafting.catalogue import user_by_email
from drafting.kinds import AmendmentKind, Stance
from drafting.layout_contract import MAX_PARAGRAPH_CHARS, LayoutLimits
from drafting.models import Document
from drafting.positions import Proposal
from drafting.store import Store
from tests.server.conftest import App, AppFactory

LIMIT = 60
DOC = "/api/documents/1"
PPT, SECRETARIAT, HEAD_MEX = "ppt@demo.consenso", "secretariat@demo.consenso", "head.mex@demo.consenso"


def limited(make_app: AppFactory, most: int = LIMIT) -> App:
    return make_app(layout=LayoutLimits(max_paragraph_chars=most))


def texts(app: App) -> list[str]:
    shown = app.client.get(DOC, headers=app.bearer(PPT)).json()
    return [p["text"] for p in shown["paragraphs"]]


def documents(app: App) -> int:
    with Session(app.engine) as session:
        return int(session.scalar(select(func.count()).select_from(Document)) or 0)


def refused_for_length(response: Any, characters: int) -> None:
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "paragraph_text_too_long"
    assert response.json()["params"] == {"characters": characters, "limit": LIMIT}


def test_an_inserted_paragraph_meets_the_configured_limit(make_app: AppFactory) -> None:
    app = limited(make_app)
    before = texts(app)
    body = {"kind": "operative", "text": "ñ" * (LIMIT + 1)}
    refused_for_length(app.client.post(f"{DOC}/paragraphs", json=body, headers=app.bearer(PPT)), LIMIT + 1)
    assert texts(app) == before
    body["text"] = "ñ" * LIMIT
    assert app.client.post(f"{DOC}/paragraphs", json=body, headers=app.bearer(PPT)).status_code == 201


def test_a_raised_limit_lets_a_longer_paragraph_in(make_app: AppFactory) -> None:
    app = limited(make_app, MAX_PARAGRAPH_CHARS * 2)
    body = {"kind": "operative", "text": "ñ" * (MAX_PARAGRAPH_CHARS + 1)}
    assert app.client.post(f"{DOC}/paragraphs", json=body, headers=app.bearer(PPT)).status_code == 201


def test_a_corrected_translation_meets_the_configured_limit(make_app: AppFactory) -> None:
    app = limited(make_app)
    paragraph_id = app.client.get(DOC, headers=app.bearer(PPT)).json()["paragraphs"][1]["id"]
    path = f"{DOC}/paragraphs/{paragraph_id}/translations/es"
    before = app.client.get(path, headers=app.bearer(SECRETARIAT)).json()["text"]
    long = {"text": "ñ" * (LIMIT + 1), "reason": "errata"}
    refused_for_length(app.client.put(path, json=long, headers=app.bearer(SECRETARIAT)), LIMIT + 1)
    assert app.client.get(path, headers=app.bearer(SECRETARIAT)).json()["text"] == before


def test_a_proposed_text_over_the_limit_is_refused_when_drafted_or_submitted(make_app: AppFactory) -> None:
    """It is to become a paragraph's text: a delegation learns now, not when the PPT incorporates it."""
    app = limited(make_app)
    paragraph_id = app.client.get(DOC, headers=app.bearer(PPT)).json()["paragraphs"][1]["id"]
    path = f"{DOC}/paragraphs/{paragraph_id}/position"
    proposal = {"stance": "amend", "amendment": "replace", "text": "ñ" * (LIMIT + 1)}
    refused_for_length(
        app.client.put(f"{path}/draft", json=proposal, headers=app.bearer(HEAD_MEX)), LIMIT + 1
    )
    submission = {"revises": 0, **proposal, "amendment": "new_paragraph"}
    refused_for_length(
        app.client.post(f"{path}/versions", json=submission, headers=app.bearer(HEAD_MEX)), LIMIT + 1
    )
    listed = app.client.get(f"{DOC}/positions?paragraph={paragraph_id}", headers=app.bearer(HEAD_MEX)).json()
    assert all(p["submitted"] is None and p["draft"] is None for p in listed)
    proposal["text"] = "ñ" * LIMIT
    assert app.client.put(f"{path}/draft", json=proposal, headers=app.bearer(HEAD_MEX)).status_code == 200


def test_an_amendment_that_would_make_the_paragraph_too_long_is_not_incorporated(
    make_app: AppFactory,
) -> None:
    """A proposal recorded while the limit was higher meets the limit in force when it is incorporated."""
    app = limited(make_app)
    paragraph_id = app.client.get(DOC, headers=app.bearer(PPT)).json()["paragraphs"][1]["id"]
    before = texts(app)
    proposal = Proposal(Stance.AMEND, AmendmentKind.NEW_PARAGRAPH, "ñ" * (LIMIT + 1))
    with Session(app.engine) as session, session.begin():
        doc = Store(app.engine).load(1).to_doc()
        head = user_by_email(session, HEAD_MEX)
        version = positions.submit(session, doc, 1, paragraph_id, head, 0, proposal, limits=LayoutLimits())
        session.flush()
        version_id = version.id
    url = f"{DOC}/position-versions/{version_id}/incorporation"
    refused_for_length(app.client.post(url, headers=app.bearer(PPT)), LIMIT + 1)
    assert texts(app) == before


def test_a_new_documents_paragraphs_and_an_import_meet_the_configured_limit(make_app: AppFactory) -> None:
    app = limited(make_app)
    headers = app.bearer(SECRETARIAT)
    before = documents(app)
    body = {"title": "Plan", "kind": "plan_of_action", "paragraphs": [{"text": "Uno"}, {"text": "ñ" * 61}]}
    refused_for_length(app.client.post("/api/negotiations/1/documents", json=body, headers=headers), 61)
    imported = app.client.post(
        "/api/negotiations/1/documents/import?title=X",
        content=("Uno\n\n" + "ñ" * 61).encode(),
        headers=headers | {"Content-Type": "text/plain"},
    )
    assert imported.status_code == 422
    assert imported.json()["params"] == {"paragraph": 2, "characters": 61, "limit": LIMIT}
    assert documents(app) == before


def test_a_restored_paragraph_meets_the_configured_limit(make_app: AppFactory) -> None:
    """A revision made before the limit was lowered: its over-long paragraph does not come back."""
    first = make_app()
    made = first.client.post(f"{DOC}/revisions", json={}, headers=first.bearer(SECRETARIAT))
    assert made.status_code == 201, made.text
    longest = max(len(text) for text in texts(first))
    app = make_app(layout=LayoutLimits(max_paragraph_chars=longest - 1))
    shown = app.client.get(DOC, headers=app.bearer(PPT)).json()["paragraphs"]
    victim = max(shown, key=lambda p: len(p["text"]))
    deleted = app.client.delete(f"{DOC}/paragraphs/{victim['id']}", headers=app.bearer(PPT))
    assert deleted.status_code in (200, 204), deleted.text
    before = texts(app)
    restored = app.client.post(f"{DOC}/revisions/0/restore", json={}, headers=app.bearer(PPT))
    assert restored.status_code == 422, restored.text
    assert restored.json()["code"] == "paragraph_text_too_long"
    assert texts(app) == before


def test_a_given_paragraph_is_measured_as_it_is_stored(make_app: AppFactory) -> None:
    app = limited(make_app)
    spaced = "Uno" + " " * LIMIT + "dos"  # stored as "Uno dos"
    body = {"title": "Plan", "kind": "plan_of_action", "paragraphs": [{"text": "Uno"}, {"text": spaced}]}
    made = app.client.post("/api/negotiations/1/documents", json=body, headers=app.bearer(SECRETARIAT))
    assert made.status_code == 201, made.text
