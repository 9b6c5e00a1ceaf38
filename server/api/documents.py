"""REST routes under /api: who am I, the documents I can open, a document's paragraphs."""

from __future__ import annotations

import asyncio
from typing import Any

from pycrdt import Doc
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from auth.credentials import close_session
from auth.policy import Action, Scope
from auth.principal import Principal
from drafting.catalogue import document_by_id, documents_for
from drafting.layout import read_document_info, read_paragraphs
from drafting.models import Document, User
from server.access import negotiation_scope, require
from server.errors import Refused
from server.routing import public, requires
from server.security import csrf
from server.services import Services
from server.signin.identify import SESSION_COOKIE, identify


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def signed_in(request: Request) -> Principal:
    principal = await identify(request, services_of(request))
    if principal is None:
        raise Refused(401, "sign in first: no valid session or bearer token")
    return principal


def document_summary(document: Document) -> dict[str, Any]:
    return {
        "id": document.id,
        "title": document.title,
        "kind": document.kind.value,
        "status": document.status.value,
        "negotiation": {"id": document.negotiation.id, "title": document.negotiation.title},
    }


@requires(Action.OWN_CREDENTIALS)
async def me(request: Request) -> JSONResponse:
    principal = await signed_in(request)
    return JSONResponse(
        {
            "id": principal.user_id,
            "name": principal.name,
            "email": principal.email,
            "role": principal.role.value,
            "delegation": principal.delegation_code,
            "csrf_token": csrf.token_for(request),
        }
    )


@requires(Action.READ)
async def list_documents(request: Request) -> JSONResponse:
    principal = await signed_in(request)

    def work(session: Session) -> list[dict[str, Any]]:
        user = session.get(User, principal.user_id)
        return [document_summary(d) for d in documents_for(session, user)] if user else []

    return JSONResponse(await services_of(request).in_session(work))


@requires(Action.READ)
async def show_document(request: Request) -> JSONResponse:
    principal = await signed_in(request)
    services = services_of(request)
    try:
        document_id = int(request.path_params["document_id"])
    except ValueError as exc:
        raise Refused(404, "document ids are whole numbers") from exc

    def work(session: Session) -> tuple[dict[str, Any], Scope]:
        document = document_by_id(session, document_id)
        return document_summary(document), negotiation_scope(document.negotiation)

    summary, scope = await services.in_session(work)
    require(principal, Action.READ, scope)
    assert services.rooms is not None
    room = services.rooms.loaded(document_id)
    doc = room.doc if room is not None else (await _stored_doc(services, document_id))
    info = read_document_info(doc)
    summary["status"] = info.get("status", summary["status"])
    summary["paragraphs"] = [
        {
            "id": p.id,
            "label": p.label,
            "kind": p.kind.value,
            "text": p.text,
            "status": p.status.value,
            "locked": p.locked,
        }
        for p in read_paragraphs(doc)
    ]
    return JSONResponse(summary)


async def _stored_doc(services: Services, document_id: int) -> Doc[Any]:
    stored = await asyncio.to_thread(services.store.load, document_id)
    return stored.to_doc()


@public
async def sign_out(request: Request) -> Response:
    secret = request.cookies.get(SESSION_COOKIE)
    if secret:
        await services_of(request).in_session(lambda session: close_session(session, secret))
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@public
async def health(request: Request) -> JSONResponse:
    services = services_of(request)
    rooms = services.rooms
    return JSONResponse({"status": "ok", "open_documents": len(rooms) if rooms else 0})


routes = [
    Route("/api/me", me),
    Route("/api/documents", list_documents),
    Route("/api/documents/{document_id}", show_document),
    Route("/api/signout", sign_out, methods=["POST"]),
    Route("/healthz", health),
]
