"""Deliberation over REST: comments, positions, incorporation into the live text, the compilation."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from auth.policy import Action
from drafting import positions
from drafting.catalogue import add_user
from drafting.compensate import read_chunks
from drafting.deliberation_models import Position, PositionVersion
from drafting.kinds import Role
from server.api import amendments as api_amendments
from server.api import comments as api_comments
from server.api import compilation as api_compilation
from server.api import positions as api_positions
from server.api.pipeline import Endpoint, policy_action
from server.sync.protocol import SyncMessage, SyncType
from tests.server.conftest import App
from tests.server.test_sync_socket import connect, send_updates, until

PPT, HEAD_MEX, DELEGATE_MEX = "ppt@demo.consenso", "head.mex@demo.consenso", "delegate.mex@demo.consenso"
HEAD_GTM, HEAD_CAN, OBSERVER = (
    "head.gtm@demo.consenso",
    "head.can@demo.consenso",
    "observer.iom@demo.consenso",
)
DOC = "/api/documents/1"


def paragraphs(app: App) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = app.client.get(DOC, headers=app.bearer(HEAD_MEX)).json()["paragraphs"]
    return result


def submit(app: App, email: str, paragraph_id: str, body: dict[str, Any]) -> Any:
    return app.client.post(
        f"{DOC}/paragraphs/{paragraph_id}/position/versions", json=body, headers=app.bearer(email)
    )


def test_drafts_are_private_and_only_heads_submit_for_their_own_delegation(app: App) -> None:
    pid = paragraphs(app)[2]["id"]
    draft = {
        "stance": "amend",
        "amendment": "replace",
        "text": "Nuevo texto ñ 🌎",
        "justification": "Claridad",
    }
    saved = app.client.put(
        f"{DOC}/paragraphs/{pid}/position/draft", json=draft, headers=app.bearer(DELEGATE_MEX)
    )
    assert saved.status_code == 200 and saved.json()["draft"]["proposed_text"] == "Nuevo texto ñ 🌎"
    assert app.client.get(f"{DOC}/positions", headers=app.bearer(HEAD_GTM)).json() == []
    assert submit(app, DELEGATE_MEX, pid, {"revises": 0}).status_code == 403
    first = submit(app, HEAD_MEX, pid, {"revises": 0})
    assert first.status_code == 201 and first.json()["submitted_by"]["name"].startswith("Andrés")
    seen = app.client.get(f"{DOC}/positions", headers=app.bearer(HEAD_GTM)).json()
    assert [(p["delegation"], p["submitted"]["proposed_text"]) for p in seen] == [("MEX", "Nuevo texto ñ 🌎")]
    assert "draft" not in seen[0]
    # GTM's head acts only for GTM: MEX's position is out of reach.
    assert (
        app.client.post(
            f"{DOC}/paragraphs/{pid}/position/withdrawal", json={"revises": 1}, headers=app.bearer(HEAD_GTM)
        ).status_code
        == 404
    )
    stale = submit(app, HEAD_MEX, pid, {"revises": 0, "stance": "support"})
    assert stale.status_code == 409 and "stale" in stale.json()["error"]
    assert submit(app, HEAD_MEX, pid, {"revises": 1, "stance": "support"}).status_code == 201
    versions = app.client.get(
        f"{DOC}/paragraphs/{pid}/positions/MEX/versions", headers=app.bearer(HEAD_CAN)
    ).json()
    assert [v["stance"] for v in versions] == ["amend", "support"]
    version_url = f"{DOC}/position-versions/{versions[0]['id']}"
    for method in ("PUT", "PATCH", "DELETE"):
        assert app.client.request(method, version_url, json={}, headers=app.bearer(HEAD_MEX)).status_code in (
            404,
            405,
        )
    compared = app.client.get(
        f"{DOC}/position-versions/compare?from={versions[0]['id']}&to={versions[1]['id']}",
        headers=app.bearer(HEAD_CAN),
    ).json()
    assert compared["stance_changed"] is True
    assert submit(app, HEAD_MEX, "p000000000000", {"revises": 0, "stance": "support"}).status_code == 404
    too_long = {"revises": 2, "stance": "amend", "amendment": "replace", "text": "x" * 20_001}
    assert submit(app, HEAD_MEX, pid, too_long).status_code == 422


def test_an_amendment_is_incorporated_live_after_unrelated_edits(app: App) -> None:
    socket, client = connect(app, HEAD_GTM)
    pid = client.order[3]
    base = str(client.text(pid))
    words = base.split(" ")
    proposed = " ".join([*words[:4], "regular 🌎", *words[4:]])
    version = submit(
        app, HEAD_MEX, pid, {"revises": 0, "stance": "amend", "amendment": "replace", "text": proposed}
    )
    version_id = version.json()["id"]
    client.text(pid).insert(0, "Migración: ")  # an unrelated edit after the amendment was written
    send_updates(socket, client)
    until(socket, client, lambda _m: paragraphs(app)[3]["text"].startswith("Migración: "))
    url = f"{DOC}/position-versions/{version_id}/incorporation"
    assert app.client.post(url, headers=app.bearer(HEAD_MEX)).status_code == 403
    preview = app.client.get(url, headers=app.bearer(PPT)).json()
    assert preview["clean"] and preview["result"] == "Migración: " + proposed
    done = app.client.post(url, headers=app.bearer(PPT))
    assert done.status_code == 200 and done.json()["incorporated"]["by"].startswith("Lucía")
    until(socket, client, lambda _m: str(client.text(pid)) == "Migración: " + proposed)
    assert app.client.post(url, headers=app.bearer(PPT)).status_code == 409
    socket.close()


def test_a_conflicting_amendment_is_refused_and_the_text_untouched(app: App) -> None:
    socket, client = connect(app, HEAD_GTM)
    pid = client.order[3]
    base = str(client.text(pid))
    proposed = base.replace(base.split(" ")[2], "«niñez migrante» 👧🏽", 1)
    version_id = submit(
        app, HEAD_CAN, pid, {"revises": 0, "stance": "amend", "amendment": "replace", "text": proposed}
    ).json()["id"]
    with client.doc.transaction():
        client.text(pid).clear()
        client.text(pid).insert(0, "Texto reescrito por completo ✍️")
    send_updates(socket, client)
    until(socket, client, lambda _m: paragraphs(app)[3]["text"] == "Texto reescrito por completo ✍️")
    refused = app.client.post(f"{DOC}/position-versions/{version_id}/incorporation", headers=app.bearer(PPT))
    assert refused.status_code == 409 and "no longer apply" in refused.json()["error"]
    assert paragraphs(app)[3]["text"] == "Texto reescrito por completo ✍️"
    socket.close()


def test_comments_keep_paragraph_and_span_through_live_edits_and_moves(app: App) -> None:
    socket, client = connect(app, PPT)
    pid = client.order[4]
    content = str(client.text(pid))
    word = content.split()[2]
    start = len(content[: content.index(word)].encode("utf-16-le")) // 2
    span = {"start": start, "end": start + len(word.encode("utf-16-le")) // 2}
    made = app.client.post(
        f"{DOC}/comments",
        json={"paragraph_id": pid, "body": "¿Y esto? 🤔", "span": span},
        headers=app.bearer(HEAD_GTM),
    )
    assert made.status_code == 201 and made.json()["span"]["text"] == word
    label = made.json()["paragraph"]["label"]
    with client.doc.transaction():
        client.text(pid).insert(0, "Niñez 👧🏽 ")
        del client.order[4]
        client.order.insert(0, pid)
    send_updates(socket, client)
    until(socket, client, lambda _m: paragraphs(app)[0]["id"] == pid)
    [thread] = app.client.get(f"{DOC}/comments?paragraph={pid}", headers=app.bearer(HEAD_CAN)).json()
    assert thread["paragraph"] == {"id": pid, "label": label, "present": True}
    assert (
        thread["span"]["text"] == word
        and thread["span"]["start"] == span["start"] + len("Niñez 👧🏽 ".encode("utf-16-le")) // 2
    )
    reply = app.client.post(
        f"{DOC}/comments/{thread['id']}/replies", json={"body": "Sí ✅"}, headers=app.bearer(HEAD_MEX)
    )
    assert reply.status_code == 201
    assert (
        app.client.post(f"{DOC}/comments/{thread['id']}/resolve", headers=app.bearer(HEAD_MEX)).status_code
        == 200
    )
    assert (
        app.client.patch(
            f"{DOC}/comments/{thread['id']}", json={"body": "x"}, headers=app.bearer(HEAD_MEX)
        ).status_code
        == 403
    )
    socket.close()


def test_observers_comment_only_where_the_ppt_opened_comments(app: App) -> None:
    pid = paragraphs(app)[1]["id"]
    body = {"paragraph_id": pid, "body": "Observación de la OIM 🌍"}
    assert app.client.post(f"{DOC}/comments", json=body, headers=app.bearer(OBSERVER)).status_code == 403
    settings = f"{DOC}/comment-settings"
    assert (
        app.client.put(
            settings, json={"observers_may_comment": True}, headers=app.bearer(HEAD_MEX)
        ).status_code
        == 403
    )
    assert (
        app.client.put(settings, json={"observers_may_comment": True}, headers=app.bearer(PPT)).status_code
        == 200
    )
    made = app.client.post(f"{DOC}/comments", json=body, headers=app.bearer(OBSERVER))
    assert made.status_code == 201 and made.json()["by_observer"] is True
    note = {"paragraph_id": pid, "body": "Solo México", "visibility": "delegation"}
    assert app.client.post(f"{DOC}/comments", json=note, headers=app.bearer(DELEGATE_MEX)).status_code == 201
    assert [t["body"] for t in app.client.get(f"{DOC}/comments", headers=app.bearer(HEAD_GTM)).json()] == [
        body["body"]
    ]
    assert len(app.client.get(f"{DOC}/comments", headers=app.bearer(HEAD_MEX)).json()) == 2


def test_the_compilation_text_and_matrix_over_rest(app: App) -> None:
    pid = paragraphs(app)[3]["id"]
    base = paragraphs(app)[3]["text"]
    amended = base.rstrip(".;") + " <segura>;"
    for email in (HEAD_MEX, HEAD_GTM):
        submit(app, email, pid, {"revises": 0, "stance": "amend", "amendment": "replace", "text": amended})
    submit(app, HEAD_CAN, pid, {"revises": 0, "stance": "oppose"})
    compiled = app.client.get(f"{DOC}/compilation", headers=app.bearer(OBSERVER)).json()
    [entry] = [p for p in compiled["paragraphs"] if p["id"] == pid]
    assert [g["delegations"] for g in entry["amendments"]] == [["MEX", "GTM"]]
    assert entry["tally"]["oppose"]["delegations"] == ["CAN"]
    page = app.client.get(f"{DOC}/compilation.html", headers=app.bearer(OBSERVER)).text
    assert "&lt;segura&gt;" in page and "<segura>" not in page
    matrix = app.client.get(f"{DOC}/consensus-matrix?order=furthest", headers=app.bearer(PPT)).json()
    assert matrix["rows"][0]["id"] == pid and matrix["rows"][0]["stances"]["CAN"] == "oppose"
    assert "IOM" not in matrix["delegations"]
    assert app.client.get(f"{DOC}/consensus-matrix.html", headers=app.bearer(PPT)).status_code == 200


def test_every_deliberation_route_asks_the_policy_and_documents_itself() -> None:
    modules = (api_comments, api_positions, api_amendments, api_compilation)
    for endpoint in [endpoint for module in modules for endpoint in module.endpoints]:
        assert isinstance(policy_action(endpoint), Action), endpoint.operation.path
        # Factories (_resolution, _compilation, _matrix) build their endpoints: the mark must survive.
        assert isinstance(endpoint.route.endpoint, Endpoint)
        assert endpoint.operation.summary, f"{endpoint.operation.path} has no summary"


def test_two_heads_revising_the_same_version_at_once_one_is_refused(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Session(app.engine) as session, session.begin():
        add_user(session, "head2.mex@demo.consenso", "Mariana López (Head, Mexico)", Role.HEAD, "MEX")
    pid = paragraphs(app)[2]["id"]
    assert submit(app, HEAD_MEX, pid, {"revises": 0, "stance": "support"}).status_code == 201
    headers = {email: app.bearer(email) for email in (HEAD_MEX, "head2.mex@demo.consenso")}
    # Both requests are inside their transaction, past the policy, before either writes.
    together = threading.Barrier(2, timeout=10)
    real_submit = positions.submit

    def submit_together(*args: Any, **kwargs: Any) -> Any:
        together.wait()
        return real_submit(*args, **kwargs)

    monkeypatch.setattr(positions, "submit", submit_together)
    revisions = {
        HEAD_MEX: {"revises": 1, "stance": "oppose", "justification": "Andrés: no 🚫"},
        "head2.mex@demo.consenso": {"revises": 1, "stance": "reservation", "justification": "Mariana ✍️"},
    }

    def revise(email: str) -> Any:
        return app.client.post(
            f"{DOC}/paragraphs/{pid}/position/versions", json=revisions[email], headers=headers[email]
        )

    with ThreadPoolExecutor(2) as pool:
        answers = list(pool.map(revise, revisions))
    assert sorted(a.status_code for a in answers) == [201, 409], [a.text for a in answers]
    [won] = [a.json() for a in answers if a.status_code == 201]
    [lost] = [a.json() for a in answers if a.status_code == 409]
    assert "reload" in lost["error"]
    with Session(app.engine) as session:
        position = session.scalar(select(Position).where(Position.paragraph_id == pid))
        assert position is not None and position.latest_version == 2
        rows = session.scalars(
            select(PositionVersion)
            .where(PositionVersion.position_id == position.id)
            .order_by(PositionVersion.number)
        ).all()
        assert [(v.number, v.stance.value) for v in rows] == [(1, "support"), (2, won["stance"])]
        assert session.scalar(select(func.count()).select_from(PositionVersion)) == 2
    versions = app.client.get(f"{DOC}/paragraphs/{pid}/positions/MEX/versions", headers=app.bearer(HEAD_GTM))
    assert [v["justification"] for v in versions.json()] == ["", won["justification"]]


def test_an_incorporated_amendment_keeps_the_paragraphs_formatting(app: App) -> None:
    socket, client = connect(app, PPT)
    pid = client.order[3]
    base = str(client.text(pid))
    first, second = base.split(" ")[:2]
    bold = len(f"{first} ".encode())
    client.text(pid).format(bold, bold + len(second.encode()), {"bold": True})
    send_updates(socket, client)
    until(socket, client, lambda m: isinstance(m, SyncMessage) and m.kind is SyncType.UPDATE)  # applied
    proposed = base.rstrip(".;") + ", segura y regular 🌎;"
    version_id = submit(
        app, HEAD_MEX, pid, {"revises": 0, "stance": "amend", "amendment": "replace", "text": proposed}
    ).json()["id"]
    done = app.client.post(f"{DOC}/position-versions/{version_id}/incorporation", headers=app.bearer(PPT))
    assert done.status_code == 200, done.text
    until(socket, client, lambda _m: str(client.text(pid)) == proposed)
    chunks = read_chunks(client.text(pid))
    assert (second, {"bold": True}) in chunks
    assert "".join(str(value) for value, _ in chunks) == proposed
    assert all(attrs == {} for value, attrs in chunks if value != second)
    socket.close()


def test_a_span_that_splits_an_emoji_is_refused(app: App) -> None:
    socket, client = connect(app, PPT)
    pid = client.order[1]
    client.text(pid).insert(0, "🌎 ")
    send_updates(socket, client)
    until(socket, client, lambda _m: paragraphs(app)[1]["text"].startswith("🌎 "))
    made = app.client.post(
        f"{DOC}/comments",
        json={"paragraph_id": pid, "body": "¿Mitad de un emoji?", "span": {"start": 1, "end": 4}},
        headers=app.bearer(HEAD_GTM),
    )
    assert made.status_code == 422 and "surrogate" in made.json()["error"]
    socket.close()
