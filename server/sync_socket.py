"""The sync socket, /sync/{document_id}: y-protocols over WebSocket, one message per frame.

Authentication and the policy are asked before the socket is accepted (a refusal is an HTTP 403). After
that, bad input closes only the offending socket, with the close code that fits, and a logged reason; so
does the end of the credential it was opened with (server/signin/watch.py), after which nothing it sends
is applied. Each socket is read within its budget (server/sync/budget.py): a flood waits, unread, and
slows only its sender.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from auth.policy import Action, authorize
from drafting.errors import DraftingError, NotFound
from drafting.guard import Rights
from server.api.schema import MAX_ID
from server.errors import CLOSE_POLICY, CLOSE_TOO_BIG, CLOSE_UNSUPPORTED, close_code, ending_close_code
from server.scopes import document_scope
from server.services import Services
from server.signin.identify import identify_caller
from server.sync.budget import Budget, BudgetLimits
from server.sync.peer import Peer
from server.sync.protocol import (
    AuthMessage,
    AwarenessMessage,
    ProtocolError,
    QueryAwareness,
    SyncMessage,
    SyncType,
    decode,
)
from server.sync.room import Room

log = logging.getLogger(__name__)


def document_id_of(raw: str) -> int:
    """The document id of a socket's path: whole, and within what a 64-bit column holds."""
    if not raw.isdigit() or len(raw) > 19 or not 1 <= int(raw) <= MAX_ID:
        raise NotFound("document", raw)
    return int(raw)


async def sync_endpoint(websocket: WebSocket) -> None:
    services: Services = websocket.app.state.services
    rooms = services.rooms
    assert rooms is not None
    try:
        document_id = document_id_of(str(websocket.path_params["document_id"]))
        caller = await identify_caller(websocket, services, websocket=True)
        if caller is None:
            raise PermissionError("sign in first: no valid session or bearer token")
        principal = caller.principal
        scope = await services.in_session(lambda session: document_scope(session, document_id))
        decision = authorize(principal, Action.READ, scope)
        if not decision:
            raise PermissionError(decision.rule)
        room = await rooms.open_cold(document_id)
    except (ValueError, PermissionError, NotFound) as exc:
        log.info("sync socket refused for %s: %s", websocket.url.path, exc)
        await websocket.close(code=CLOSE_POLICY)  # before accept: the client gets HTTP 403
        return
    await websocket.accept()
    peer = Peer(
        principal=principal,
        rights=Rights(
            edit_text=bool(authorize(principal, Action.EDIT_TEXT, scope)),
            restructure=bool(authorize(principal, Action.RESTRUCTURE, scope)),
            translate=bool(authorize(principal, Action.TRANSLATE, scope)),
        ),
        send_frame=websocket.send_bytes,
        close_socket=lambda code, reason: websocket.close(code, reason),
        queue_limit=services.settings.send_queue_messages,
        queue_bytes=services.settings.send_queue_bytes,
        keepalive_seconds=services.settings.keepalive_seconds,
    )
    hold = services.watch.hold(caller.standing, lambda end: peer.close(ending_close_code(end), end.message))
    peer.start()
    room.join(peer)
    try:
        limits = BudgetLimits(
            messages_per_second=services.settings.sync_messages_per_second,
            bytes_per_second=services.settings.sync_bytes_per_second,
        )
        await _receive(websocket, room, peer, services.settings.max_message_bytes, limits)
    finally:
        services.watch.release(hold)
        room.leave(peer)
        await peer.stop()
        rooms.left(room)


async def _receive(websocket: WebSocket, room: Room, peer: Peer, limit: int, limits: BudgetLimits) -> None:
    loop = asyncio.get_running_loop()
    budget = Budget(limits, loop.time())
    while not peer.closed:
        try:
            message = await websocket.receive()
        except WebSocketDisconnect:
            return
        if message["type"] == "websocket.disconnect" or peer.closed:
            return  # closed while the frame was on its way: it is not applied
        frame = message.get("bytes")
        if frame is None:
            await _close(websocket, peer, CLOSE_UNSUPPORTED, "binary y-protocols frames only")
            return
        if len(frame) > limit:
            await _close(websocket, peer, CLOSE_TOO_BIG, f"frame of {len(frame)} bytes exceeds {limit}")
            return
        wait = budget.charge(len(frame), loop.time())
        if wait > 0.0:
            # Over its budget: this connection waits, unread, so its flood slows only itself.
            await asyncio.sleep(wait)
            if peer.closed:
                return
        try:
            await dispatch(room, peer, frame)
        except (ProtocolError, DraftingError) as exc:
            await _close(websocket, peer, close_code(exc), str(exc))
            return


async def dispatch(room: Room, peer: Peer, frame: bytes) -> None:
    message = decode(frame)
    if isinstance(message, SyncMessage):
        if message.kind is SyncType.STEP1:
            await room.sync_step1(peer, message.payload)
        else:
            if not room.is_ready:
                await room.ready()
            room.receive_update(peer, message.payload)
    elif isinstance(message, AwarenessMessage):
        room.receive_awareness(peer, message.payload)
    elif isinstance(message, QueryAwareness):
        room.send_awareness(peer)
    elif isinstance(message, AuthMessage):
        pass  # clients have nothing to tell the server on this channel


async def _close(websocket: WebSocket, peer: Peer, code: int, reason: str) -> None:
    log.warning("closing sync socket of %s (peer %s): %d %s", peer.principal.email, peer.id, code, reason)
    await peer.stop()
    if websocket.application_state is not WebSocketState.DISCONNECTED:
        with contextlib.suppress(RuntimeError):  # the socket went away meanwhile
            await websocket.close(code, reason.encode("utf-8")[:120].decode("utf-8", "ignore"))
