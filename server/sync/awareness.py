"""Presence: a room's server-side awareness, checked and stamped, forwarded only when it changed.

Stock y-websocket clients re-send every awareness change they receive, so relaying messages verbatim costs
N² frames. Here the room keeps one entry per client id under the y-protocols clock rule: an entry whose
clock is not newer than the known one is not news and goes nowhere; a null state with a newer clock
removes. A connection sets only the client ids it owns (the first to set an id owns it; a leaving
connection clears only its own). Each state is stamped with the connection's signed-in user and delegation,
so no one appears as another. Changes are coalesced into one message per tick, and each connection's are
forwarded at most once per interval (the latest state wins). Refused entries are dropped quietly: stock
clients send others' entries all the time.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from auth.principal import Principal
from server.sync.protocol import (
    AwarenessEntry,
    decode_awareness,
    encode_awareness,
    encode_awareness_entries,
)

log = logging.getLogger(__name__)

NULL = "null"
# Ids of connections that left, remembered so a stale re-send by another client cannot claim them.
KEEP_DEPARTED = 4096
# A state from another instance not renewed for this long is dropped (its instance died: stock clients
# renew their state every 15 s, and drop a remote one after 30 s themselves).
REMOTE_SECONDS = 30.0


@dataclass(frozen=True)
class PresenceLimits:
    state_bytes: int = 8 * 1024  # a state's JSON, as sent
    clients_per_connection: int = 4  # awareness client ids one socket may own
    interval_seconds: float = 0.05  # a connection's changes are forwarded at most this often


@dataclass(eq=False)
class _Owner:
    """What one connection contributes to the room's presence."""

    key: int
    principal: Principal
    clients: dict[int, int] = field(default_factory=dict)  # client id → the newest clock accepted
    held: dict[int, AwarenessEntry] = field(default_factory=dict)  # waiting for the interval to pass
    last_forward: float = float("-inf")
    timer: asyncio.TimerHandle | None = None


def stamp(state: dict[str, object], principal: Principal) -> str:
    """The state as others see it: `user` is the signed-in user, every other field the client's own."""
    stamped = {
        **state,
        "user": {
            "id": principal.user_id,
            "name": principal.name,
            "delegation": principal.delegation_code,
            "role": str(principal.role.value),
        },
    }
    return json.dumps(stamped, ensure_ascii=False, separators=(",", ":"))


class Presence:
    def __init__(self, broadcast: Callable[[bytes], None], limits: PresenceLimits | None = None) -> None:
        self._broadcast = broadcast
        self.limits = limits or PresenceLimits()
        self.states: dict[int, AwarenessEntry] = {}  # what everyone has been told, by client id
        self._owners: dict[int, _Owner] = {}  # by connection key
        self._owner_of: dict[int, _Owner] = {}  # by client id
        self._departed: OrderedDict[int, tuple[int, int]] = OrderedDict()  # client id → (user id, clock)
        self._outgoing: dict[int, AwarenessEntry] = {}
        self._flush_scheduled = False
        # Several instances (server/sync/instances.py): what this room's connections changed goes to the
        # others, and what theirs changed arrives in `merge`; client id → (clock, when it arrived).
        self.on_flush: Callable[[list[AwarenessEntry]], None] | None = None
        self._remote: dict[int, tuple[int, float]] = {}

    def snapshot(self) -> bytes | None:
        """Every present state as one awareness message (for a joining or asking connection)."""
        self._drop_stale_remote()
        if not self.states:
            return None
        return encode_awareness(encode_awareness_entries(list(self.states.values())))

    def owned_by(self, key: int) -> frozenset[int]:
        owner = self._owners.get(key)
        return frozenset(owner.clients) if owner else frozenset()

    def receive(self, key: int, principal: Principal, payload: bytes) -> None:
        """An awareness message from connection `key`: keep and forward what is news and its own."""
        owner = self._owners.get(key)
        if owner is None:
            owner = self._owners[key] = _Owner(key, principal)
        changed = False
        for entry in decode_awareness(payload):
            accepted = self._accept(owner, entry)
            if accepted is not None:
                owner.held[entry.client_id] = accepted
                changed = True
        if changed:
            self._release(owner)

    def leave(self, key: int) -> None:
        """Connection `key` is gone: remove the states it owned, and only those."""
        owner = self._owners.pop(key, None)
        if owner is None:
            return
        if owner.timer is not None:
            owner.timer.cancel()
        for client_id, clock in owner.clients.items():
            del self._owner_of[client_id]
            if self.states.pop(client_id, None) is not None:
                # The same clock with a null state removes it in every stock client.
                self._outgoing[client_id] = AwarenessEntry(client_id, clock, NULL)
                self._schedule_flush()
            else:
                self._outgoing.pop(client_id, None)
            self._departed[client_id] = (owner.principal.user_id, clock)
            self._departed.move_to_end(client_id)
        while len(self._departed) > KEEP_DEPARTED:
            self._departed.popitem(last=False)

    def merge(self, entries: list[AwarenessEntry]) -> None:
        """States another instance accepted and stamped: keep what is news and tell this room's peers."""
        now = asyncio.get_running_loop().time()
        news = []
        for entry in entries:
            client_id = entry.client_id
            if client_id in self._owner_of:
                continue  # a connection here owns it
            known = self._remote.get(client_id)
            if known is not None and (
                entry.clock < known[0] or (entry.clock == known[0] and entry.state != NULL)
            ):
                continue
            if entry.state == NULL:
                self._remote.pop(client_id, None)
                if self.states.pop(client_id, None) is None:
                    continue
            else:
                self._remote[client_id] = (entry.clock, now)
                self.states[client_id] = entry
            news.append(entry)
        if news:
            self._broadcast(encode_awareness(encode_awareness_entries(news)))

    def _drop_stale_remote(self) -> None:
        if not self._remote:
            return
        oldest = asyncio.get_running_loop().time() - REMOTE_SECONDS
        for client_id, (_, arrived) in list(self._remote.items()):
            if arrived < oldest:
                del self._remote[client_id]
                self.states.pop(client_id, None)

    def close(self) -> None:
        for owner in self._owners.values():
            if owner.timer is not None:
                owner.timer.cancel()
        self._owners.clear()

    # -- the rules ---------------------------------------------------------------------------------

    def _accept(self, owner: _Owner, entry: AwarenessEntry) -> AwarenessEntry | None:
        """The entry as it will be forwarded, or None if it is not news or not the sender's to set."""
        client_id = entry.client_id
        holder = self._owner_of.get(client_id)
        if (holder is not None and holder is not owner) or client_id in self._remote:
            return None  # another connection's, here or on another instance
        if holder is None:
            departed = self._departed.get(client_id)
            if departed is not None:
                user_id, clock = departed
                if user_id != owner.principal.user_id or entry.clock <= clock:
                    return None
            if entry.state == NULL:
                return None  # nothing of its own to remove
            if len(owner.clients) >= self.limits.clients_per_connection:
                log.info("presence: connection %s already owns %d client ids", owner.key, len(owner.clients))
                return None
        elif entry.clock <= owner.clients[client_id]:
            return None
        if entry.state == NULL:
            owner.clients[client_id] = entry.clock
            return entry
        if len(entry.state.encode("utf-8")) > self.limits.state_bytes:
            log.info("presence: a state of more than %d bytes from %s", self.limits.state_bytes, owner.key)
            return None
        state = json.loads(entry.state)  # decode_awareness checked that it is JSON
        if not isinstance(state, dict):
            return None
        if holder is None:
            self._owner_of[client_id] = owner
            self._departed.pop(client_id, None)
        owner.clients[client_id] = entry.clock
        return AwarenessEntry(client_id, entry.clock, stamp(state, owner.principal))

    # -- forwarding: at most once per interval per connection, once per tick for the room -----------

    def _release(self, owner: _Owner) -> None:
        if owner.timer is not None:
            return  # already waiting for its interval to pass
        loop = asyncio.get_running_loop()
        due = owner.last_forward + self.limits.interval_seconds
        now = loop.time()
        if now < due:
            owner.timer = loop.call_at(due, self._release_held, owner)
            return
        owner.last_forward = now
        self._take_held(owner)

    def _release_held(self, owner: _Owner) -> None:
        owner.timer = None
        if self._owners.get(owner.key) is owner:
            owner.last_forward = asyncio.get_running_loop().time()
            self._take_held(owner)

    def _take_held(self, owner: _Owner) -> None:
        held, owner.held = owner.held, {}
        for client_id, entry in held.items():
            if entry.state == NULL:
                self.states.pop(client_id, None)
            else:
                self.states[client_id] = entry
            self._outgoing[client_id] = entry
        if held:
            self._schedule_flush()

    def _schedule_flush(self) -> None:
        if not self._flush_scheduled:
            self._flush_scheduled = True
            asyncio.get_running_loop().call_soon(self._flush)

    def _flush(self) -> None:
        self._flush_scheduled = False
        outgoing, self._outgoing = self._outgoing, {}
        if outgoing:
            entries = list(outgoing.values())
            self._broadcast(encode_awareness(encode_awareness_entries(entries)))
            if self.on_flush is not None:
                self.on_flush(entries)
