"""The sync socket, /sync/{document_id}: y-protocols over WebSocket, one message per frame.

Authentication and the policy are asked before the socket is accepted (a refusal is an HTTP 403). After
that, bad input closes only the offending socket, with the close code that fits, and a logged reason. Each
socket is read within its budget (server/sync/budget.py): a flood waits, unread, and slows only its sender.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from auth.policy import Action, authorize
from drafting.errors import DraftingError, NotFound
from drafting.guard import Rights
from server.access import document_scope
from server.errors import CLOSE_POLICY, CLOSE_TOO_BIG, CLOSE_UNSUPPORTED, close_code
from server.services import Services
from server.signin.identify import identify
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


async def sync_endpoint(websocket: WebSocket) -> None:
    services: Services = websocket.app.state.services
    rooms = services.rooms
    assert rooms is not None
    try:
        document_id = int(websocket.path_params["document_id"])
        principal = await identify(websocket, services, websocket=True)
        if principal is None:
            raise PermissionError("sign in first: no valid session or bearer token")
        scope = await document_scope(services, document_id)
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
        ),
        send_frame=websocket.send_bytes,
        close_socket=lambda code, reason: websocket.close(code, reason),
        queue_limit=services.settings.send_queue_messages,
        queue_bytes=services.settings.send_queue_bytes,
        keepalive_seconds=services.settings.keepalive_seconds,
    )
    peer.start()
    room.join(peer)
    try:
        limits = BudgetLimits(
            messages_per_second=services.settings.sync_messages_per_second,
            bytes_per_second=services.settings.sync_bytes_per_second,
        )
        await _receive(websocket, room, peer, services.settings.max_message_bytes, limits)
    finally:
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
        if message["type"] == "websocket.disconnect":
            return
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
