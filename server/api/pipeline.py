"""The steps every deliberation request shares: its context (who, which document, under which scope),
reading the JSON body, and the OpenAPI operation an endpoint documents itself with.

Span offsets in requests and answers count UTF-16 code units, as yjs in the browser does
(docs/decisions/0006-positions-in-utf16.md). Each request writes in one database transaction.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, TypeVar

import yaml
from pycrdt import Doc
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse

from auth.policy import Action, Scope
from auth.principal import Principal
from drafting import comments
from drafting.catalogue import document_by_id
from drafting.errors import Conflict, InvalidInput, NotFound
from drafting.models import User
from server.access import negotiation_scope, require
from server.api.documents import services_of, signed_in
from server.notices import Notice

E = TypeVar("E", bound=Callable[..., Any])
T = TypeVar("T")
PREFIX = "/api/documents/{document_id:int}"


def openapi(summary: str, *, body: str | None = None, ok: str = "done", errors: str = "") -> Callable[[E], E]:
    """Give an endpoint its OpenAPI operation as a YAML docstring (read by SchemaGenerator)."""
    texts = {"401": "not signed in", "403": "the policy refuses it", "404": "no such document or paragraph"}
    texts.update(
        {"409": "stale version, conflict or locked paragraph", "422": "invalid input or over limits"}
    )
    codes = ["401", "403", "404", *errors.split()]
    operation: dict[str, Any] = {"summary": summary, "responses": {"200": {"description": ok}}}
    operation["responses"].update({code: {"description": texts[code]} for code in codes})
    if body:
        operation["requestBody"] = {"description": body, "content": {"application/json": {}}}

    def mark(endpoint: E) -> E:
        endpoint.__doc__ = "---\n" + yaml.safe_dump(operation, sort_keys=False)
        return endpoint

    return mark


class Context:
    def __init__(self, request: Request, principal: Principal, scope: Scope, document_id: int) -> None:
        self.request = request
        self.services = services_of(request)
        self.principal = principal
        self.scope = scope
        self.document_id = document_id

    async def doc(self) -> Doc[Any]:
        """The live document if it is open, else as stored (comment anchors are valid in both)."""
        assert self.services.rooms is not None
        room = self.services.rooms.loaded(self.document_id)
        if room is not None:
            return room.doc
        stored = await asyncio.to_thread(self.services.store.load, self.document_id)
        return stored.to_doc()

    async def write(self, work: Callable[[Session, User], T]) -> T:
        """Run `work` in one transaction; a concurrent writer's unique row (a version number taken at the
        same moment) makes it a Conflict, wherever it surfaces: in `work`'s own flush, or at commit."""

        def run(session: Session) -> T:
            user = session.get(User, self.principal.user_id)
            if user is None:
                raise NotFound("user", self.principal.user_id)
            result = work(session, user)
            session.flush()
            return result

        try:
            return await self.services.in_session(run)
        except IntegrityError as exc:
            raise Conflict("someone else changed this at the same moment; reload and retry") from exc

    def publish(self, kind: str, payload: dict[str, Any], delegation_id: int | None = None) -> None:
        self.services.events.publish(self.document_id, Notice(kind, payload, delegation_id=delegation_id))


async def context(request: Request, action: Action) -> Context:
    """Sign-in, same-origin check for writes, and the policy's word on `action` for the document."""
    principal = await signed_in(request)
    document_id = int(request.path_params["document_id"])

    def scope_of(session: Session) -> Scope:
        document = document_by_id(session, document_id)
        flag = comments.observers_may_comment(session, document_id)
        return negotiation_scope(document.negotiation, observers_may_comment=flag)

    scope = await services_of(request).in_session(scope_of)
    require(principal, action, scope)
    return Context(request, principal, scope, document_id)


async def body_of(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError as exc:
        raise InvalidInput("the request body must be a JSON object") from exc
    if not isinstance(body, dict):
        raise InvalidInput("the request body must be a JSON object")
    return body


def field(body: dict[str, Any], name: str, kind: type[T], default: T | None = None) -> T:
    value = body.get(name, default)
    if value is None or not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise InvalidInput(f"'{name}' must be a {kind.__name__}")
    return value


def choice(enum: Callable[[str], T], value: object, name: str) -> T:
    try:
        return enum(str(value))
    except ValueError as exc:
        raise InvalidInput(f"'{name}' has no value {value!r}") from exc


def json_response(content: Any, status: int = 200) -> JSONResponse:
    return JSONResponse(content, status_code=status)
