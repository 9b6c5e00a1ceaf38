"""REST under /api: one module per resource, gathered here for the app."""

from __future__ import annotations

from starlette.routing import BaseRoute

from server.api import (
    amendments,
    comments,
    compilation,
    consensus,
    credentials,
    documents,
    notices,
    openapi,
    positions,
)

routes: list[BaseRoute] = [
    *documents.routes,
    *notices.routes,
    *credentials.routes,
    *consensus.routes,
    *comments.routes,
    *positions.routes,
    *amendments.routes,
    *compilation.routes,
    *openapi.routes,
]

__all__ = ["routes"]
