"""The one way every REST endpoint goes (docs/decisions/0009).

An endpoint declares, once, its method and path, the policy action it asks for (or that it is public),
its body and query as dataclasses (server/api/schema.py) and its answer's schema. The pipeline then, for
every request: parses the path's ids (out of range: 404, like a missing one), identifies the caller
(401), builds the scope of the document or negotiation the path names (one you may not read is 404, like
one that does not exist), asks the policy (403), reads the JSON body within its size limit and validates
it (400/413/415/422), runs the endpoint, and answers JSON. Errors become statuses in server/errors.py
only. The same declaration is the endpoint's OpenAPI operation (server/api/openapi.py).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pycrdt import Doc
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import Receive, Send
from starlette.types import Scope as AsgiScope

from auth.policy import Action, Scope, authorize
from auth.principal import Principal
from drafting.errors import Conflict, InvalidInput, NotFound
from drafting.models import User
from server.api.schema import MAX_ID, json_schema, parse
from server.errors import MalformedBody, PolicyRefusal, SignInRequired, UnsupportedBody
from server.notices import Notice
from server.scopes import document_scope, negotiation_scope_by_id
from server.services import Services
from server.signin.identify import Caller, identify_caller

T = TypeVar("T")
E = TypeVar("E", bound=Callable[..., Any])
PUBLIC = "public"
DOCUMENT = "/api/documents/{document_id}"
PARAGRAPH = DOCUMENT + "/paragraphs/{paragraph_id}"
JSON_DEPTH_LIMIT = 32


# -- path parameters --------------------------------------------------------------------------------


@dataclass(frozen=True)
class PathParameter:
    kind: str  # how a NotFound names it
    schema: dict[str, Any]
    pattern: re.Pattern[str]
    whole_number: bool = False
    minimum: int = 1


def _id_parameter(kind: str) -> PathParameter:
    return PathParameter(
        kind, {"type": "integer", "minimum": 1, "maximum": MAX_ID}, re.compile(r"[0-9]{1,19}"), True
    )


PATH_PARAMETERS: dict[str, PathParameter] = {
    "document_id": _id_parameter("document"),
    "negotiation_id": _id_parameter("negotiation"),
    "comment_id": _id_parameter("comment"),
    "version_id": _id_parameter("position version"),
    "session_id": _id_parameter("session"),
    "token_id": _id_parameter("script token"),
    "user_id": _id_parameter("user"),
    "revision": PathParameter(  # a revision's number in its document: 0 is the zero draft
        "revision", {"type": "integer", "minimum": 0, "maximum": 10**9}, re.compile(r"[0-9]{1,9}"), True, 0
    ),
    "delegation_id": _id_parameter("delegation"),
    "paragraph_id": PathParameter(
        "paragraph",
        {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
        re.compile(r"[A-Za-z0-9_-]{1,64}"),
    ),
    "language": PathParameter(
        "language version", {"type": "string", "pattern": "^[a-z]{2,3}$"}, re.compile(r"[a-z]{2,3}")
    ),
    "delegation": PathParameter(
        "delegation",
        {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,16}$"},
        re.compile(r"[A-Za-z0-9_-]{1,16}"),
    ),
}
_PLACEHOLDER = re.compile(r"{([a-z_]+)}")


def path_parameters(path: str) -> list[str]:
    return _PLACEHOLDER.findall(path)


def _parsed_path(request: Request, names: list[str]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name in names:
        spec = PATH_PARAMETERS[name]
        raw = str(request.path_params[name])
        if spec.pattern.fullmatch(raw) is None or (
            spec.whole_number and not spec.minimum <= int(raw) <= MAX_ID
        ):
            raise NotFound(spec.kind, raw)
        values[name] = int(raw) if spec.whole_number else raw
    return values


# -- the operation an endpoint declares -------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    action: Action | None  # None: public
    summary: str
    body: type | None = None
    query: type | None = None
    response: dict[str, Any] | None = None  # JSON Schema of the answer; None for 204
    status: int = 200
    errors: tuple[int, ...] = ()  # statuses besides those the pipeline itself may answer
    media_type: str = "application/json"
    body_required: bool = True
    uploads: tuple[str, ...] = ()  # media types of a file taken as the raw body (Call.body: Upload)

    @property
    def parameters(self) -> list[str]:
        return path_parameters(self.path)

    def statuses(self) -> list[int]:
        found = set(self.errors)
        if self.action is not None:
            found |= {401, 403}
        if self.parameters:
            found.add(404)
        if self.body is not None:
            found |= {400, 413, 415, 422}
        if self.uploads:
            found |= {413, 415, 422}
        if self.query is not None:
            found.add(422)
        found.add(503)
        return sorted(found)


@dataclass(frozen=True)
class Upload:
    """A file sent as the request's whole body."""

    media_type: str
    data: bytes


class Call:
    """One request as an endpoint sees it: who asks, about what, with which body and query."""

    def __init__(
        self,
        request: Request,
        services: Services,
        caller: Caller | None,
        path: dict[str, Any],
        scope: Scope | None,
        body: Any,
        query: Any,
    ) -> None:
        self.request = request
        self.services = services
        self.caller = caller
        self.path = path
        self.scope = scope
        self.body = body
        self.query = query

    @property
    def principal(self) -> Principal:
        if self.caller is None:
            raise SignInRequired()
        return self.caller.principal

    @property
    def document_id(self) -> int:
        value: int = self.path["document_id"]
        return value

    async def doc(self) -> Doc[Any]:
        """The live document if it is open, else as stored."""
        rooms = self.services.rooms
        assert rooms is not None
        room = rooms.loaded(self.document_id)
        if room is not None:
            return room.doc
        stored = await asyncio.to_thread(self.services.store.load, self.document_id)
        return stored.to_doc()

    async def read(self, work: Callable[[Session], T]) -> T:
        return await self.services.in_session(work)

    async def write(self, work: Callable[[Session, User], T]) -> T:
        """Run `work` in one transaction with the caller's user; a concurrent writer's unique row (a version
        number taken at the same moment) makes it a Conflict, wherever it surfaces."""
        principal = self.principal

        def run(session: Session) -> T:
            session.info["actor_id"] = (
                principal.user_id
            )  # who the audit trail names for what it records itself
            user = session.get(User, principal.user_id)
            if user is None:
                raise SignInRequired("your account no longer exists: sign in again")
            result = work(session, user)
            session.flush()
            return result

        try:
            return await self.services.in_session(run)
        except IntegrityError as exc:
            raise Conflict(
                "someone else changed this at the same moment: reload and try again", code="concurrent_change"
            ) from exc

    def publish(self, kind: str, payload: dict[str, Any], delegation_id: int | None = None) -> None:
        self.services.notices.publish(self.document_id, Notice(kind, payload, delegation_id=delegation_id))


Handler = Callable[[Call], Awaitable[Any]]


class Endpoint:
    """An ASGI app for one operation (Starlette routes to it like to any app)."""

    def __init__(self, operation: Operation, handler: Handler) -> None:
        self.operation = operation
        self.handler = handler
        self.policy_action: Action | str = operation.action or PUBLIC
        self.__name__ = handler.__name__
        self.__qualname__ = handler.__qualname__
        self.__doc__ = handler.__doc__

    @property
    def route(self) -> Route:
        return Route(self.operation.path, self, methods=[self.operation.method], name=self.__name__)

    async def __call__(self, scope: AsgiScope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        response = await self.respond(request)
        await response(scope, receive, send)

    async def respond(self, request: Request) -> Response:
        operation = self.operation
        services = services_of(request)
        path = _parsed_path(request, operation.parameters)
        caller = await identify_caller(request, services)
        if operation.action is not None and caller is None:
            raise SignInRequired()
        scope = await _scope(services, path)
        if operation.action is not None and caller is not None:
            _authorize(caller.principal, operation.action, scope, path)
        body: Any = None
        if operation.body is not None:
            body = await _body(request, operation)
        elif operation.uploads:
            body = await _upload(request, operation.uploads)
        query: Any = None
        if operation.query is not None:
            query = parse(operation.query, dict(request.query_params), "the query", from_text=True)
        result = await self.handler(Call(request, services, caller, path, scope, body, query))
        if isinstance(result, Response):
            return result
        if result is None:
            return Response(status_code=204)
        return JSONResponse(result, status_code=operation.status)


def endpoint(
    method: str,
    path: str,
    action: Action | None,
    summary: str,
    *,
    body: type | None = None,
    query: type | None = None,
    response: dict[str, Any] | None = None,
    status: int = 200,
    errors: tuple[int, ...] = (),
    media_type: str = "application/json",
    body_required: bool = True,
    uploads: tuple[str, ...] = (),
) -> Callable[[Handler], Endpoint]:
    """Declare an endpoint: `@endpoint("POST", PARAGRAPH + "/lock", Action.LOCK, "Lock a paragraph")`."""
    operation = Operation(
        method,
        path,
        action,
        summary,
        body,
        query,
        response,
        status,
        errors,
        media_type,
        body_required,
        uploads,
    )
    for name in operation.parameters:
        if name not in PATH_PARAMETERS:
            raise TypeError(f"{path}: add the path parameter {name!r} to PATH_PARAMETERS")

    def declare(handler: Handler) -> Endpoint:
        return Endpoint(operation, handler)

    return declare


def services_of(connection: HTTPConnection) -> Services:
    services: Services = connection.app.state.services
    return services


def public(endpoint_function: E) -> E:
    """Mark a page or a browser redirect that is not part of the REST API: it needs no sign-in."""
    endpoint_function.policy_action = PUBLIC  # type: ignore[attr-defined]
    return endpoint_function


def policy_action(endpoint_object: object) -> Action | str | None:
    action: Action | str | None = getattr(endpoint_object, "policy_action", None)
    return action


# -- the steps --------------------------------------------------------------------------------------


async def _scope(services: Services, path: dict[str, Any]) -> Scope | None:
    if "document_id" in path:
        document_id = path["document_id"]
        return await services.in_session(lambda session: document_scope(session, document_id))
    if "negotiation_id" in path:
        negotiation_id = path["negotiation_id"]
        return await services.in_session(lambda session: negotiation_scope_by_id(session, negotiation_id))
    return None


def _authorize(principal: Principal, action: Action, scope: Scope | None, path: dict[str, Any]) -> None:
    if scope is not None and not authorize(principal, Action.READ, scope):
        # Whoever may not read a document or negotiation learns nothing of it, not even that it exists.
        kind = "document" if "document_id" in path else "negotiation"
        raise NotFound(kind, path.get("document_id", path.get("negotiation_id")))
    require(principal, action, scope)


def require(principal: Principal, action: Action, scope: Scope | None = None) -> None:
    decision = authorize(principal, action, scope)
    if not decision:
        raise PolicyRefusal(decision.rule + ".", action=action.value)


async def _body(request: Request, operation: Operation) -> Any:
    assert operation.body is not None
    raw = await request.body()  # bounded by the body limit (server/security/body_limit.py)
    if not raw.strip():
        if operation.body_required and _required_fields(operation.body):
            raise MalformedBody("send a JSON object as the body (Content-Type: application/json)")
        return parse(operation.body, {})
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ("application/json", "") and not media.endswith("+json"):
        raise UnsupportedBody(f"the body must be JSON (Content-Type: application/json), not {media}")
    value = read_json(raw)
    if not isinstance(value, dict):
        raise MalformedBody("the body must be a JSON object {…}, not a list or a single value")
    return parse(operation.body, value)


async def _upload(request: Request, media_types: tuple[str, ...]) -> Upload:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in media_types:
        raise UnsupportedBody(
            f"send the file as the body, with Content-Type one of {', '.join(media_types)}",
            accepted=list(media_types),
        )
    raw = await request.body()  # bounded by the body limit (server/security/body_limit.py)
    if not raw:
        raise InvalidInput("the body is empty: send the file itself as the body", code="empty_upload")
    return Upload(media, raw)


def _required_fields(cls: type) -> bool:
    return bool(json_schema(cls).get("required"))


def read_json(raw: bytes) -> object:
    """Decode a JSON body strictly: UTF-8, no NaN or Infinity, at most JSON_DEPTH_LIMIT levels deep."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise MalformedBody("the body is not valid UTF-8 text: send JSON encoded in UTF-8") from None
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except (ValueError, RecursionError) as exc:
        raise MalformedBody(f"the body is not valid JSON ({_short(exc)}): send a JSON object") from None
    if _depth(value) > JSON_DEPTH_LIMIT:
        raise MalformedBody(f"the body nests deeper than {JSON_DEPTH_LIMIT} levels: send a flatter object")
    return value


def _no_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number JSON allows")


def _short(exc: Exception) -> str:
    return "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:120]


def _depth(value: object) -> int:
    deepest, stack = 0, [(value, 1)]
    while stack:
        current, level = stack.pop()
        if isinstance(current, dict | list):
            deepest = max(deepest, level)
            if level > JSON_DEPTH_LIMIT:
                return level
            children = current.values() if isinstance(current, dict) else current
            stack.extend((child, level + 1) for child in children)
    return deepest
