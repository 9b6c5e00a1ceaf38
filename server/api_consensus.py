"""REST for consensus: paragraph locks and statuses, the silence procedure, adoption."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
