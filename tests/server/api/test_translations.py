"""REST and the sync socket for the language versions: stale marks follow the source, the Secretariat
confirms and corrects, adoption waits for every version."""

from __future__ import annotations

import json
from typing import Any

from pycrdt import Map, Text
from sqlalchemy import select
from sqlalchemy.orm import Session

from drafting.consensus.records import Adoption
from drafting.models import AuditEntry
from drafting.store import Store
from tests.server.conftest import App
from tests.server.test_sync_socket import connect, send_updates, until

DOC = 1  # the demo's Declaration: English, with its Spanish version
PPT = "ppt@demo.consenso"
SECRETARIAT = "secretariat@demo.consenso"
DELEGATE = "delegate.gtm@demo.consenso"


def call(app: App, method: str, path: str, who: str, body: Any = None) -> Any:
    return app.client.request(method, f"/api/documents/{DOC}{path}", json=body, headers=app.bearer(who))


def stale(app: App) -> list[dict[str, str]]:
    response = call(app, "GET", "/languages", DELEGATE)
    assert response.status_code == 200, response.text
    listed: list[dict[str, str]] = response.json()["stale"]
    return listed


def paragraph_ids(app: App) -> list[str]:
    response = call(app, "GET", "", PPT)
    return [p["id"] for p in response.json()["paragraphs"]]


def edit_source_live(app: App, paragraph_index: int, words: str) -> str:
    """A delegate types into a paragraph of the source over the sync socket; returns its id."""
    socket, client = connect(app, DELEGATE)
    paragraph_id = str(client.order[paragraph_index])
    client.text(paragraph_id).insert(0, words)
    send_updates(socket, client)

    def marked(_message: object) -> bool:
        entry = client.info.get(paragraph_id)
        return isinstance(entry, dict) and entry["translations"]["es"]["stale"] is True

    until(socket, client, marked)
    socket.close()
    return paragraph_id


def test_the_declaration_has_its_languages_and_nothing_stale(app: App) -> None:
    response = call(app, "GET", "/languages", "observer.iom@demo.consenso")
    assert response.json() == {"source_language": "en", "versions": ["es"], "stale": []}
    response = call(app, "GET", "/languages", PPT)
    assert call(app, "GET", f"/paragraphs/{paragraph_ids(app)[0]}/translations/fr", PPT).status_code == 404


def test_editing_a_source_paragraph_marks_exactly_its_translation_stale(app: App) -> None:
    paragraph_id = edit_source_live(app, 1, "Today, ")

    assert [(item["id"], item["language"]) for item in stale(app)] == [(paragraph_id, "es")]
    shown = call(app, "GET", f"/paragraphs/{paragraph_id}/translations/es", DELEGATE).json()
    assert shown["stale"] is True
    assert shown["text"].startswith("Tomando en cuenta")
    assert shown["source"].startswith("Today, Taking into account")
    assert {"op": "insert", "text": "Today, "} in shown["source_changes"]
    info = Store(app.engine).load(DOC).to_doc().get("info", type=Map)
    marks = {key: value["translations"]["es"]["stale"] for key, value in info.items() if key != "document"}
    assert [key for key, is_stale in marks.items() if is_stale] == [paragraph_id]


def test_the_secretariat_confirms_and_the_mark_clears(app: App) -> None:
    paragraph_id = edit_source_live(app, 1, "Today, ")
    path = f"/paragraphs/{paragraph_id}/translations/es/confirm"
    assert call(app, "POST", path, DELEGATE).status_code == 403
    assert call(app, "POST", path, PPT).status_code == 403

    confirmed = call(app, "POST", path, SECRETARIAT)

    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["stale"] is False and confirmed.json()["source_changes"] == []
    assert stale(app) == []
    with Session(app.engine) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "translation.confirm")).one()
        assert entry.subject == f"document/{DOC}/paragraph/{paragraph_id}"
        assert json.loads(entry.detail)["was_stale"] is True


def test_a_locked_paragraphs_translation_is_corrected_only_by_the_secretariat_with_a_reason(app: App) -> None:
    first = paragraph_ids(app)[1]
    assert call(app, "POST", f"/paragraphs/{first}/lock", PPT, {}).status_code == 200
    path = f"/paragraphs/{first}/translations/es"

    assert call(app, "PUT", path, DELEGATE, {"text": "Otra cosa", "reason": "x"}).status_code == 403
    refused = call(app, "PUT", path, SECRETARIAT, {"text": "Tomando en consideración"})
    assert (refused.status_code, refused.json()["code"]) == (422, "reason_required")
    corrected = call(app, "PUT", path, SECRETARIAT, {"text": "Tomando en consideración", "reason": "errata"})

    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["text"] == "Tomando en consideración"
    doc = Store(app.engine).load(DOC).to_doc()
    version = doc.get("translations.es", type=Map)[first]
    assert isinstance(version, Text) and str(version) == "Tomando en consideración"
    with Session(app.engine) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "translation.correct")).one()
        detail = json.loads(entry.detail)
        assert (detail["reason"], detail["locked"], detail["after"]) == (
            "errata",
            True,
            "Tomando en consideración",
        )


def test_a_delegate_editing_a_locked_translation_live_is_compensated(app: App) -> None:
    first = paragraph_ids(app)[1]
    assert call(app, "POST", f"/paragraphs/{first}/lock", PPT, {}).status_code == 200
    socket, client = connect(app, DELEGATE)
    version = client.doc.get("translations.es", type=Map)[first]
    assert isinstance(version, Text)
    before = str(version)
    version.insert(0, "¡No! ")
    send_updates(socket, client)
    until(socket, client, lambda _m: bool(client.denied) and str(version) == before)
    assert "is locked" in client.denied[0]
    socket.close()


def test_adoption_is_refused_with_the_stale_paragraphs_and_succeeds_after_confirmation(app: App) -> None:
    paragraph_id = edit_source_live(app, 2, "Indeed, ")
    label = next(item["label"] for item in stale(app))

    refused = call(app, "POST", "/adopt", PPT)

    assert refused.status_code == 409
    assert refused.json()["code"] == "translations_stale"
    assert refused.json()["params"] == {
        "labels": f"{label} (es)",
        "paragraphs": [{"id": paragraph_id, "label": label, "language": "es"}],
    }
    assert label in refused.json()["error"]
    bad = call(app, "POST", "/adopt", PPT, {"as_is": ["fr"]})
    assert (bad.status_code, bad.json()["code"]) == (422, "unknown_language")
    path = f"/paragraphs/{paragraph_id}/translations/es/confirm"
    assert call(app, "POST", path, SECRETARIAT).status_code == 200

    adopted = call(app, "POST", "/adopt", PPT)

    assert adopted.status_code == 200, adopted.text
    with Session(app.engine) as session:
        adoption = session.get(Adoption, DOC)
        assert adoption is not None and adoption.sha256 == adopted.json()["sha256"]
        final = json.loads(adoption.final_text)
        assert final[0]["translations"]["es"].startswith("Los Viceministros")


def test_the_ppt_may_adopt_a_version_as_it_is_on_the_record(app: App) -> None:
    edit_source_live(app, 2, "Indeed, ")

    adopted = call(app, "POST", "/adopt", PPT, {"as_is": ["es"]})

    assert adopted.status_code == 200, adopted.text
    with Session(app.engine) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "adoption.version_as_is")).one()
        assert "es version is adopted as it is" in entry.detail


def test_a_paragraph_inserted_by_the_ppt_starts_empty_and_stale_in_every_version(app: App) -> None:
    inserted = call(app, "POST", "/paragraphs", PPT, {"kind": "operative", "text": "Request a report."})
    assert inserted.status_code == 201, inserted.text
    new_id = inserted.json()["id"]

    assert [(item["id"], item["language"]) for item in stale(app)] == [(new_id, "es")]
    shown = call(app, "GET", f"/paragraphs/{new_id}/translations/es", SECRETARIAT).json()
    assert (shown["text"], shown["confirmed_source"]) == ("", None)
    assert call(app, "DELETE", f"/paragraphs/{new_id}", PPT).status_code == 200
    assert stale(app) == []
    doc = Store(app.engine).load(DOC).to_doc()
    assert new_id not in doc.get("translations.es", type=Map)


def test_an_empty_translation_is_not_confirmed_up_to_date(app: App) -> None:
    inserted = call(app, "POST", "/paragraphs", PPT, {"kind": "operative", "text": "Request a report."})
    new_id = inserted.json()["id"]

    refused = call(app, "POST", f"/paragraphs/{new_id}/translations/es/confirm", SECRETARIAT)

    assert (refused.status_code, refused.json()["code"]) == (409, "translation_empty")
    assert "write it first" in refused.json()["error"]
    assert [item["id"] for item in stale(app)] == [new_id]


def test_a_silence_procedure_starts_only_with_every_version_up_to_date(app: App) -> None:
    paragraph_id = edit_source_live(app, 1, "Today, ")

    refused = call(app, "POST", "/silence", PPT, {})

    assert (refused.status_code, refused.json()["code"]) == (409, "translations_stale")
    confirmed = call(app, "POST", f"/paragraphs/{paragraph_id}/translations/es/confirm", SECRETARIAT)
    assert confirmed.status_code == 200, confirmed.text
    started = call(app, "POST", "/silence", PPT, {})
    assert started.status_code == 201, started.text
