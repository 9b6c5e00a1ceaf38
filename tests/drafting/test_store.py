from __future__ import annotations

from typing import Any

import pytest
from pycrdt import Doc
from sqlalchemy import Engine, func, select, update

from drafting import store as store_module
from drafting.errors import StorageUnavailable
from drafting.layout import bind, read_paragraphs
from drafting.models import DocumentCheckpoint, DocumentUpdate
from drafting.store import HISTORY_EVERY, KEEP_CHECKPOINTS, Checkpoint, PendingUpdate, Store
from tests.drafting.conftest import Registered


def first_text(doc: Doc[Any]) -> str:
    return read_paragraphs(doc)[0].text


def append_edits(store: Store, document_id: int, words: list[str]) -> list[str]:
    """Commit one update per word, each appending it to the first paragraph; returns the texts reached."""
    doc = store.load(document_id).to_doc()
    seq = store.last_seq(document_id)
    texts = []
    for word in words:
        _, paragraphs, _ = bind(doc)
        before = doc.get_state()
        text = paragraphs[read_paragraphs(doc)[0].id]
        text += " " + word
        seq += 1
        store.commit([PendingUpdate(document_id, seq, doc.get_update(before))])
        texts.append(first_text(doc))
    return texts


def rows(engine: Engine, table: Any, document_id: int) -> list[int]:
    with engine.connect() as connection:
        return list(
            connection.scalars(select(table.seq).where(table.document_id == document_id).order_by(table.seq))
        )


def test_a_new_document_has_its_first_state_as_update_one(engine: Engine, registered: Registered) -> None:
    stored = Store(engine).load(registered.declaration_id)
    assert (stored.checkpoint, stored.checkpoint_seq, stored.last_seq) == (None, 0, 1)
    assert first_text(stored.to_doc()) == "Acuerdan fortalecer la cooperación;"


def test_commit_then_load(engine: Engine, registered: Registered) -> None:
    store = Store(engine)
    texts = append_edits(store, registered.declaration_id, ["migración", "🌎", "región"])
    stored = store.load(registered.declaration_id)
    assert stored.last_seq == store.last_seq(registered.declaration_id) == 4
    assert (
        first_text(stored.to_doc()) == texts[-1] == "Acuerdan fortalecer la cooperación; migración 🌎 región"
    )


def test_updates_of_several_documents_commit_together(engine: Engine, registered: Registered) -> None:
    store = Store(engine)
    declaration = store.load(registered.declaration_id).to_doc()
    plan = store.load(registered.plan_id).to_doc()
    states = declaration.get_state(), plan.get_state()
    text = bind(declaration)[1][read_paragraphs(declaration)[0].id]
    text += " ¡sí!"
    bind(plan)[0].append("pignored000000")
    store.commit(
        [
            PendingUpdate(registered.declaration_id, 2, declaration.get_update(states[0])),
            PendingUpdate(registered.plan_id, 2, plan.get_update(states[1])),
        ]
    )
    assert store.last_seq(registered.declaration_id) == store.last_seq(registered.plan_id) == 2
    assert first_text(store.load(registered.declaration_id).to_doc()).endswith("¡sí!")


def test_load_reads_the_checkpoint_and_only_the_tail_after_it(engine: Engine, registered: Registered) -> None:
    store = Store(engine)
    document_id = registered.declaration_id
    texts = append_edits(store, document_id, ["uno", "dos", "tres"])
    store.checkpoint(Checkpoint(document_id, 3, Store(engine).load(document_id).to_doc().get_update()))
    # The log stays; but were the updates up to the checkpoint read, this garbage would break loading.
    with engine.begin() as connection:
        connection.execute(
            update(DocumentUpdate)
            .where(DocumentUpdate.document_id == document_id, DocumentUpdate.seq <= 3)
            .values(data=b"\xff not a Yjs update")
        )
    after = append_edits(store, document_id, ["cuatro ñ"])
    stored = store.load(document_id)
    assert (stored.checkpoint_seq, len(stored.tail), stored.last_seq) == (3, 2, 5)
    assert first_text(stored.to_doc()) == after[-1] == texts[-1] + " cuatro ñ"


def checkpoint_each(store: Store, document_id: int, seqs: range) -> None:
    for seq in seqs:
        state = Doc()
        for data in store.updates(document_id, upto=seq):
            state.apply_update(data)
        store.checkpoint(Checkpoint(document_id, seq, state.get_update()))


def test_the_newest_checkpoints_are_kept_and_one_per_stretch_of_history(
    engine: Engine, registered: Registered, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(engine)
    document_id = registered.declaration_id
    append_edits(store, document_id, ["a", "b", "c", "d", "e", "f", "g"])
    store.checkpoint(Checkpoint(registered.plan_id, 1, store.load(registered.plan_id).to_doc().get_update()))
    monkeypatch.setattr(store_module, "HISTORY_EVERY", 3)
    checkpoint_each(store, document_id, range(1, 9))
    assert KEEP_CHECKPOINTS == 2
    # The first of each stretch of three (1, 3, 6), and the newest two.
    assert rows(engine, DocumentCheckpoint, document_id) == [1, 3, 6, 7, 8]
    assert rows(engine, DocumentCheckpoint, registered.plan_id) == [1]
    stored = store.load(document_id)
    assert (stored.checkpoint_seq, stored.tail) == (8, [])
    assert first_text(stored.to_doc()).endswith(" a b c d e f g")


def test_with_the_default_spacing_only_the_newest_and_the_first_are_kept(
    engine: Engine, registered: Registered
) -> None:
    store = Store(engine)
    document_id = registered.declaration_id
    append_edits(store, document_id, ["a", "b", "c", "d"])
    checkpoint_each(store, document_id, range(1, 6))
    assert HISTORY_EVERY == 5000
    assert rows(engine, DocumentCheckpoint, document_id) == [1, 4, 5]


def test_checkpoints_are_stored_compressed(engine: Engine, registered: Registered) -> None:
    store = Store(engine)
    document_id = registered.declaration_id
    append_edits(store, document_id, ["migración " * 50])
    state = store.load(document_id).to_doc().get_update()
    store.checkpoint(Checkpoint(document_id, 2, state))
    with engine.connect() as connection:
        stored = connection.execute(select(DocumentCheckpoint.state, DocumentCheckpoint.compression)).one()
    assert stored.compression == "zlib"
    assert len(stored.state) < len(state) / 2
    assert store.checkpoint_upto(document_id, 2) == (2, state)
    assert store.checkpoint_upto(document_id, 1) == (0, None)


def test_a_checkpoint_that_does_not_decompress_is_a_storage_error(
    engine: Engine, registered: Registered
) -> None:
    store = Store(engine)
    append_edits(store, registered.declaration_id, ["x"])
    store.compact(registered.declaration_id)
    with engine.begin() as connection:
        connection.execute(update(DocumentCheckpoint).values(state=b"not zlib"))
    with pytest.raises(StorageUnavailable, match="decompress"):
        store.load(registered.declaration_id)


def test_a_gap_in_the_log_is_refused(engine: Engine, registered: Registered) -> None:
    store = Store(engine)
    document_id = registered.declaration_id
    append_edits(store, document_id, ["uno", "dos", "tres"])
    with engine.begin() as connection:
        connection.execute(
            DocumentUpdate.__table__.delete().where(
                DocumentUpdate.document_id == document_id, DocumentUpdate.seq == 3
            )
        )
    with pytest.raises(StorageUnavailable, match="update 3 is missing from the log"):
        store.load(document_id)


def test_a_gap_right_after_the_checkpoint_is_refused(engine: Engine, registered: Registered) -> None:
    store = Store(engine)
    document_id = registered.declaration_id
    append_edits(store, document_id, ["uno"])
    store.compact(document_id)
    store.commit([PendingUpdate(document_id, 4, b"")])
    with pytest.raises(StorageUnavailable, match="update 3 is missing from the log"):
        store.load(document_id)


def test_compact_folds_the_log_into_a_checkpoint(engine: Engine, registered: Registered) -> None:
    store = Store(engine)
    document_id = registered.declaration_id
    texts = append_edits(store, document_id, ["Pro-Témpore", "👍🏽"])
    assert store.compact(document_id) == 3
    stored = store.load(document_id)
    assert (stored.checkpoint_seq, stored.tail) == (3, [])
    assert first_text(stored.to_doc()) == texts[-1]
    assert rows(engine, DocumentUpdate, document_id) == [1, 2, 3]
    # Nothing new to fold: no new checkpoint.
    assert store.compact(document_id) == 3
    assert rows(engine, DocumentCheckpoint, document_id) == [3]


def test_updates_upto_rebuilds_a_past_state(engine: Engine, registered: Registered) -> None:
    store = Store(engine)
    document_id = registered.declaration_id
    texts = append_edits(store, document_id, ["uno", "dos 🌎", "tres"])
    store.compact(document_id)
    for seq, expected in zip([2, 3, 4], texts, strict=True):
        past: Doc[Any] = Doc()
        for data in store.updates(document_id, upto=seq):
            past.apply_update(data)
        assert first_text(past) == expected
    assert len(list(store.updates(document_id))) == 4


def test_a_duplicate_seq_is_refused_and_nothing_is_half_written(
    engine: Engine, registered: Registered
) -> None:
    store = Store(engine)
    with pytest.raises(StorageUnavailable):
        store.commit(
            [
                PendingUpdate(registered.plan_id, 2, b"\x00\x00"),
                PendingUpdate(registered.declaration_id, 1, b"\x00\x00"),
            ],
            [Checkpoint(registered.plan_id, 2, b"\x00\x00")],
        )
    assert rows(engine, DocumentUpdate, registered.plan_id) == [1]
    assert rows(engine, DocumentCheckpoint, registered.plan_id) == []


def test_a_duplicate_checkpoint_rolls_back_the_updates_of_its_batch(
    engine: Engine, registered: Registered
) -> None:
    store = Store(engine)
    store.checkpoint(Checkpoint(registered.plan_id, 1, store.load(registered.plan_id).to_doc().get_update()))
    with pytest.raises(StorageUnavailable):
        store.commit(
            [PendingUpdate(registered.declaration_id, 2, b"\x00\x00")],
            [Checkpoint(registered.plan_id, 1, b"\x00\x00")],
        )
    assert rows(engine, DocumentUpdate, registered.declaration_id) == [1]
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(DocumentCheckpoint)) == 1


def test_committing_nothing_touches_nothing(engine: Engine, registered: Registered) -> None:
    store = Store(engine)
    store.commit([])
    assert store.last_seq(registered.declaration_id) == 1
    assert store.last_seq(registered.declaration_id + 1000) == 0
