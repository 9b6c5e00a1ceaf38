"""Sign-in through each organization's identity provider (OpenID Connect)."""

from __future__ import annotations

from starlette.routing import BaseRoute

routes: list[BaseRoute] = []
