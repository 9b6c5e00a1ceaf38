"""The Starlette application: pages, REST under /api, sign-in, and the sync socket."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from server import api, security
from server.api.pipeline import public, services_of
from server.errors import EXCEPTION_HANDLERS
from server.services import Services
from server.settings import Settings
from server.signin import demo, oidc
from server.sync_socket import sync_endpoint

STATIC = Path(__file__).resolve().parent.parent / "static"


def _page(name: str) -> Route:
    @public
    async def page(_request: object) -> FileResponse:
        return FileResponse(STATIC / name, headers={"Cache-Control": "no-cache"})

    return Route("/" if name == "index.html" else "/" + name.removesuffix(".html"), page)


@public
async def health(request: Request) -> JSONResponse:
    """200 while this instance can reach what it needs, 503 naming what it cannot (server/health.py)."""
    services = services_of(request)
    problems = await services.health.problems()
    rooms = services.rooms
    body = {"status": "unavailable" if problems else "ok", "open_documents": len(rooms) if rooms else 0}
    return JSONResponse(body | problems, status_code=503 if problems else 200)


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
        Route("/healthz", health),
        *api.routes(demo.endpoints if settings.demo else []),
        *oidc.routes,
        WebSocketRoute("/sync/{document_id}", sync_endpoint),
        Mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static"),
    ]
    app = Starlette(
        routes=routes,
        lifespan=lifespan,
        exception_handlers=dict(EXCEPTION_HANDLERS),
        middleware=security.middleware(settings),
    )
    app.state.services = services
    return app
