"""The audit trail: chained as entries are inserted, whichever way; every break found and named."""

from __future__ import annotations

import csv
import io
import json
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from time import monotonic

import pytest
from sqlalchemy import Engine, delete, select, text, update
from sqlalchemy.orm import Session

from drafting import audit
from drafting.catalogue import add_user
from drafting.database import make_engine, upgrade
from drafting.errors import Conflict, InvalidInput
from drafting.kinds import Role
from drafting.models import AuditEntry, AuditHead
from tests.drafting.conftest import Registered


@pytest.fixture
def ppt(engine: Engine, registered: Registered) -> int:
    with Session(engine) as session, session.begin():
        return add_user(session, "ppt@mex.example", "Presidencia", Role.PPT, "MEX").id


def record_some(engine: Engine, registered: Registered, ppt: int) -> None:
    document = f"document/{registered.declaration_id}"
    with Session(engine) as session, session.begin():
        audit.record(session, ppt, "paragraph_lock", f"{document}/paragraph/p1", "OP1: open → open (locked)")
        audit.record(session, ppt, "sign_in", f"user/{ppt}", "signed in with the demo")
        audit.record(session, ppt, "silence_started", document, "silence procedure until …")
    with Session(engine) as session, session.begin():
        # The way drafting/consensus/records.py writes today: chained all the same.
        session.add(
            AuditEntry(actor_id=ppt, action="document_adopted", subject=document, detail="adopted 🌎")
        )


def test_entries_are_chained_per_negotiation(engine: Engine, registered: Registered, ppt: int) -> None:
    record_some(engine, registered, ppt)
    with Session(engine) as session:
        found = audit.entries(session, audit.Filter(negotiation_id=registered.negotiation_id))
        assert [(e.seq, e.action) for e in found] == [
            (1, "paragraph_lock"),
            (2, "silence_started"),
            (3, "document_adopted"),
        ]
        assert found[0].previous == audit.chain_genesis(f"negotiation/{registered.negotiation_id}")
        assert [e.previous for e in found[1:]] == [e.hash for e in found[:-1]]
        installation = audit.entries(session, audit.Filter(installation=True))
        assert [(e.seq, e.action, e.negotiation_id) for e in installation] == [
            (1, "user_added", None),  # the PPT, by add_user
            (2, "sign_in", None),
        ]
        assert audit.verify(session, registered.negotiation_id) == []
        assert audit.verify(session, every_chain=True) == []
        head = session.get(AuditHead, f"negotiation/{registered.negotiation_id}")
        assert head is not None and (head.entries, head.last_hash) == (3, found[-1].hash)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("detail", "adopted 🌍"),
        ("action", "document_reopened"),
        ("actor_id", None),
        ("subject", "document/999"),
        ("at", datetime(2015, 11, 12, tzinfo=UTC)),
    ],
)
def test_a_changed_entry_is_found_and_named(
    engine: Engine, registered: Registered, ppt: int, column: str, value: object
) -> None:
    record_some(engine, registered, ppt)
    with engine.begin() as connection:
        target = connection.scalar(select(AuditEntry.id).where(AuditEntry.action == "silence_started"))
        connection.execute(update(AuditEntry).where(AuditEntry.id == target).values({column: value}))
    with Session(engine) as session:
        breaks = audit.verify(session, registered.negotiation_id)
    assert [str(b) for b in breaks] == [
        f"negotiation/{registered.negotiation_id}: audit entry {target} (number 2): "
        "its content no longer matches its hash"
    ]


def test_a_removed_entry_and_a_removed_newest_entry_are_found(
    engine: Engine, registered: Registered, ppt: int
) -> None:
    record_some(engine, registered, ppt)
    chain = f"negotiation/{registered.negotiation_id}"
    with engine.begin() as connection:
        connection.execute(delete(AuditEntry).where(AuditEntry.action == "silence_started"))
    with Session(engine) as session:
        problems = [b.problem for b in audit.verify(session, registered.negotiation_id)]
    assert problems == [
        "entry 2 is missing before it",
        "the entry before it was changed or removed",
    ]
    with engine.begin() as connection:
        connection.execute(delete(AuditEntry).where(AuditEntry.action == "document_adopted"))
    with Session(engine) as session:
        assert [str(b) for b in audit.verify(session, registered.negotiation_id)] == [
            f"{chain}: its newest entries were removed (the chain's head names another)"
        ]


def test_an_entry_given_a_new_hash_breaks_the_next_link(
    engine: Engine, registered: Registered, ppt: int
) -> None:
    record_some(engine, registered, ppt)
    with engine.begin() as connection:
        connection.execute(
            update(AuditEntry)
            .where(AuditEntry.action == "paragraph_lock")
            .values(detail="forged", hash="f" * 64)
        )
    with Session(engine) as session:
        breaks = audit.verify(session, registered.negotiation_id)
    assert [(b.item.split(" (")[1], b.problem) for b in breaks] == [
        ("number 1)", "its content no longer matches its hash"),
        ("number 2)", "the entry before it was changed or removed"),
    ]


def test_entries_cannot_be_changed_or_deleted_through_the_session(
    engine: Engine, registered: Registered, ppt: int
) -> None:
    record_some(engine, registered, ppt)
    with Session(engine) as session:
        entry = session.scalars(select(AuditEntry)).first()
        assert entry is not None
        entry.detail = "rewritten"
        with pytest.raises(Conflict, match="cannot be altered"):
            session.flush()
        session.rollback()
        session.delete(session.scalars(select(AuditEntry)).first())
        with pytest.raises(Conflict, match="cannot be altered"):
            session.flush()


def test_a_record_names_its_action_within_limits(engine: Engine, registered: Registered) -> None:
    with Session(engine) as session:
        with pytest.raises(InvalidInput, match="action"):
            audit.record(session, None, "", "document/1")
        with pytest.raises(InvalidInput, match="subject"):
            audit.record(session, None, "export", "x" * 201)


def test_concurrent_writers_never_fork_a_chain(engine: Engine, registered: Registered, ppt: int) -> None:
    writers, each = 4, 12
    start = threading.Barrier(writers)
    failures: list[BaseException] = []

    def write(number: int) -> None:
        try:
            start.wait(timeout=30)
            for index in range(each):
                with Session(engine) as session, session.begin():
                    audit.record(
                        session,
                        ppt,
                        "comment_added",
                        f"document/{registered.declaration_id}",
                        f"{number}.{index}",
                    )
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    with Session(engine) as session:
        found = audit.entries(session, audit.Filter(negotiation_id=registered.negotiation_id))
        assert [e.seq for e in found] == list(range(1, writers * each + 1))
        assert audit.verify(session, registered.negotiation_id) == []


@pytest.fixture
def postgres(postgres_database: str) -> Iterator[Engine]:
    engine = make_engine(postgres_database)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.mark.postgres
def test_on_postgresql_a_second_writer_waits_for_the_first(postgres: Engine) -> None:
    """The head's row lock makes the second writer wait until the first commits, then link to it."""
    first = Session(postgres)
    audit.record(first, None, "role_changed", "user/1", "first")
    first_pid = first.execute(text("SELECT pg_backend_pid()")).scalar()
    done = threading.Event()
    failures: list[BaseException] = []

    def second() -> None:
        try:
            with Session(postgres) as session, session.begin():
                audit.record(session, None, "role_changed", "user/2", "second")
            done.set()
        except BaseException as exc:
            failures.append(exc)
            done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with postgres.connect() as watcher:
        deadline = monotonic() + 30
        while not watcher.execute(
            text(
                "SELECT count(*) FROM pg_locks WHERE NOT granted AND pid <> :pid AND pid <> pg_backend_pid()"
            ),
            {"pid": first_pid},
        ).scalar():
            assert not done.is_set(), "the second writer did not wait for the first"
            assert monotonic() < deadline, "the second writer never waited on a lock"
            watcher.rollback()
    first.commit()
    first.close()
    thread.join(timeout=30)
    assert failures == [] and done.is_set()
    with Session(postgres) as session:
        found = audit.entries(session, audit.Filter(installation=True))
        assert [(e.seq, e.detail) for e in found] == [(1, "first"), (2, "second")]
        assert audit.verify(session) == []


def test_filters(engine: Engine, registered: Registered, ppt: int) -> None:
    record_some(engine, registered, ppt)
    document = f"document/{registered.declaration_id}"
    with Session(engine) as session:

        def actions(**criteria: object) -> list[str]:
            chosen = audit.Filter(negotiation_id=registered.negotiation_id, **criteria)  # type: ignore[arg-type]
            return [e.action for e in audit.entries(session, chosen)]

        assert actions(actor_id=ppt) == ["paragraph_lock", "silence_started", "document_adopted"]
        assert actions(actor_id=ppt + 1) == []
        assert actions(action="paragraph_") == ["paragraph_lock"]
        assert actions(action="paragraph") == []
        assert actions(subject=document) == ["paragraph_lock", "silence_started", "document_adopted"]
        assert actions(subject=f"{document}/paragraph/p1") == ["paragraph_lock"]
        assert actions(subject="document/9") == []
        assert actions(since=datetime.now(UTC) + timedelta(hours=1)) == []
        assert actions(until=datetime.now(UTC) + timedelta(hours=1), limit=2) == [
            "paragraph_lock",
            "silence_started",
        ]


def test_exports_carry_every_field_and_hash(engine: Engine, registered: Registered, ppt: int) -> None:
    record_some(engine, registered, ppt)
    with Session(engine) as session:
        found = audit.entries(session, audit.Filter(negotiation_id=registered.negotiation_id))
        lines = [json.loads(line) for line in audit.export_jsonl(found).splitlines()]
        rows = list(csv.DictReader(io.StringIO(audit.export_csv(found))))
    assert [line["hash"] for line in lines] == [row["hash"] for row in rows] == [e.hash for e in found]
    assert lines[-1]["detail"] == rows[-1]["detail"] == "adopted 🌎"
    assert set(lines[0]) == {
        "id",
        "chain",
        "seq",
        "at",
        "actor_id",
        "action",
        "subject",
        "detail",
        "previous",
        "hash",
    }
