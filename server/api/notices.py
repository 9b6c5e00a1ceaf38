"""GET /api/documents/{id}/events: a document's notices as server-sent events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route

from auth.policy import Action
from server.access import document_scope, require
from server.api.credentials import caller_of
from server.api.documents import services_of
from server.routing import requires


@requires(Action.READ)
async def document_events(request: Request) -> StreamingResponse:
    caller = await caller_of(request)
    principal = caller.principal
    services = services_of(request)
    document_id = int(request.path_params["document_id"])
    require(principal, Action.READ, await document_scope(services, document_id))

    async def stream() -> AsyncIterator[str]:
        yield ": connected\n\n"
        async for notice in services.events.listen(document_id, principal, caller.standing):
            if notice is None:
                yield ": keepalive\n\n"
            else:
                yield f"event: {notice.kind}\ndata: {json.dumps(notice.payload, ensure_ascii=False)}\n\n"

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


routes = [Route("/api/documents/{document_id:int}/events", document_events)]
