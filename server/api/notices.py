"""GET /api/documents/{id}/events: a document's live notices as server-sent events."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

from starlette.responses import StreamingResponse

from auth.policy import Action
from server.api.pipeline import DOCUMENT, Call, endpoint
from server.api.schema import STRING


@endpoint(
    "GET",
    DOCUMENT + "/events",
    Action.READ,
    "The document's live notices (comments, positions, statuses, locks, silence, adoption) as server-sent "
    "events: `event: KIND` and `data: JSON`; a comment line every 15 s keeps the stream open",
    response=STRING,
    media_type="text/event-stream",
)
async def document_events(call: Call) -> StreamingResponse:
    services, document_id, principal = call.services, call.document_id, call.principal
    caller = call.caller
    assert caller is not None

    async def stream() -> AsyncIterator[str]:
        yield ": connected\n\n"
        async for notice in services.notices.listen(document_id, principal, caller.standing):
            if notice is None:
                yield ": keepalive\n\n"
            else:
                yield f"event: {notice.kind}\ndata: {json.dumps(notice.payload, ensure_ascii=False)}\n\n"

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


endpoints = [document_events]
