"""The watch ends open connections whose credential ended: an ending published in this process, a timer at
the exact expiry, and the periodic check of every open standing in the database."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Collection
from datetime import UTC, datetime, timedelta

from auth.endings import Credential, CredentialKind, Ending, EndReason, Standing
from drafting.kinds import Role
from server.signin.watch import InProcessEndings, Watch

NOW = datetime(2026, 11, 11, 9, 0, tzinfo=UTC)
SESSION_1 = Credential(CredentialKind.SESSION, 1)
SESSION_2 = Credential(CredentialKind.SESSION, 2)
TOKEN_3 = Credential(CredentialKind.SCRIPT_TOKEN, 3)


def standing(credential: Credential, user_id: int = 7, expires_at: datetime | None = None) -> Standing:
    return Standing(credential, user_id, Role.HEAD, 1, expires_at)


class Connections:
    """Stands in for open sockets: records how each one was ended."""

    def __init__(self) -> None:
        self.ended: dict[str, EndReason] = {}
        self.changed = asyncio.Event()

    def closer(self, name: str) -> Callable[[EndReason], None]:
        def end(reason: EndReason) -> None:
            assert name not in self.ended, f"{name} ended twice"
            self.ended[name] = reason
            self.changed.set()

        return end

    async def until(self, *names: str) -> None:
        while not set(names) <= set(self.ended):
            self.changed.clear()
            await asyncio.wait_for(self.changed.wait(), 5)


async def no_check(_standings: Collection[Standing]) -> dict[Standing, EndReason]:
    raise AssertionError("not checked in this test")


def test_an_ending_closes_the_connections_of_that_credential_only() -> None:
    async def scenario() -> None:
        channel, connections = InProcessEndings(), Connections()
        watch = Watch(channel, no_check, interval=3600, now=lambda: NOW)
        watch.hold(standing(SESSION_1), connections.closer("laptop"))
        watch.hold(standing(SESSION_1), connections.closer("laptop, second tab"))
        watch.hold(standing(SESSION_2), connections.closer("phone"))
        watch.hold(standing(SESSION_1, user_id=8), connections.closer("someone else"))
        channel.publish(Ending(EndReason.SIGNED_OUT, 7, SESSION_1))
        assert connections.ended == {
            "laptop": EndReason.SIGNED_OUT,
            "laptop, second tab": EndReason.SIGNED_OUT,
        }
        channel.publish(Ending(EndReason.ACCOUNT_CHANGED, 7))
        assert connections.ended["phone"] is EndReason.ACCOUNT_CHANGED
        assert "someone else" not in connections.ended and len(watch) == 1

    asyncio.run(scenario())


def test_a_released_connection_is_not_ended_and_not_checked() -> None:
    async def scenario() -> None:
        channel, connections = InProcessEndings(), Connections()
        watch = Watch(channel, no_check, interval=3600, now=lambda: NOW)
        hold = watch.hold(standing(TOKEN_3, expires_at=NOW), connections.closer("gone"))
        watch.release(hold)
        channel.publish(Ending(EndReason.REVOKED, 7, TOKEN_3))
        assert await watch.check_now() == 0
        assert hold.timer is not None and hold.timer.cancelled()
        assert connections.ended == {} and len(watch) == 0

    asyncio.run(scenario())


def test_a_timer_ends_a_connection_when_its_credential_expires() -> None:
    async def scenario() -> None:
        connections = Connections()
        watch = Watch(InProcessEndings(), no_check, interval=3600)
        soon = datetime.now(UTC) + timedelta(milliseconds=50)
        watch.hold(standing(TOKEN_3, expires_at=soon), connections.closer("access token"))
        watch.hold(standing(SESSION_1, expires_at=soon + timedelta(hours=12)), connections.closer("session"))
        await connections.until("access token")
        assert datetime.now(UTC) >= soon
        assert connections.ended == {"access token": EndReason.EXPIRED}

    asyncio.run(scenario())


def test_the_periodic_check_asks_once_for_every_open_standing_and_ends_what_it_finds() -> None:
    async def scenario() -> None:
        asked: list[set[Standing]] = []

        async def check(standings: Collection[Standing]) -> dict[Standing, EndReason]:
            asked.append(set(standings))
            return {standing(TOKEN_3): EndReason.REVOKED}

        connections = Connections()
        watch = Watch(InProcessEndings(), check, interval=0.01)
        watch.hold(standing(TOKEN_3), connections.closer("script"))
        watch.hold(standing(TOKEN_3), connections.closer("script, stream"))
        watch.hold(standing(SESSION_1), connections.closer("browser"))
        watch.start()
        try:
            await connections.until("script", "script, stream")
        finally:
            await watch.stop()
        assert asked[0] == {standing(TOKEN_3), standing(SESSION_1)}
        assert connections.ended == {"script": EndReason.REVOKED, "script, stream": EndReason.REVOKED}

    asyncio.run(scenario())


def test_an_access_token_ends_no_later_than_its_own_expiry() -> None:
    session = standing(SESSION_1, expires_at=NOW + timedelta(hours=12))
    assert session.until(NOW + timedelta(minutes=5)).expires_at == NOW + timedelta(minutes=5)
    assert session.until(NOW + timedelta(days=1)) == session
    assert standing(TOKEN_3).until(NOW).expires_at == NOW
