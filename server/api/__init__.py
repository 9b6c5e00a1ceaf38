"""REST under /api: one module per resource, each a list of endpoints declared on the pipeline
(server/api/pipeline.py), gathered here in the order their routes are tried."""

from __future__ import annotations

from starlette.routing import BaseRoute

from server.api import (
    adoption,
    amendments,
    audit,
    comments,
    compilation,
    credentials,
    delegations,
    documents,
    exports,
    history,
    negotiations,
    notices,
    openapi,
    paragraphs,
    positions,
    revisions,
    silence,
    translations,
    users,
)
from server.api.pipeline import Endpoint

ENDPOINTS: list[Endpoint] = [
    *credentials.endpoints,
    *documents.endpoints,
    *notices.endpoints,
    *paragraphs.endpoints,
    *silence.endpoints,
    *adoption.endpoints,
    *translations.endpoints,
    *comments.endpoints,
    *positions.endpoints,
    *amendments.endpoints,
    *compilation.endpoints,
    *revisions.endpoints,
    *history.endpoints,
    *exports.endpoints,
    *audit.endpoints,
    *negotiations.endpoints,
    *delegations.endpoints,
    *users.endpoints,
    openapi.openapi_document,
]


def routes(extra: list[Endpoint] | None = None) -> list[BaseRoute]:
    """The routes of every endpoint, and of `extra` ones (the demo sign-in, when it is on)."""
    return [endpoint.route for endpoint in [*ENDPOINTS, *(extra or [])]]


__all__ = ["ENDPOINTS", "routes"]
