"""What two instances sharing PostgreSQL and Redis must share besides documents (docs/decisions/0044):
live notices, credential endings and the silence clock. Both apps run in this process (TestClient), each
with its own event loop, as two `consenso serve` would."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pycrdt import Doc
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session
from starlette.testclient import TestClient

from drafting.consensus.records import Adoption, adoption_of
from drafting.demo import load_demo
from drafting.errors import StorageUnavailable
from drafting.guard import Rights
from drafting.layout import bind, read_paragraphs
from drafting.models import DocumentLease
from drafting.revisions import verify_revisions
from drafting.store import Store
from server import notices
from server.app import create_app
from server.consensus.workflow import ConsensusWorkflow
from server.errors import CLOSE_CREDENTIAL_ENDED
from server.settings import Settings
from server.sync import relay as relay_module
from server.sync.protocol import (
    AwarenessEntry,
    AwarenessMessage,
    decode,
    decode_awareness,
    encode_awareness,
    encode_awareness_entries,
    encode_query_awareness,
)
from server.sync.relay import Relay
from tests.conftest import REDIS_URL
from tests.server.api.test_notices import HEAD_CAN, HEAD_GTM, Listener, comment
from tests.server.conftest import ORIGIN, App
from tests.server.test_credential_endings import closed_with, connect, script_token, services_of

PPT = "ppt@demo.consenso"
SECRETARIAT = "secretariat@demo.consenso"


@pytest.fixture
def instances(
    postgres_engine: Engine, redis_prefix: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[App, App]]:
    """Instances a and b of one deployment. The credential check is left to its hour, so that an ending can
    reach the other instance only through Redis."""
    monkeypatch.setattr(notices, "KEEPALIVE_SECONDS", 0.2)
    with Session(postgres_engine) as session, session.begin():
        load_demo(session)
    url = postgres_engine.url.render_as_string(hide_password=False)
    with contextlib.ExitStack() as stack:
        apps = []
        for name in ("a", "b"):
            settings = Settings(
                database_url=url,
                demo=True,
                allowed_origins=frozenset({ORIGIN}),
                keepalive_seconds=1,
                credential_check_seconds=3600,
                redis_url=REDIS_URL,
                redis_prefix=redis_prefix,
                instance_id=name,
            )
            client = stack.enter_context(TestClient(create_app(settings), base_url=ORIGIN))
            apps.append(App(client, postgres_engine, settings, stack.enter_context(contextlib.ExitStack())))
        yield apps[0], apps[1]


def test_a_comment_made_through_one_instance_reaches_listeners_of_both(instances: tuple[App, App]) -> None:
    a, b = instances
    with contextlib.ExitStack() as streams:
        listeners = []
        for app in (a, b):
            response = streams.enter_context(
                app.client.stream("GET", "/api/documents/1/events", headers=app.bearer(HEAD_GTM))
            )
            assert response.status_code == 200
            listeners.append(Listener(response.iter_lines()))
        made = comment(a, HEAD_CAN, "Desde la instancia a 🍁")
        for listener in listeners:
            assert listener.next_comment()["comment"]["id"] == made["id"]


def test_revoking_a_token_through_one_instance_closes_its_socket_on_another(
    instances: tuple[App, App],
) -> None:
    a, b = instances
    headers, token_id = script_token(a)
    socket, client = connect(b, headers)
    assert a.client.delete(f"/api/tokens/{token_id}", headers=headers).status_code == 204
    assert closed_with(socket, client)[0] == CLOSE_CREDENTIAL_ENDED


def test_the_silence_deadline_adopts_once_across_instances(instances: tuple[App, App]) -> None:
    a, b = instances
    clocks = [services_of(app).silence_clock for app in (a, b)]
    for app, clock in zip((a, b), clocks, strict=True):
        app.client.portal.call(clock.stop)  # type: ignore[union-attr]  (the test ticks them itself)
    started = a.client.post("/api/documents/1/silence", json={}, headers=a.bearer(PPT))
    assert started.status_code == 201, started.text
    deadline = datetime.fromisoformat(started.json()["deadline"])
    for clock in clocks:
        clock.workflow.now = lambda: deadline + timedelta(seconds=1)

    def tick(app: App, clock: Any) -> list[int]:
        adopted: list[int] = app.client.portal.call(clock.tick)  # type: ignore[union-attr]
        return adopted

    with ThreadPoolExecutor(2) as pool:  # both clocks fire at the same moment
        results = list(pool.map(tick, (a, b), clocks))
    assert sorted(results) == [[], [1]]
    with Session(a.engine) as session:
        assert session.scalar(select(func.count()).select_from(Adoption)) == 1
    body = b.client.get("/api/documents/1", headers=b.bearer(PPT)).json()
    assert body["status"] == "adopted"


def presence_seen(socket: Any, client: Any, client_id: int) -> dict[str, Any]:
    """Read frames until one carries the awareness state of `client_id`; that state."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        frame = socket.receive_bytes()  # the keepalive comes every second at the latest
        message = decode(frame)
        if isinstance(message, AwarenessMessage):
            for entry in decode_awareness(message.payload):
                if entry.client_id == client_id and entry.state != "null":
                    state: dict[str, Any] = json.loads(entry.state)
                    return state
        else:
            client.receive(frame)
    raise AssertionError(f"no presence of client {client_id} within 10 s")


def test_presence_set_through_one_instance_is_seen_on_another(instances: tuple[App, App]) -> None:
    a, b = instances
    socket_a, _ = connect(a, a.bearer(HEAD_CAN))
    socket_b, client_b = connect(b, b.bearer(HEAD_GTM))
    state = json.dumps({"cursor": 3, "user": {"name": "someone else"}})
    socket_a.send_bytes(encode_awareness(encode_awareness_entries([AwarenessEntry(4242, 1, state)])))
    seen = presence_seen(socket_b, client_b, 4242)
    assert seen["cursor"] == 3 and seen["user"]["delegation"] == "CAN"  # stamped where it was set
    # Someone joining b later is told of it too (when asking, as well as on joining).
    late, late_client = connect(b, b.bearer(PPT))
    late.send_bytes(encode_query_awareness())
    assert presence_seen(late, late_client, 4242)["user"]["delegation"] == "CAN"


def test_a_silence_started_through_one_instance_wakes_the_clock_of_another(
    instances: tuple[App, App],
) -> None:
    a, b = instances
    # b's clock lives past any deadline; a's in the present, where this one is 72 hours away.
    services_of(b).silence_clock.workflow.now = lambda: datetime.now(UTC) + timedelta(days=30)
    started = a.client.post("/api/documents/1/silence", json={}, headers=a.bearer(PPT))
    assert started.status_code == 201, started.text
    deadline = time.monotonic() + 10
    while a.client.get("/api/documents/1", headers=a.bearer(PPT)).json()["status"] != "adopted":
        # Without the wake-up b's clock would sleep its hour.
        assert time.monotonic() < deadline, "b's clock did not adopt within 10 s"
        time.sleep(0.05)  # polling a condition of the apps under test


SLIPPED = "SLIPPED IN "


def typed_at_the_writer(writer: App) -> Any:
    """A delegate's keystrokes taken by the writer instance; its verdict once committed."""

    async def type_there() -> Any:
        room = await services_of(writer).rooms.open(1)  # type: ignore[union-attr]
        client: Doc[Any] = Doc()
        client.apply_update(room.doc.get_update())
        before = client.get_state()
        order, paragraphs, _ = bind(client)
        paragraphs[str(order[1])].insert(0, SLIPPED)
        verdict = room.apply_client_update(
            client.get_update(before), Rights(edit_text=True, restructure=False)
        )
        await room.committed()
        return verdict

    return writer.client.portal.call(type_there)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("act", "path", "told"),
    [
        ("_adopt.<locals>.record", "/adopt", "being adopted"),
        ("start_silence.<locals>.record", "/silence", "going under silence procedure"),
    ],
)
def test_a_consensus_act_through_a_replica_holds_the_text_at_the_writer(
    instances: tuple[App, App], monkeypatch: pytest.MonkeyPatch, act: str, path: str, told: str
) -> None:
    """The PPT's request reaches an instance that does not write the document. While it records the
    adoption (or the start of silence), a delegate's edit reaches the writer: it is compensated there,
    so the text adopted and hashed is the text frozen everywhere."""
    a, b = instances
    socket, _ = connect(a, a.bearer(HEAD_GTM))  # a opens the document first: a writes it
    with Session(a.engine) as session:
        assert session.scalar(select(DocumentLease.holder).where(DocumentLease.document_id == 1)) == "a"
    original = ConsensusWorkflow.in_session
    verdicts: list[Any] = []

    async def typing_meanwhile(self: ConsensusWorkflow, work: Any) -> Any:
        if act in getattr(work, "__qualname__", "") and not verdicts:
            verdicts.append(await asyncio.to_thread(typed_at_the_writer, a))
        return await original(self, work)

    monkeypatch.setattr(ConsensusWorkflow, "in_session", typing_meanwhile)
    done = b.client.post(f"/api/documents/1{path}", json={}, headers=b.bearer(PPT))
    assert done.status_code in (200, 201), done.text
    [verdict] = verdicts
    assert not verdict.accepted and told in verdict.refused[0]
    live = read_paragraphs(Store(a.engine).load(1).to_doc())
    assert not any(SLIPPED in paragraph.text for paragraph in live)
    if path == "/adopt":
        with Session(a.engine) as session:
            final = json.loads(adoption_of(session, 1).final_text)
        assert [paragraph["text"] for paragraph in final] == [paragraph.text for paragraph in live]
    socket.close()


def test_a_hold_the_replica_never_lets_go_ends_at_the_writer(
    instances: tuple[App, App], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A replica that dies while holding the text does not freeze it for good."""
    a, _ = instances
    socket, _client = connect(a, a.bearer(HEAD_GTM))
    relay = services_of(a).rooms._shared[1]  # type: ignore[union-attr]
    a.client.portal.call(relay._hold, "b/hold/1", "being adopted", 0.05)  # type: ignore[union-attr]
    assert relay.room.guard._shadow.held == "being adopted"
    deadline = time.monotonic() + 10
    while relay.room.guard._shadow.held is not None:
        assert time.monotonic() < deadline, "the writer still holds the text after 10 s"
        time.sleep(0.01)  # polling a condition of the app under test
    assert typed_at_the_writer(a).accepted
    socket.close()


def test_revisions_and_restores_through_a_replica_archive_what_the_writer_committed(
    instances: tuple[App, App], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Secretariat's request reaches a replica that missed the writer's latest updates (their
    publish was lost): the revision still holds them, the chain verifies, and a restore through the
    replica reaches every instance."""
    a, b = instances
    socket, _ = connect(a, a.bearer(HEAD_GTM))  # a writes the document
    headers = b.bearer(SECRETARIAT)
    zero = b.client.post("/api/documents/1/revisions", json={}, headers=headers)
    assert zero.status_code == 201, zero.text
    relay_b = services_of(b).rooms._shared[1]  # type: ignore[union-attr]
    taking = Relay._take_committed

    async def losing_updates(self: Relay, fields: dict[bytes, bytes]) -> None:
        if self is relay_b and b"seq" in fields:
            return  # as if the writer's publish never reached this replica
        await taking(self, fields)

    monkeypatch.setattr(Relay, "_take_committed", losing_updates)
    assert typed_at_the_writer(a).accepted
    first = b.client.post("/api/documents/1/revisions", json={}, headers=headers)
    assert first.status_code == 201, first.text
    one = b.client.get("/api/documents/1/revisions/1", headers=headers).json()
    assert one["text"]["paragraphs"][1]["text"].startswith(SLIPPED)
    monkeypatch.setattr(Relay, "_take_committed", taking)
    restored = b.client.post("/api/documents/1/revisions/0/restore", headers=b.bearer(PPT))
    assert restored.status_code == 200, restored.text
    live = read_paragraphs(Store(a.engine).load(1).to_doc())
    assert not any(SLIPPED in paragraph.text for paragraph in live)
    with Session(a.engine) as session:
        assert verify_revisions(session, 1) == []
    socket.close()


def test_a_lapsed_replica_hold_does_not_end_the_writers_own_hold(instances: tuple[App, App]) -> None:
    """A replica held the text and died; the writer's own act then holds it: the dead replica's hold
    lapsing lets go of that hold only."""
    a, _ = instances
    socket, _client = connect(a, a.bearer(HEAD_GTM))
    relay = services_of(a).rooms._shared[1]  # type: ignore[union-attr]
    room = relay.room

    async def scenario() -> Any:
        await relay._hold("b/hold/1", "being adopted", 30)  # the replica's hold, never let go
        async with room.text_held("going under silence procedure"):  # the writer's own act
            relay._hold_expired("b/hold/1", "being adopted")  # the dead replica's hold lapses meanwhile
            await relay._hold("b/hold/1", None, 0)  # and a late release of it arrives
            return room.guard._shadow.held

    assert a.client.portal.call(scenario) == "going under silence procedure"  # type: ignore[union-attr]
    assert room.guard._shadow.held is None
    socket.close()


def test_a_replica_act_that_fails_after_asking_lets_the_writer_go(
    instances: tuple[App, App], monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = instances
    socket, _ = connect(a, a.bearer(HEAD_GTM))  # a writes the document
    original = Relay.catch_up

    async def failing(self: Relay, upto: int | None = None) -> None:
        if upto is not None:  # reading up to the writer's number, inside `held`
            raise StorageUnavailable("the log could not be read")
        await original(self, upto)

    monkeypatch.setattr(Relay, "catch_up", failing)
    done = b.client.post("/api/documents/1/adopt", json={}, headers=b.bearer(PPT))
    assert done.status_code == 503, done.text
    relay = services_of(a).rooms._shared[1]  # type: ignore[union-attr]
    assert relay.room.guard._shadow.held is None, "the writer keeps the text frozen for a failed act"
    socket.close()


def test_a_replica_act_longer_than_a_hold_renews_it(
    instances: tuple[App, App], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The replica's adoption outlasts one hold (HOLD_SECONDS, shortened here): the replica renews it,
    so an edit at the writer during the slow part is still compensated."""
    a, b = instances
    monkeypatch.setattr(relay_module, "HOLD_SECONDS", 1.0)
    socket, _ = connect(a, a.bearer(HEAD_GTM))
    original = ConsensusWorkflow.in_session
    verdicts: list[Any] = []

    async def slow_then_typing(self: ConsensusWorkflow, work: Any) -> Any:
        if "_adopt.<locals>.record" in getattr(work, "__qualname__", "") and not verdicts:
            await asyncio.sleep(2.5)  # a slow database: longer than two holds
            verdicts.append(await asyncio.to_thread(typed_at_the_writer, a))
        return await original(self, work)

    monkeypatch.setattr(ConsensusWorkflow, "in_session", slow_then_typing)
    done = b.client.post("/api/documents/1/adopt", json={}, headers=b.bearer(PPT))
    assert done.status_code == 200, done.text
    [verdict] = verdicts
    assert not verdict.accepted
    live = read_paragraphs(Store(a.engine).load(1).to_doc())
    with Session(a.engine) as session:
        final = json.loads(adoption_of(session, 1).final_text)
    assert [paragraph["text"] for paragraph in final] == [paragraph.text for paragraph in live]
    socket.close()
