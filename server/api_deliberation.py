"""REST for deliberation, gathered for the app: comments, positions, amendments, the compilation text."""

from __future__ import annotations

from starlette.routing import BaseRoute

from server import api_amendments, api_comments, api_compilation, api_positions

routes: list[BaseRoute] = [
    *api_comments.routes,
    *api_positions.routes,
    *api_amendments.routes,
    *api_compilation.routes,
]
