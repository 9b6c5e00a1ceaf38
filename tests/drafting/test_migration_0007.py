"""Migration 0007 adds the folded log segments; its downgrade puts every folded row back."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect, select

from drafting import segments
from drafting.log_rows import logged, verify_log_rows
from drafting.models import DocumentUpdate
from drafting.senders import UNRECORDED
from drafting.store import Store
from tests.drafting.conftest import Registered
from tests.drafting.test_migration_0005 import migrate
from tests.drafting.test_store_folding import as_stored, folded, type_log


def test_the_downgrade_unfolds_the_log_and_the_upgrade_lets_it_fold_again(
    engine: Engine, registered: Registered, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(segments, "SEGMENT", 5)
    store = Store(engine)
    document_id = registered.declaration_id
    type_log(store, document_id, 44, [UNRECORDED])
    assert len(folded(engine, document_id)) == 6
    log = as_stored(store, document_id)
    migrate(engine, "0006_instances", down=True)
    assert "document_log_segments" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        rows = [
            logged(row)
            for row in connection.execute(
                select(DocumentUpdate.__table__)
                .where(DocumentUpdate.document_id == document_id)
                .order_by(DocumentUpdate.seq)
            )
        ]
    assert [row.seq for row in rows] == list(range(1, 46))
    assert verify_log_rows(document_id, rows) == []
    migrate(engine, "heads")
    assert folded(engine, document_id) == [] and as_stored(store, document_id) == log
    store.compact(document_id)  # the next checkpoint folds what may fold
    assert len(folded(engine, document_id)) == 8
    assert as_stored(store, document_id) == log and store.verify_log(document_id) == []
