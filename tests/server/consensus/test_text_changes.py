"""Every change the server makes to the text passes the one consensus rule (issue 8, hole 1): under silence
the PPT's incorporation is refused and the text stays; after adoption nothing enters the text, the stored
hash keeps matching it, and no new position is taken. The PPT's paragraph insert/move/delete, too."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest
from sqlalchemy.orm import Session

from drafting.consensus.info import final_paragraphs
from drafting.consensus.records import Adoption
from drafting.consensus.rules import final_text
from drafting.store import Store
from tests.server.conftest import App

PPT, HEAD_MEX, HEAD_GTM = "ppt@demo.consenso", "head.mex@demo.consenso", "head.gtm@demo.consenso"
DOC = "/api/documents/1"


def paragraphs(app: App) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = app.client.get(DOC, headers=app.bearer(HEAD_MEX)).json()["paragraphs"]
    return result


def amendment(app: App, email: str, paragraph_id: str, kind: str, text: str | None) -> int:
    body: dict[str, Any] = {"revises": 0, "stance": "amend", "amendment": kind}
    if text is not None:
        body["text"] = text
    response = app.client.post(
        f"{DOC}/paragraphs/{paragraph_id}/position/versions", json=body, headers=app.bearer(email)
    )
    assert response.status_code == 201, response.text
    version_id: int = response.json()["id"]
    return version_id


def incorporate(app: App, version_id: int) -> Any:
    return app.client.post(f"{DOC}/position-versions/{version_id}/incorporation", headers=app.bearer(PPT))


def stored_text(app: App) -> list[str]:
    return [p.text for p in final_paragraphs(Store(app.engine).load(1).to_doc())]


@pytest.mark.parametrize("kind", ["replace", "delete", "new_paragraph"])
def test_under_silence_the_ppt_cannot_incorporate_an_amendment(app: App, kind: str) -> None:
    pid = paragraphs(app)[3]["id"]
    text = None if kind == "delete" else paragraphs(app)[3]["text"] + " y regular"
    version_id = amendment(app, HEAD_GTM, pid, kind, text)
    assert app.client.post(f"{DOC}/silence", json={}, headers=app.bearer(PPT)).status_code == 201
    before = stored_text(app)
    refused = incorporate(app, version_id)
    assert refused.status_code == 409, refused.text
    assert refused.json()["code"] == "document_under_silence"
    assert stored_text(app) == before


@pytest.mark.parametrize("kind", ["replace", "delete", "new_paragraph"])
def test_after_adoption_nothing_enters_the_text_and_its_hash_still_holds(app: App, kind: str) -> None:
    pid = paragraphs(app)[3]["id"]
    text = None if kind == "delete" else "Párrafo nuevo tras la adopción ✨"
    version_id = amendment(app, HEAD_GTM, pid, kind, text)
    adopted = app.client.post(f"{DOC}/adopt", headers=app.bearer(PPT))
    assert adopted.status_code == 200
    refused = incorporate(app, version_id)
    assert refused.status_code == 409 and refused.json()["code"] == "document_adopted"
    with Session(app.engine) as session:
        adoption = session.get(Adoption, 1)
        assert adoption is not None and adoption.sha256 == adopted.json()["sha256"]
    now = final_text(final_paragraphs(Store(app.engine).load(1).to_doc()))
    assert now.sha256 == adopted.json()["sha256"] == hashlib.sha256(now.text.encode()).hexdigest()


def test_an_adopted_document_takes_no_new_positions(app: App) -> None:
    pid = paragraphs(app)[2]["id"]
    assert app.client.post(f"{DOC}/adopt", headers=app.bearer(PPT)).status_code == 200
    submitted = app.client.post(
        f"{DOC}/paragraphs/{pid}/position/versions",
        json={"revises": 0, "stance": "oppose"},
        headers=app.bearer(HEAD_GTM),
    )
    assert submitted.status_code == 409 and submitted.json()["code"] == "document_adopted"
    drafted = app.client.put(
        f"{DOC}/paragraphs/{pid}/position/draft", json={"stance": "support"}, headers=app.bearer(HEAD_GTM)
    )
    assert drafted.status_code == 409
    assert app.client.get(f"{DOC}/positions", headers=app.bearer(HEAD_GTM)).json() == []


def test_a_locked_paragraph_is_not_amended_nor_deleted_by_the_ppt(app: App) -> None:
    pid = paragraphs(app)[3]["id"]
    version_id = amendment(app, HEAD_GTM, pid, "replace", paragraphs(app)[3]["text"] + " y regular")
    locked = app.client.post(f"{DOC}/paragraphs/{pid}/lock", json={}, headers=app.bearer(PPT))
    assert locked.status_code == 200
    before = stored_text(app)
    refused = incorporate(app, version_id)
    assert refused.status_code == 409 and refused.json()["code"] == "paragraph_locked"
    deleted = app.client.delete(f"{DOC}/paragraphs/{pid}", headers=app.bearer(PPT))
    assert deleted.status_code == 409 and deleted.json()["code"] == "paragraph_locked"
    assert stored_text(app) == before


def test_the_ppt_inserts_moves_and_deletes_paragraphs_choosing_their_kind(app: App) -> None:
    ids = [p["id"] for p in paragraphs(app)]
    inserted = app.client.post(
        f"{DOC}/paragraphs",
        json={"kind": "preambular", "text": "Reconociendo la labor de la sociedad civil 🤝", "after": ids[1]},
        headers=app.bearer(PPT),
    )
    assert inserted.status_code == 201, inserted.text
    new = inserted.json()
    assert new["kind"] == "preambular" and new["label"].endswith("bis")
    assert [p["id"] for p in paragraphs(app)][2] == new["id"]
    moved = app.client.post(
        f"{DOC}/paragraphs/{new['id']}/move", json={"after": ids[3]}, headers=app.bearer(PPT)
    )
    assert moved.status_code == 200
    assert [p["id"] for p in paragraphs(app)].index(new["id"]) == 4
    first = app.client.post(f"{DOC}/paragraphs/{new['id']}/move", json={}, headers=app.bearer(PPT))
    assert first.status_code == 200 and paragraphs(app)[0]["id"] == new["id"]
    assert app.client.delete(f"{DOC}/paragraphs/{new['id']}", headers=app.bearer(PPT)).status_code == 200
    assert [p["id"] for p in paragraphs(app)] == ids
    assert app.client.delete(f"{DOC}/paragraphs/{new['id']}", headers=app.bearer(PPT)).status_code == 404
    unknown_after = app.client.post(
        f"{DOC}/paragraphs", json={"kind": "operative", "after": "p000000000000"}, headers=app.bearer(PPT)
    )
    assert unknown_after.status_code == 404


@pytest.mark.parametrize("state", ["silence", "adopted"])
def test_no_paragraph_is_inserted_moved_or_deleted_under_silence_or_after_adoption(
    app: App, state: str
) -> None:
    ids = [p["id"] for p in paragraphs(app)]
    if state == "silence":
        assert app.client.post(f"{DOC}/silence", json={}, headers=app.bearer(PPT)).status_code == 201
    else:
        assert app.client.post(f"{DOC}/adopt", headers=app.bearer(PPT)).status_code == 200
    code = "document_under_silence" if state == "silence" else "document_adopted"
    attempts = [
        app.client.post(
            f"{DOC}/paragraphs", json={"kind": "operative", "text": "X"}, headers=app.bearer(PPT)
        ),
        app.client.post(f"{DOC}/paragraphs/{ids[1]}/move", json={"after": ids[3]}, headers=app.bearer(PPT)),
        app.client.delete(f"{DOC}/paragraphs/{ids[2]}", headers=app.bearer(PPT)),
    ]
    assert [(a.status_code, a.json()["code"]) for a in attempts] == [(409, code)] * 3
    assert [p["id"] for p in paragraphs(app)] == ids
