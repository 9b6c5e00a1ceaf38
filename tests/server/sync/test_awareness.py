"""Presence without sockets: the clock rule, ownership, stamping, bounds, coalescing and the rate limit."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

from auth.principal import Principal
from drafting.kinds import Role
from server.sync.awareness import Presence, PresenceLimits
from server.sync.protocol import AwarenessEntry, decode, decode_awareness, encode_awareness_entries
from tests.server.sync.doubles import until

MEX = Principal(1, "head.mex@demo.consenso", "Andrés", Role.HEAD, 1, "MEX")
GTM = Principal(2, "delegate.gtm@demo.consenso", "María", Role.DELEGATE, 2, "GTM")
IOM = Principal(3, "observer.iom@demo.consenso", "Lucía", Role.OBSERVER, None, None)
NO_WAIT = PresenceLimits(interval_seconds=0)


class Room:
    """What the presence forwards, decoded: one list of entries per message sent."""

    def __init__(self, limits: PresenceLimits = NO_WAIT) -> None:
        self.sent: list[list[AwarenessEntry]] = []
        self.presence = Presence(self.record, limits)

    def record(self, frame: bytes) -> None:
        message = decode(frame)
        self.sent.append(decode_awareness(message.payload))  # type: ignore[union-attr]

    def send(self, connection: int, principal: Principal, *entries: tuple[int, int, object]) -> None:
        encoded = [AwarenessEntry(c, k, json.dumps(s, ensure_ascii=False)) for c, k, s in entries]
        self.presence.receive(connection, principal, encode_awareness_entries(encoded))

    async def tick(self) -> list[AwarenessEntry]:
        """What the next flush forwards (nothing if the presence had no news)."""
        before = len(self.sent)
        await asyncio.sleep(0)  # the flush is scheduled with call_soon: one turn of the loop
        await asyncio.sleep(0)
        return [entry for message in self.sent[before:] for entry in message]


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(scenario())


def states(entries: list[AwarenessEntry]) -> dict[int, object]:
    return {entry.client_id: json.loads(entry.state) for entry in entries}


def test_only_a_newer_clock_is_news_and_a_null_with_a_newer_clock_removes() -> None:
    async def scenario() -> None:
        room = Room()
        room.send(1, MEX, (10, 1, {"cursor": 1}))
        assert states(await room.tick())[10]["cursor"] == 1  # type: ignore[index]
        room.send(1, MEX, (10, 1, {"cursor": 2}))  # same clock: not news
        room.send(1, MEX, (10, 0, {"cursor": 3}))  # older: not news
        assert await room.tick() == []
        room.send(1, MEX, (10, 2, None))  # equal clocks never remove; this one is newer
        assert states(await room.tick()) == {10: None}
        assert room.presence.snapshot() is None
        room.send(1, MEX, (10, 2, {"cursor": 4}))
        assert await room.tick() == []
        room.send(1, MEX, (10, 3, {"cursor": 5}))
        assert states(await room.tick())[10]["cursor"] == 5  # type: ignore[index]

    run(scenario)


def test_re_sends_by_other_connections_go_nowhere_so_traffic_grows_with_n_not_n_squared() -> None:
    async def scenario() -> None:
        room = Room()
        clients = 50
        for n in range(clients):
            room.send(n, MEX, (1000 + n, 1, {"n": n}))
        await room.tick()
        before = len(room.sent)
        # A renewal by each client, which every stock client then re-sends for everyone it knows.
        for n in range(clients):
            room.send(n, MEX, (1000 + n, 2, {"n": n}))
            for other in range(clients):
                if other != n:
                    room.send(other, MEX, (1000 + n, 2, {"n": n}))
        await room.tick()
        forwarded = [e for message in room.sent[before:] for e in message]
        assert sorted(e.client_id for e in forwarded) == [1000 + n for n in range(clients)]
        assert len(room.sent) - before == 1  # all of it coalesced into one message

    run(scenario)


def test_a_connection_cannot_set_or_clear_a_client_id_another_connection_owns() -> None:
    async def scenario() -> None:
        room = Room()
        room.send(1, MEX, (10, 1, {"cursor": 1}))
        await room.tick()
        room.send(2, GTM, (10, 5, {"cursor": 666}), (10, 6, None))
        assert await room.tick() == []
        assert room.presence.owned_by(2) == frozenset()
        assert states(list(room.presence.states.values()))[10]["user"]["delegation"] == "MEX"  # type: ignore[index]

    run(scenario)


def test_a_leaving_connection_clears_only_its_own_ids() -> None:
    async def scenario() -> None:
        room = Room()
        room.send(1, MEX, (10, 3, {}))
        room.send(2, GTM, (20, 1, {}))
        room.send(1, MEX, (20, 1, {}))  # MEX's client re-sends GTM's state, as stock clients do
        await room.tick()
        room.presence.leave(1)
        assert [(e.client_id, e.clock, e.state) for e in await room.tick()] == [(10, 3, "null")]
        assert set(room.presence.states) == {20}

    run(scenario)


def test_a_stale_re_send_cannot_claim_the_id_of_a_connection_that_left_but_its_user_can() -> None:
    async def scenario() -> None:
        room = Room()
        room.send(1, MEX, (10, 3, {"name": "x"}))
        await room.tick()
        room.presence.leave(1)
        await room.tick()
        room.send(2, GTM, (10, 3, {"name": "x"}), (10, 9, {"name": "x"}))  # stale re-send, then a forgery
        assert await room.tick() == []
        room.send(3, MEX, (10, 3, {"name": "x"}))  # MEX reconnecting: same clock is no news
        assert await room.tick() == []
        room.send(3, MEX, (10, 4, {"name": "x"}))  # its next renewal is
        assert states(await room.tick())[10]["user"]["delegation"] == "MEX"  # type: ignore[index]
        assert room.presence.owned_by(3) == frozenset({10})

    run(scenario)


def test_the_server_stamps_the_signed_in_user_and_keeps_the_clients_other_fields() -> None:
    async def scenario() -> None:
        room = Room()
        forged = {"name": "GTM", "delegation": "GTM", "role": "ppt", "id": 2}
        state = {"user": forged, "color": "#30bced", "colorLight": "#30bced33", "cursor": {"anchor": 4}}
        room.send(1, MEX, (10, 1, state))
        room.send(2, IOM, (11, 1, {"cursor": None}))
        stamped = states(await room.tick())
        assert stamped[10] == {
            "user": {"id": 1, "name": "Andrés", "delegation": "MEX", "role": "head"},
            "color": "#30bced",
            "colorLight": "#30bced33",
            "cursor": {"anchor": 4},
        }
        assert stamped[11] == {
            "cursor": None,
            "user": {"id": 3, "name": "Lucía", "delegation": None, "role": "observer"},
        }

    run(scenario)


def test_a_state_too_large_or_not_an_object_is_not_kept() -> None:
    async def scenario() -> None:
        room = Room(PresenceLimits(state_bytes=100, interval_seconds=0))
        room.send(1, MEX, (10, 1, {"cursor": "x" * 200}), (11, 1, [1, 2]), (12, 1, "hola"))
        assert await room.tick() == []
        room.send(1, MEX, (10, 2, {"cursor": "x" * 20}))
        assert list(states(await room.tick())) == [10]

    run(scenario)


def test_a_connection_owns_at_most_the_configured_number_of_client_ids() -> None:
    async def scenario() -> None:
        room = Room(PresenceLimits(clients_per_connection=2, interval_seconds=0))
        room.send(1, MEX, *[(10 + n, 1, {}) for n in range(5)])
        assert sorted(states(await room.tick())) == [10, 11]
        room.send(1, MEX, (10, 2, None))  # removing one does not free a place: the id stays its own
        room.send(1, MEX, (12, 1, {}))
        assert states(await room.tick()) == {10: None}
        assert room.presence.owned_by(1) == frozenset({10, 11})

    run(scenario)


def test_a_connections_changes_are_forwarded_at_most_once_per_interval_and_the_latest_wins() -> None:
    async def scenario() -> None:
        room = Room(PresenceLimits(interval_seconds=0.2))
        room.send(1, MEX, (10, 1, {"cursor": 0}))
        room.send(2, GTM, (20, 1, {"cursor": 0}))
        assert len(await room.tick()) == 2
        sent = len(room.sent)
        for clock in range(2, 30):  # a cursor moving with every keystroke
            room.send(1, MEX, (10, clock, {"cursor": clock}))
        room.send(2, GTM, (20, 2, {"cursor": 1}))
        assert await room.tick() == []  # both are within their interval
        await until(lambda: len(room.sent) > sent)
        await until(lambda: sum(len(m) for m in room.sent[sent:]) >= 2)
        forwarded = [e for m in room.sent[sent:] for e in m]
        assert sorted((e.client_id, e.clock) for e in forwarded) == [(10, 29), (20, 2)]
        assert states(forwarded)[10]["cursor"] == 29  # type: ignore[index]

    run(scenario)


def test_a_joining_connection_gets_every_present_state_in_one_message() -> None:
    async def scenario() -> None:
        room = Room()
        room.send(1, MEX, (10, 1, {"a": 1}))
        room.send(2, GTM, (20, 1, {"b": 2}))
        await room.tick()
        snapshot = room.presence.snapshot()
        assert snapshot is not None
        assert set(states(decode_awareness(decode(snapshot).payload))) == {10, 20}  # type: ignore[union-attr]

    run(scenario)


def test_states_from_another_instance_are_kept_by_the_clock_rule_and_not_taken_over_here() -> None:
    async def scenario() -> None:
        room = Room()
        published: list[list[AwarenessEntry]] = []
        room.presence.on_flush = published.append
        remote = json.dumps({"cursor": 1, "user": {"delegation": "CAN"}})
        room.presence.merge([AwarenessEntry(50, 3, remote)])
        assert states(room.sent[-1])[50]["cursor"] == 1  # type: ignore[index]
        room.presence.merge([AwarenessEntry(50, 2, json.dumps({"cursor": 9}))])  # older: not news
        assert len(room.sent) == 1
        room.send(1, MEX, (50, 4, {"cursor": 7}))  # a connection here cannot take the remote id
        room.send(1, MEX, (10, 1, {"cursor": 2}))
        assert list(states(await room.tick())) == [10]
        assert [[e.client_id for e in entries] for entries in published] == [[10]]  # only its own goes out
        room.presence.merge([AwarenessEntry(50, 3, "null")])  # the same clock with null removes
        assert room.sent[-1] == [AwarenessEntry(50, 3, "null")]
        assert 50 not in room.presence.states

    run(scenario)
