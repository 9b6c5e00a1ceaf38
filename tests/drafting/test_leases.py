"""The lease that names a document's one writer, and the fencing token every commit names."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from drafting import leases
from drafting.clock import utcnow
from drafting.leases import StaleLease
from drafting.store import PendingUpdate, Store
from drafting.updates import EMPTY_UPDATE
from tests.drafting.conftest import Registered, register

SECONDS = 10.0


def test_a_free_lease_is_taken_and_then_held(engine: Engine, registered: Registered) -> None:
    now = utcnow()
    first = leases.take(engine, registered.declaration_id, "a", now=now, seconds=SECONDS)
    assert first is not None and (first.holder, first.token) == ("a", 1)
    assert leases.take(engine, registered.declaration_id, "b", now=now, seconds=SECONDS) is None
    # Another document's lease is its own.
    assert leases.take(engine, registered.plan_id, "b", now=now, seconds=SECONDS) is not None


def test_an_expired_lease_moves_with_a_new_token(engine: Engine, registered: Registered) -> None:
    now = utcnow()
    first = leases.take(engine, registered.declaration_id, "a", now=now, seconds=SECONDS)
    assert first is not None
    later = now + timedelta(seconds=SECONDS + 1)
    second = leases.take(engine, registered.declaration_id, "b", now=later, seconds=SECONDS)
    assert second is not None and (second.holder, second.token) == ("b", 2)
    assert leases.renew(engine, first, now=later, seconds=SECONDS) is None  # a's is gone
    renewed = leases.renew(engine, second, now=later, seconds=SECONDS)
    assert renewed is not None and renewed.token == 2


def test_a_released_lease_is_free_at_once(engine: Engine, registered: Registered) -> None:
    now = utcnow()
    first = leases.take(engine, registered.declaration_id, "a", now=now, seconds=SECONDS)
    assert first is not None
    leases.release(engine, first, now=now)
    assert leases.take(engine, registered.declaration_id, "b", now=now, seconds=SECONDS) is not None


def test_a_stale_token_cannot_commit(engine: Engine, registered: Registered) -> None:
    store, document_id = Store(engine), registered.declaration_id
    now = utcnow()
    old = leases.take(engine, document_id, "a", now=now, seconds=SECONDS)
    assert old is not None
    store.commit([PendingUpdate(document_id, 2, EMPTY_UPDATE)], fences={document_id: old.token})
    new = leases.take(engine, document_id, "b", now=now + timedelta(seconds=SECONDS + 1), seconds=SECONDS)
    assert new is not None
    with pytest.raises(StaleLease) as refused:
        store.commit([PendingUpdate(document_id, 3, EMPTY_UPDATE)], fences={document_id: old.token})
    assert refused.value.document_ids == {document_id}
    assert store.last_seq(document_id) == 2  # nothing of the stale writer's batch was kept
    store.commit([PendingUpdate(document_id, 3, EMPTY_UPDATE)], fences={document_id: new.token})
    assert store.last_seq(document_id) == 3


@pytest.mark.postgres
def test_a_take_waits_for_a_commit_in_flight(postgres_engine: Engine) -> None:
    """The fence locks the lease's row: a take in another transaction waits for the commit to end."""
    engine, document_id = postgres_engine, register(postgres_engine).declaration_id
    now = utcnow()
    old = leases.take(engine, document_id, "a", now=now, seconds=SECONDS)
    assert old is not None
    taken = threading.Event()
    later = now + timedelta(seconds=SECONDS + 1)
    with engine.begin() as connection:
        assert leases.stale(connection, {document_id: old.token}) == set()
        taker = threading.Thread(
            target=lambda: (
                taken.set() if leases.take(engine, document_id, "b", now=later, seconds=SECONDS) else None
            )
        )
        taker.start()
        assert not taken.wait(0.3)  # blocked on the row while this commit is open
    taker.join(10)
    assert taken.is_set()
