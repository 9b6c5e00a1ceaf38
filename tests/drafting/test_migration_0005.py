"""Migration 0005 joins the three branches and chains the history already stored."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import DateTime, Engine, bindparam, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from drafting.audit import verify
from drafting.database import MIGRATIONS, make_engine
from drafting.kinds import DocumentKind, DocumentStatus, ParagraphKind
from drafting.layout import bind, new_draft, write_document
from drafting.store import Store


def moment(statement: TextClause) -> TextClause:
    return statement.bindparams(bindparam("at", type_=DateTime(timezone=True)))


def migrate(engine: Engine, target: str, *, down: bool = False) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        (command.downgrade if down else command.upgrade)(config, target)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def bare(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """An empty database at the three branch heads, before 0005."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'old.db'}")
    else:
        engine = make_engine(request.getfixturevalue("postgres_database"))
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    for head in ("0002", "0003", "0004"):
        migrate(engine, head)
    yield engine
    engine.dispose()


def test_0005_merges_the_branches_and_every_later_branch_starts_from_it() -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    script = ScriptDirectory.from_config(config)
    heads = script.get_heads()
    assert heads
    before = {"0001", "0002", "0003", "0004", "0005"}
    for revision in script.walk_revisions():
        if revision.revision not in before:  # every later one starts from 0005 or from one after it
            down = revision.down_revision
            assert not set(down if isinstance(down, tuple) else [down]) & {"0001", "0002", "0003", "0004"}
    for head in heads:
        assert "0005" in {r.revision for r in script.iterate_revisions(head, "base")}  # type: ignore[union-attr]
    assert set(script.get_revision("0005").down_revision) == {"0002", "0003", "0004"}  # type: ignore[union-attr, arg-type]


def test_the_history_stored_before_0005_is_chained_by_it(bare: Engine) -> None:
    doc = new_draft()
    ids = write_document(
        doc,
        title="Declaración",
        kind=DocumentKind.DECLARATION,
        status=DocumentStatus.DRAFT,
        paragraphs=[(ParagraphKind.OPERATIVE, "Acuerdan 🌎;")],
    )
    first = doc.get_update()
    state = doc.get_state()
    bind(doc)[1][ids[0]].insert(0, "Y ")
    second = doc.get_update(state)
    at = datetime(2015, 11, 11, 9, 30, 0, 250, tzinfo=UTC)
    with bare.begin() as connection:
        connection.execute(
            text("INSERT INTO delegations (id, code, name, kind) VALUES (1, 'MEX', 'México', 'member_state')")
        )
        connection.execute(
            moment(
                text("INSERT INTO negotiations (id, title, chair_id, created_at) VALUES (1, 'XX', 1, :at)")
            ),
            {"at": at},
        )
        connection.execute(
            moment(
                text(
                    "INSERT INTO documents (id, negotiation_id, kind, title, status, created_at)"
                    " VALUES (1, 1, 'declaration', 'Declaración', 'draft', :at)"
                )
            ),
            {"at": at},
        )
        connection.execute(
            moment(
                text(
                    "INSERT INTO document_updates (document_id, seq, data, created_at)"
                    " VALUES (1, :s, :d, :at)"
                )
            ),
            [{"s": 1, "d": first, "at": at}, {"s": 2, "d": second, "at": at}],
        )
        connection.execute(
            moment(
                text(
                    "INSERT INTO audit_entries (at, actor_id, action, subject, detail)"
                    " VALUES (:at, NULL, :a, :s, '')"
                )
            ),
            [
                {"at": at, "a": "paragraph_lock", "s": "document/1/paragraph/p1"},
                {"at": at, "a": "sign_in", "s": "user/1"},
                {"at": at, "a": "document_adopted", "s": "document/1"},
            ],
        )
    migrate(bare, "heads")
    store = Store(bare)
    assert store.verify_log(1) == []
    assert [row.digest is not None for row in store.log(1)] == [True, True]
    with Session(bare) as session:
        assert verify(session, every_chain=True) == []
        chains = session.execute(text("SELECT negotiation_id, seq FROM audit_entries ORDER BY id")).all()
    assert [tuple(row) for row in chains] == [(1, 1), (None, 1), (1, 2)]
    migrate(bare, "0004", down=True)
    migrate(bare, "heads")
    assert Store(bare).verify_log(1) == []
