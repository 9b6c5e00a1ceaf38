"""GET /api/openapi.json: the REST API as an OpenAPI 3.1 document, built from the endpoints' own
declarations (server/api/pipeline.py), so it lists every route there is and the statuses each may answer."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route

from server.api.pipeline import PATH_PARAMETERS, Call, Endpoint, Operation, endpoint
from server.api.schema import ANY_OBJECT, fields_of, json_schema
from server.errors import STATUS_MEANINGS
from server.security import RATE_LIMITS

ERROR = {
    "type": "object",
    "properties": {
        "error": {"type": "string", "description": "what happened, and what to do next"},
        "code": {
            "type": "string",
            "description": "a stable name of the fault, for clients that translate it",
        },
        "params": {"type": "object", "description": "the values the message names"},
    },
    "required": ["error", "code", "params"],
}
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def document(routes: list[BaseRoute]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        if isinstance(route, Route) and isinstance(route.endpoint, Endpoint):
            operation = route.endpoint.operation
            paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(route.endpoint)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Consenso",
            "version": "0.2.0",
            "description": (
                "Negotiate a text among governments. Scripts send `Authorization: Bearer TOKEN`; browsers "
                "use "
                "the session cookie and send `X-CSRF-Token` (from GET /api/me) with every write. Every error "
                "answers `{error, code, params}`. The text itself is co-edited over the Yjs sync socket at "
                "/sync/{document_id}."
            ),
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {"Error": ERROR},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "session": {"type": "apiKey", "in": "cookie", "name": "consenso_session"},
            },
        },
    }


def _operation(endpoint_object: Endpoint) -> dict[str, Any]:
    operation = endpoint_object.operation
    described: dict[str, Any] = {
        "operationId": endpoint_object.__name__,
        "summary": operation.summary,
        "tags": [operation.path.split("/")[2] if operation.path.startswith("/api/") else "keys"],
        "parameters": _parameters(operation),
        "responses": _responses(operation),
        "security": [{"bearer": []}, {"session": []}] if operation.action is not None else [],
    }
    if operation.body is not None:
        described["requestBody"] = {
            "required": operation.body_required and bool(json_schema(operation.body).get("required")),
            "content": {"application/json": {"schema": json_schema(operation.body)}},
        }
    if operation.uploads:
        described["requestBody"] = {
            "required": True,
            "content": {
                media: {"schema": {"type": "string", "format": "binary"}} for media in operation.uploads
            },
        }
    if operation.action is not None:
        described["x-policy-action"] = operation.action.value
    return described


def _parameters(operation: Operation) -> list[dict[str, Any]]:
    found = [
        {"name": name, "in": "path", "required": True, "schema": PATH_PARAMETERS[name].schema}
        for name in operation.parameters
    ]
    if operation.query is not None:
        for name, required, schema in fields_of(operation.query):
            found.append({"name": name, "in": "query", "required": required, "schema": schema})
    return found


def _statuses(operation: Operation) -> list[int]:
    found = set(operation.statuses())
    if any(group.covers(operation.path) for group in RATE_LIMITS):
        found.add(429)
    if operation.method in UNSAFE:
        found.add(403)  # a cookie-signed write without its form token (CSRF)
    return sorted(found)


def _responses(operation: Operation) -> dict[str, Any]:
    success: dict[str, Any] = {"description": "done"}
    if operation.status != 204 and operation.response is not None:
        success["content"] = {operation.media_type: {"schema": operation.response}}
    responses = {str(operation.status): success}
    error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for status in _statuses(operation):
        responses[str(status)] = {"description": STATUS_MEANINGS[status], "content": error}
    return responses


@endpoint(
    "GET", "/api/openapi.json", None, "This description of the REST API (OpenAPI 3.1)", response=ANY_OBJECT
)
async def openapi_document(call: Call) -> JSONResponse:
    return JSONResponse(document(call.request.app.routes))
