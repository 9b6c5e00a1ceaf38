"""REST for credentials: the caller's sessions and script tokens, and the public signing keys."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
