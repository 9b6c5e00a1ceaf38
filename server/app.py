"""The Starlette application: pages, REST under /api, and the sync socket."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.responses import FileResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from drafting.errors import DraftingError
from server import api, security
from server.errors import Refused, drafting_error, refused
from server.routing import public
from server.services import Services
from server.settings import Settings
from server.signin import demo
from server.signin import oidc as signin
from server.sync_socket import sync_endpoint

STATIC = Path(__file__).resolve().parent.parent / "static"


def _page(name: str) -> Route:
    @public
    async def page(_request: object) -> FileResponse:
        return FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})

    return Route("/" if name == "index.html" else "/" + name.removesuffix(".html"), page)


def create_app(settings: Settings) -> Starlette:
    services = Services.create(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        await services.start()
        try:
            yield
        finally:
            await services.stop()

    routes = [
        _page("index.html"),
        _page("signin.html"),
        *api.routes,
        *signin.routes,
        *(demo.routes if settings.demo else []),
        WebSocketRoute("/sync/{document_id}", sync_endpoint),
        Mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static"),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers={DraftingError: drafting_error, Refused: refused},
        middleware=security.middleware(settings),
    )
    app.state.services = services
    return app
