"""REST of the historical memory: revisions, comparisons, the time slider with authorship, restores through
the consensus rule, exports, the adopted text and the audit trail; and who may not."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import docx
from sqlalchemy.orm import Session

from drafting import audit
from drafting.catalogue import user_by_email
from drafting.layout import read_paragraphs
from drafting.store import Store
from tests.server.conftest import App
from tests.server.test_sync_socket import connect, send_updates, until

DOC = "/api/documents/1"
PPT, HEAD_GTM, DELEGATE_GTM = "ppt@demo.consenso", "head.gtm@demo.consenso", "delegate.gtm@demo.consenso"
SECRETARIAT, OBSERVER = "secretariat@demo.consenso", "observer.iom@demo.consenso"


def revise(app: App, email: str = SECRETARIAT, **body: Any) -> dict[str, Any]:
    response = app.client.post(f"{DOC}/revisions", json=body, headers=app.bearer(email))
    assert response.status_code == 201, response.text
    made: dict[str, Any] = response.json()
    return made


def live(app: App) -> list[Any]:
    return read_paragraphs(Store(app.engine).load(1).to_doc())


def type_in(app: App, email: str, index: int, words: str) -> None:
    socket, client = connect(app, email)
    client.text(client.order[index]).insert(0, words)
    send_updates(socket, client)
    until(socket, client, lambda _m: live(app)[index].text.startswith(words))
    socket.close()


def test_revisions_are_made_by_the_secretariat_and_the_ppt_listed_and_read(app: App) -> None:
    zero = revise(app)
    assert (zero["number"], zero["name"]) == (0, "Zero draft")
    refused = app.client.post(f"{DOC}/revisions", json={}, headers=app.bearer(HEAD_GTM))
    assert refused.status_code == 403
    type_in(app, DELEGATE_GTM, 1, "Migración ordenada 🌎 ")
    first = revise(app, PPT)
    assert (first["number"], first["name"], first["previous"]) == (1, "Rev.1", zero["sha256"])
    listed = app.client.get(f"{DOC}/revisions", headers=app.bearer(OBSERVER)).json()
    assert [r["name"] for r in listed] == ["Zero draft", "Rev.1"]
    one = app.client.get(f"{DOC}/revisions/1", headers=app.bearer(OBSERVER)).json()
    assert one["text"]["paragraphs"][1]["text"].startswith("Migración ordenada 🌎 ")
    assert app.client.get(f"{DOC}/revisions/7", headers=app.bearer(OBSERVER)).status_code == 404


def test_two_revisions_and_a_revision_with_the_live_text_compare(app: App) -> None:
    revise(app)
    type_in(app, DELEGATE_GTM, 1, "Migración ordenada ")
    revise(app)
    type_in(app, DELEGATE_GTM, 2, "Además, ")
    compared = app.client.get(f"{DOC}/comparison?from=0&to=1", headers=app.bearer(SECRETARIAT)).json()
    assert (compared["before"], compared["after"]) == ("Zero draft", "Rev.1")
    assert compared["counts"]["edited"] == 1
    with_live = app.client.get(f"{DOC}/comparison?from=1", headers=app.bearer(SECRETARIAT)).json()
    assert with_live["after"] == "live text" and with_live["counts"]["edited"] == 1
    for layout, marker in (("inline", "comparison inline"), ("side_by_side", "comparison side-by-side")):
        page = app.client.get(
            f"{DOC}/comparison.html?from=0&to=1&layout={layout}", headers=app.bearer(OBSERVER)
        )
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert marker in page.text and "Migración ordenada" in page.text
    bad = app.client.get(f"{DOC}/comparison?from=x", headers=app.bearer(SECRETARIAT))
    assert bad.status_code == 422


def test_the_time_slider_gives_any_moment_with_its_authorship(app: App) -> None:
    before = Store(app.engine).last_seq(1)
    type_in(app, DELEGATE_GTM, 1, "Migración ")
    ticks = app.client.get(f"{DOC}/timeline?after={before}", headers=app.bearer(OBSERVER)).json()
    assert [m["seq"] for m in ticks["moments"]] == list(range(before + 1, ticks["last_seq"] + 1))
    [typed] = [m for m in ticks["moments"] if m["origin"] == "client"]  # the server's upkeep may follow it
    with Session(app.engine) as session:
        assert typed["user_id"] == user_by_email(session, DELEGATE_GTM).id
    at = app.client.get(f"{DOC}/history?seq={typed['seq']}", headers=app.bearer(OBSERVER)).json()
    assert at["text"]["paragraphs"][1]["text"].startswith("Migración ")
    assert at["moment"] == typed  # the slider's words come with the state, however long the log
    plain = app.client.get(
        f"{DOC}/history?seq={typed['seq']}&authorship=without", headers=app.bearer(OBSERVER)
    )
    assert plain.json()["text"] == at["text"] and plain.json()["moment"] == typed
    assert (plain.json()["authorship"], plain.json()["by_delegation"]) == ([], {})
    bad = app.client.get(f"{DOC}/history?seq={typed['seq']}&authorship=maybe", headers=app.bearer(OBSERVER))
    assert bad.status_code == 422
    gtm = typed["delegation_id"]
    assert at["delegations"][str(gtm)] == "GTM" and at["by_delegation"][str(gtm)] == len("Migración ")
    earlier = app.client.get(f"{DOC}/history?seq={before}", headers=app.bearer(OBSERVER)).json()
    assert not earlier["text"]["paragraphs"][1]["text"].startswith("Migración ")
    assert app.client.get(f"{DOC}/history", headers=app.bearer(OBSERVER)).status_code == 422
    assert app.client.get(f"{DOC}/history?seq=999999", headers=app.bearer(OBSERVER)).status_code == 404
    early = app.client.get(f"{DOC}/history?at=2000-01-01T00:00:00Z", headers=app.bearer(OBSERVER))
    assert (early.status_code, early.json()["code"]) == (422, "before_first_change")
    now = app.client.get(f"{DOC}/history?at=2100-01-01T00:00:00Z", headers=app.bearer(OBSERVER)).json()
    assert now["seq"] >= typed["seq"] and now["moment"]["seq"] == now["seq"]


def test_a_paragraph_and_a_whole_revision_are_restored_as_new_changes(app: App) -> None:
    revise(app)
    original = [p.text for p in live(app)]
    type_in(app, DELEGATE_GTM, 1, "Borrador malo ")
    type_in(app, DELEGATE_GTM, 2, "Otro cambio ")
    seq = Store(app.engine).last_seq(1)
    refused = app.client.post(f"{DOC}/revisions/0/restore", json={}, headers=app.bearer(SECRETARIAT))
    assert refused.status_code == 403
    one = app.client.post(
        f"{DOC}/revisions/0/restore", json={"paragraph_id": live(app)[1].id}, headers=app.bearer(PPT)
    )
    assert one.status_code == 200, one.text
    assert one.json()["edited"] == [live(app)[1].id]
    assert live(app)[1].text == original[1] and live(app)[2].text.startswith("Otro cambio ")
    whole = app.client.post(f"{DOC}/revisions/0/restore", headers=app.bearer(PPT))
    assert whole.status_code == 200 and whole.json()["changed"] is True
    assert [p.text for p in live(app)] == original
    rows = list(Store(app.engine).log(1, after=seq))
    assert {row.sender.origin.value for row in rows if row.sender.origin} == {"restore"}
    again = app.client.post(f"{DOC}/revisions/0/restore", headers=app.bearer(PPT)).json()
    assert again["changed"] is False


def test_a_restore_meets_locks_and_adoption(app: App) -> None:
    revise(app)
    type_in(app, DELEGATE_GTM, 1, "Cambio ")
    pid = live(app)[1].id
    assert (
        app.client.post(f"{DOC}/paragraphs/{pid}/lock", json={}, headers=app.bearer(PPT)).status_code == 200
    )
    locked = app.client.post(
        f"{DOC}/revisions/0/restore", json={"paragraph_id": pid}, headers=app.bearer(PPT)
    )
    assert locked.status_code == 409 and locked.json()["code"] == "paragraph_locked"
    assert live(app)[1].text.startswith("Cambio ")
    for language in ("en", "es"):  # the edited paragraph's translation is stale: the Secretariat confirms it
        app.client.post(
            f"{DOC}/paragraphs/{pid}/translations/{language}/confirm", headers=app.bearer(SECRETARIAT)
        )
    adopted_now = app.client.post(f"{DOC}/adopt", headers=app.bearer(PPT))
    assert adopted_now.status_code == 200, adopted_now.text
    adopted = app.client.post(f"{DOC}/revisions/0/restore", headers=app.bearer(PPT))
    assert adopted.status_code == 409 and adopted.json()["code"] == "document_adopted"
    after = app.client.post(f"{DOC}/revisions", json={}, headers=app.bearer(PPT))
    assert after.status_code == 409


def test_the_adopted_text_its_hash_and_its_exports(app: App) -> None:
    assert app.client.get(f"{DOC}/adopted", headers=app.bearer(OBSERVER)).status_code == 404
    sha256 = app.client.post(f"{DOC}/adopt", headers=app.bearer(PPT)).json()["sha256"]
    adopted = app.client.get(f"{DOC}/adopted", headers=app.bearer(OBSERVER)).json()
    assert adopted["sha256"] == sha256 == hashlib.sha256(adopted["text"].encode()).hexdigest()
    final = adopted["revision"]
    assert final["final"] is True
    number = final["number"]
    word = app.client.get(f"{DOC}/revisions/{number}/export.docx", headers=app.bearer(OBSERVER))
    assert word.status_code == 200 and "attachment" in word.headers["content-disposition"]
    read_back = "\n".join(p.text for p in docx.Document(io.BytesIO(word.content)).paragraphs)
    assert sha256 in read_back and final["sha256"] in read_back
    for extension, media in (
        ("html", "text/html"),
        ("md", "text/markdown"),
        ("akn.xml", "application/akn+xml"),
    ):
        exported = app.client.get(
            f"{DOC}/revisions/{number}/export.{extension}", headers=app.bearer(HEAD_GTM)
        )
        assert exported.status_code == 200 and exported.headers["content-type"].startswith(media)
        assert sha256 in exported.text
    compiled = app.client.get(f"{DOC}/compilation.docx", headers=app.bearer(HEAD_GTM))
    assert compiled.status_code == 200 and compiled.content[:2] == b"PK"
    assert sha256 in "\n".join(p.text for p in docx.Document(io.BytesIO(compiled.content)).paragraphs)
    with Session(app.engine) as session:
        exported_entries = audit.entries(session, audit.Filter(action="exported"))
        assert len(exported_entries) == 5


def test_a_revision_exports_in_each_language_version_and_in_two_columns(app: App) -> None:
    number = revise(app)["number"]
    export = f"{DOC}/revisions/{number}/export"
    spanish = app.client.get(f"{export}.md?language=es", headers=app.bearer(HEAD_GTM))
    assert spanish.status_code == 200, spanish.text
    assert (
        "Conferencia Regional sobre Migración" in spanish.text
        and "-es.md" in spanish.headers["content-disposition"]
    )
    english = app.client.get(f"{export}.md", headers=app.bearer(HEAD_GTM)).text
    assert "Regional Conference on Migration" in english and "Conferencia Regional" not in english
    columns = app.client.get(f"{export}.docx?beside=es", headers=app.bearer(HEAD_GTM))
    assert columns.status_code == 200, columns.text
    [table] = docx.Document(io.BytesIO(columns.content)).tables
    assert len(table.columns) == 2
    assert "Conferencia Regional sobre Migración" in "\n".join(cell.text for cell in table.columns[1].cells)
    for refused in (f"{export}.md?language=fr", f"{export}.html?beside=es"):
        answer = app.client.get(refused, headers=app.bearer(HEAD_GTM))
        assert answer.status_code == 422 and answer.json()["error"], refused


def test_the_live_text_exports_as_it_is_now_without_a_revision(app: App) -> None:
    type_in(app, DELEGATE_GTM, 1, "Migración ordenada 🌎 ")
    word = app.client.get(f"{DOC}/export.docx", headers=app.bearer(OBSERVER))
    assert word.status_code == 200, word.text
    assert 'filename="document-1-live-text.docx"' in word.headers["content-disposition"]
    text = "\n".join(paragraph.text for paragraph in docx.Document(io.BytesIO(word.content)).paragraphs)
    assert "Migración ordenada 🌎 " in text and "live text" in text
    spanish = app.client.get(f"{DOC}/export.md?language=es", headers=app.bearer(HEAD_GTM))
    assert spanish.status_code == 200 and "Conferencia Regional sobre Migración" in spanish.text
    assert "texto actual" in spanish.text and "Proyecto" in spanish.text and "(abierto)" in spanish.text
    assert "live text" not in spanish.text and "(open)" not in spanish.text
    columns = app.client.get(f"{DOC}/export.docx?beside=es", headers=app.bearer(HEAD_GTM))
    assert len(docx.Document(io.BytesIO(columns.content)).tables[0].columns) == 2
    assert app.client.get(f"{DOC}/revisions", headers=app.bearer(OBSERVER)).json() == []  # no revision made
    with Session(app.engine) as session:
        details = [entry.detail for entry in audit.entries(session, audit.Filter(action="exported"))]
    assert "the live text as Word (DOCX)" in details and len(details) == 3


def test_a_refused_export_is_not_recorded_as_an_export(app: App) -> None:
    number = revise(app)["number"]
    for path in (f"{DOC}/export.md", f"{DOC}/revisions/{number}/export.md"):
        for query in ("beside=es", "language=fr"):
            answer = app.client.get(f"{path}?{query}", headers=app.bearer(HEAD_GTM))
            assert answer.status_code == 422, (path, query, answer.text)
    with Session(app.engine) as session:
        assert audit.entries(session, audit.Filter(action="exported")) == []


def test_the_secretariat_filters_and_exports_the_audit_trail(app: App) -> None:
    revise(app)
    pid = live(app)[1].id
    assert (
        app.client.post(f"{DOC}/paragraphs/{pid}/lock", json={}, headers=app.bearer(PPT)).status_code == 200
    )
    trail = app.client.get("/api/negotiations/1/audit", headers=app.bearer(SECRETARIAT)).json()
    assert trail["intact"] is True and trail["chain"] == "negotiation/1"
    assert {"revision_made", "paragraph_lock"} <= {e["action"] for e in trail["entries"]}
    only = app.client.get(
        "/api/negotiations/1/audit?action=paragraph_", headers=app.bearer(SECRETARIAT)
    ).json()
    assert {e["action"] for e in only["entries"]} == {"paragraph_lock"}
    under = app.client.get(
        f"/api/negotiations/1/audit?subject=document/1/paragraph/{pid}", headers=app.bearer(SECRETARIAT)
    )
    assert [e["subject"] for e in under.json()["entries"]] == [f"document/1/paragraph/{pid}"]
    lines = app.client.get(
        "/api/negotiations/1/audit.jsonl", headers=app.bearer(SECRETARIAT)
    ).text.splitlines()
    assert [json.loads(line)["hash"] for line in lines] == [e["hash"] for e in trail["entries"]]
    table = app.client.get("/api/negotiations/1/audit.csv", headers=app.bearer(SECRETARIAT)).text
    assert table.splitlines()[0].startswith("id,chain,seq,at")
    for email in (PPT, HEAD_GTM, OBSERVER):
        assert app.client.get("/api/negotiations/1/audit", headers=app.bearer(email)).status_code == 403
    installation = app.client.get("/api/audit?action=user_added", headers=app.bearer(SECRETARIAT)).json()
    assert installation["chain"] == "installation" and installation["entries"]
    type_in(app, DELEGATE_GTM, 3, "Nuevo ")  # paragraph 1 is locked
    minutes = app.client.get(f"{DOC}/edits", headers=app.bearer(SECRETARIAT)).json()
    typed = [m for m in minutes if m["inserted"] == len("Nuevo ") and m["origin"] == "client"]
    assert typed and typed[0]["delegation"] == "GTM" and typed[0]["user"]
