"""REST for deliberation: comments, positions, amendments and the compilation text."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
