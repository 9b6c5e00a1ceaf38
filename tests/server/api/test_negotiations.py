"""The Secretariat's negotiations and documents over REST: create, list, admit, and import .txt and .docx."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from drafting.layout_contract import LayoutLimits
from drafting.models import AuditEntry
from server.api.negotiations import DOCX
from tests.server.conftest import App, AppFactory
from tests.support.drafts import docx_bytes

SECRETARIAT = "secretariat@demo.consenso"
ADMIN = "admin@demo.consenso"
HEAD = "head.mex@demo.consenso"


def new_negotiation(app: App, **body: object) -> dict[str, object]:
    sent = {"title": "XXI Reunión Viceministerial, Guatemala 2016", "chair": "GTM"} | body
    response = app.client.post("/api/negotiations", json=sent, headers=app.bearer(SECRETARIAT))
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


def test_the_secretariat_creates_a_negotiation_with_its_chair_and_participants(app: App) -> None:
    created = new_negotiation(app, participants=["MEX", "IOM"])
    assert created["chair"] == {"code": "GTM", "name": "Guatemala"}
    assert [p["code"] for p in created["participants"]] == ["GTM", "IOM", "MEX"]  # type: ignore[attr-defined]
    listed = app.client.get("/api/negotiations", headers=app.bearer(SECRETARIAT)).json()
    assert [n["title"] for n in listed][-1] == "XXI Reunión Viceministerial, Guatemala 2016"
    # Canada takes no part in it: its head does not see it; Mexico's does.
    canada = app.client.get("/api/negotiations", headers=app.bearer("head.can@demo.consenso")).json()
    assert created["id"] not in [n["id"] for n in canada]
    mexico = app.client.get("/api/negotiations", headers=app.bearer(HEAD)).json()
    assert created["id"] in [n["id"] for n in mexico]
    with Session(app.engine) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "negotiation_created")).one()
        assert (entry.subject, entry.negotiation_id) == (f"negotiation/{created['id']}", created["id"])


def test_a_negotiation_refuses_an_unknown_chair_or_an_observer_chair(app: App) -> None:
    headers = app.bearer(SECRETARIAT)
    unknown = app.client.post("/api/negotiations", json={"title": "X", "chair": "ZZZ"}, headers=headers)
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    observer = app.client.post("/api/negotiations", json={"title": "X", "chair": "IOM"}, headers=headers)
    assert observer.status_code == 422 and observer.json()["code"] == "chair_not_member_state"
    blank = app.client.post("/api/negotiations", json={"title": "", "chair": "MEX"}, headers=headers)
    assert blank.status_code == 422 and blank.json()["params"]["field"] == "title"


def test_others_are_refused_with_the_pipelines_error_shape(app: App) -> None:
    for email in (HEAD, ADMIN, "observer.iom@demo.consenso"):
        refused = app.client.post(
            "/api/negotiations", json={"title": "X", "chair": "MEX"}, headers=app.bearer(email)
        )
        assert refused.status_code == 403
        assert refused.json()["code"] == "not_allowed" and refused.json()["error"]
        document = app.client.post(
            "/api/negotiations/1/documents",
            json={"title": "X", "kind": "declaration"},
            headers=app.bearer(email),
        )
        assert document.status_code == 403 and document.json()["code"] == "not_allowed"


def test_a_document_is_created_with_given_paragraphs_and_kinds_guessed(app: App) -> None:
    body = {
        "title": "Plan de Acción 2017",
        "kind": "plan_of_action",
        "paragraphs": [
            {"text": "Considerando la migración 🌎 en la región;"},
            {"text": "Acuerdan fortalecer la cooperación."},
            {"text": "Nota", "kind": "heading"},
        ],
    }
    response = app.client.post("/api/negotiations/1/documents", json=body, headers=app.bearer(SECRETARIAT))
    assert response.status_code == 201, response.text
    created = response.json()
    assert (created["kind"], created["status"], created["chair"]["code"]) == (
        "plan_of_action",
        "draft",
        "MEX",
    )
    shown = app.client.get(f"/api/documents/{created['id']}", headers=app.bearer(HEAD)).json()
    assert [(p["label"], p["kind"], p["text"]) for p in shown["paragraphs"]] == [
        ("PP1", "preambular", "Considerando la migración 🌎 en la región;"),
        ("OP1", "operative", "Acuerdan fortalecer la cooperación."),
        ("", "heading", "Nota"),
    ]


def test_an_empty_document_can_be_created(app: App) -> None:
    response = app.client.post(
        "/api/negotiations/1/documents",
        json={"title": "Resumen", "kind": "declaration"},
        headers=app.bearer(SECRETARIAT),
    )
    assert response.status_code == 201
    assert (
        app.client.get(f"/api/documents/{response.json()['id']}", headers=app.bearer(HEAD)).json()[
            "paragraphs"
        ]
        == []
    )


def test_a_docx_draft_is_imported_paragraph_by_paragraph(app: App) -> None:
    data = docx_bytes(
        ("Title", "Declaración de Guatemala"),
        ("Normal", "Reconociendo la contribución de las personas migrantes;"),
        ("Normal", ""),
        ("Normal", "Acuerdan:  crear un grupo ad hoc."),
    )
    response = app.client.post(
        "/api/negotiations/1/documents/import?title=Declaración&kind=declaration",
        content=data,
        headers=app.bearer(SECRETARIAT) | {"Content-Type": DOCX},
    )
    assert response.status_code == 201, response.text
    shown = app.client.get(f"/api/documents/{response.json()['id']}", headers=app.bearer(HEAD)).json()
    assert shown["title"] == "Declaración"
    assert [(p["kind"], p["text"]) for p in shown["paragraphs"]] == [
        ("heading", "Declaración de Guatemala"),
        ("preambular", "Reconociendo la contribución de las personas migrantes;"),
        ("operative", "Acuerdan: crear un grupo ad hoc."),
    ]
    with Session(app.engine) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "document_created")).one()
        assert "imported from .docx" in entry.detail


def test_a_text_draft_is_imported(app: App) -> None:
    text = "Considerando el diálogo;\n\nSolicitan a la Secretaría un informe.\n".encode()
    response = app.client.post(
        "/api/negotiations/1/documents/import?title=Texto",
        content=text,
        headers=app.bearer(SECRETARIAT) | {"Content-Type": "text/plain; charset=utf-8"},
    )
    assert response.status_code == 201, response.text
    shown = app.client.get(f"/api/documents/{response.json()['id']}", headers=app.bearer(HEAD)).json()
    assert [p["label"] for p in shown["paragraphs"]] == ["PP1", "OP1"]


def test_bad_files_are_refused_clearly(app: App) -> None:
    def send(
        data: bytes, media: str = "application/octet-stream", query: str = "?title=X"
    ) -> tuple[int, str]:
        response = app.client.post(
            f"/api/negotiations/1/documents/import{query}",
            content=data,
            headers=app.bearer(SECRETARIAT) | {"Content-Type": media},
        )
        return response.status_code, response.json()["code"]

    assert send(b"PK\x03\x04 not really a zip") == (422, "unreadable_draft")
    assert send("Migración".encode("latin-1")) == (422, "not_utf8")
    assert send(b"\n\n  \n") == (422, "empty_draft")
    assert send(b"") == (422, "empty_upload")
    assert send(b"texto", media="image/png") == (415, "unsupported_body")
    assert send(b"texto", query="") == (422, "missing_field")
    assert send(docx_bytes(("Normal", "")), media=DOCX) == (422, "empty_draft")


def test_an_oversized_file_is_refused_before_it_is_read(make_app: AppFactory) -> None:
    app = make_app(max_body_bytes=1024)
    response = app.client.post(
        "/api/negotiations/1/documents/import?title=X",
        content=b"Considerando;\n\n" * 200,
        headers=app.bearer(SECRETARIAT) | {"Content-Type": "text/plain"},
    )
    assert response.status_code == 413 and response.json()["code"] == "body_too_large"


def test_too_many_paragraphs_are_refused(make_app: AppFactory) -> None:
    app = make_app(layout=LayoutLimits(max_paragraphs=2))
    response = app.client.post(
        "/api/negotiations/1/documents/import?title=X",
        content=b"Uno\n\nDos\n\nTres",
        headers=app.bearer(SECRETARIAT) | {"Content-Type": "text/plain"},
    )
    assert response.status_code == 422 and response.json()["params"] == {"paragraphs": 3, "limit": 2}


def test_a_delegation_is_admitted_to_a_negotiation(app: App) -> None:
    created = new_negotiation(app, participants=["GTM"])
    path = f"/api/negotiations/{created['id']}/participants"
    admitted = app.client.post(path, json={"delegation": "can"}, headers=app.bearer(SECRETARIAT))
    assert admitted.status_code == 200
    assert [p["code"] for p in admitted.json()["participants"]] == ["CAN", "GTM"]
    again = app.client.post(path, json={"delegation": "CAN"}, headers=app.bearer(SECRETARIAT))
    assert [p["code"] for p in again.json()["participants"]] == ["CAN", "GTM"]
    canada = app.client.get("/api/negotiations", headers=app.bearer("head.can@demo.consenso")).json()
    assert created["id"] in [n["id"] for n in canada]


def test_a_document_is_created_in_the_working_languages_its_source_chosen(app: App) -> None:
    headers = app.bearer(SECRETARIAT)
    body = {
        "title": "Declaration",
        "kind": "declaration",
        "source_language": "en",
        "paragraphs": [{"text": "Agree."}],
    }
    created = app.client.post("/api/negotiations/1/documents", json=body, headers=headers)
    assert created.status_code == 201, created.text
    languages = app.client.get(f"/api/documents/{created.json()['id']}/languages", headers=headers).json()
    assert (languages["source_language"], languages["versions"]) == ("en", ["es"])
    imported = app.client.post(
        "/api/negotiations/1/documents/import?title=Declaración",
        content=b"Acuerdan.",
        headers=headers | {"Content-Type": "text/plain"},
    )
    languages = app.client.get(f"/api/documents/{imported.json()['id']}/languages", headers=headers).json()
    assert languages["source_language"] == "es"  # the first working language
    refused = app.client.post(
        "/api/negotiations/1/documents", json=body | {"source_language": "fr"}, headers=headers
    )
    assert refused.status_code == 422 and refused.json()["code"] == "unknown_language"
