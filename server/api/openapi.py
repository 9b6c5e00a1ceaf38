"""GET /api/openapi.json: the REST API described from the YAML in the endpoints' docstrings."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import BaseRoute, Route
from starlette.schemas import SchemaGenerator

from server.routing import public

schemas = SchemaGenerator(
    {
        "openapi": "3.0.3",
        "info": {
            "title": "Consenso",
            "version": "0.1.0",
            "description": "Negotiate a text among governments. Scripts send `Authorization: Bearer TOKEN`.",
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
    }
)


@public
async def openapi_schema(request: Request) -> JSONResponse:
    return JSONResponse(schemas.get_schema(routes=request.app.routes))


routes: list[BaseRoute] = [Route("/api/openapi.json", openapi_schema, include_in_schema=False)]
