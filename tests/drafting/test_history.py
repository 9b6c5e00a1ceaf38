"""Time travel: any past state is the nearest checkpoint plus the log, and equals replaying the log."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Text
from sqlalchemy import Engine, update

from drafting import history
from drafting import store as store_module
from drafting.amendments import delete_paragraph, insert_paragraph_after
from drafting.authorship_index import attributed_at
from drafting.errors import NotFound, StorageUnavailable
from drafting.kinds import UpdateOrigin
from drafting.layout import bind, read_paragraphs
from drafting.models import DocumentUpdate
from drafting.rendered import render
from drafting.senders import Sender
from drafting.store import Checkpoint, PendingUpdate, Store
from drafting.textpos import utf8_offset
from tests.drafting.conftest import Registered

WORDS = ["migración", "🌎", "regular", "segura", "ordenada", "y", "la", "región", "Pro-Témpore"]


def write_history(
    store: Store, document_id: int, updates: int, *, checkpoint_every: int, seed: int = 3
) -> Doc[Any]:
    """Edits as a room commits them: batches of updates, a checkpoint at the end of a batch that passes
    `checkpoint_every` updates since the last one."""
    rng = random.Random(seed)
    doc = store.load(document_id).to_doc()
    seq, last_checkpoint = store.last_seq(document_id), 0
    while seq < updates:
        batch = []
        for _ in range(min(rng.randint(1, 9), updates - seq)):
            before = doc.get_state()
            with doc.transaction():
                _edit(doc, rng)
            seq += 1
            batch.append(
                PendingUpdate(document_id, seq, doc.get_update(before), Sender.server(UpdateOrigin.CLIENT))
            )
        checkpoints = []
        if seq - last_checkpoint >= checkpoint_every:
            checkpoints.append(Checkpoint(document_id, seq, doc.get_update()))
            last_checkpoint = seq
        store.commit(batch, checkpoints)
    return doc


def _edit(doc: Doc[Any], rng: random.Random) -> None:
    paragraphs = read_paragraphs(doc)
    choice = rng.random()
    if choice < 0.05:
        insert_paragraph_after(doc, rng.choice(paragraphs).id, rng.choice(WORDS))
    elif choice < 0.08 and len(paragraphs) > 2:
        delete_paragraph(doc, rng.choice(paragraphs).id)
    else:
        paragraph = rng.choice(paragraphs)
        text = bind(doc)[1][paragraph.id]
        assert isinstance(text, Text)
        current = str(text)
        if current and choice > 0.85:
            start = rng.randrange(len(current))
            end = min(len(current), start + rng.randint(1, 4))
            del text[utf8_offset(current, start) : utf8_offset(current, end)]
        else:
            at = rng.randint(0, len(current))
            text.insert(utf8_offset(current, at), rng.choice(WORDS) + " ")


def replayed(store: Store, document_id: int, seq: int) -> Doc[Any]:
    doc: Doc[Any] = Doc()
    for data in store.updates(document_id, upto=seq):
        doc.apply_update(data)
    return doc


def test_the_state_at_any_point_equals_replaying_the_log_up_to_it(
    engine: Engine, registered: Registered, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_module, "HISTORY_EVERY", 40)
    store = Store(engine)
    document_id = registered.declaration_id
    final = write_history(store, document_id, 400, checkpoint_every=15)
    kept = store.checkpoint_seqs(document_id)
    assert len(kept) >= 10 and kept[-1] >= 390  # one per stretch of 40, and the newest two
    assert render(history.doc_at(store, document_id, 400)) == render(final)

    @settings(max_examples=60, deadline=None)
    @given(st.integers(1, 400))
    def same_as_replay(seq: int) -> None:
        assert render(history.doc_at(store, document_id, seq)) == render(replayed(store, document_id, seq))

    same_as_replay()
    for seq in kept:  # right at, before and after each checkpoint
        for point in (seq - 1, seq, seq + 1):
            if 1 <= point <= 400:
                assert history.text_at(store, document_id, point) == render(
                    replayed(store, document_id, point)
                )


def test_fill_checkpoints_gives_an_old_log_its_history_checkpoints(
    engine: Engine, registered: Registered, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(engine)
    document_id = registered.declaration_id
    write_history(store, document_id, 120, checkpoint_every=10_000)  # a log written without checkpoints
    assert store.checkpoint_seqs(document_id) == []
    monkeypatch.setattr(store_module, "HISTORY_EVERY", 25)
    assert history.fill_checkpoints(store, document_id) == [25, 50, 75, 100]
    assert store.checkpoint_seqs(document_id) == [25, 50, 75, 100]
    assert history.fill_checkpoints(store, document_id) == []
    for seq in (24, 25, 26, 99, 120):
        assert history.text_at(store, document_id, seq) == render(replayed(store, document_id, seq))


def test_points_outside_the_log_and_a_gap_are_refused(engine: Engine, registered: Registered) -> None:
    store = Store(engine)
    document_id = registered.declaration_id
    write_history(store, document_id, 5, checkpoint_every=10_000)
    for seq in (0, 6):
        with pytest.raises(NotFound, match="it has 1 to 5"):
            history.doc_at(store, document_id, seq)
    with engine.begin() as connection:
        connection.execute(
            DocumentUpdate.__table__.delete().where(
                DocumentUpdate.document_id == document_id, DocumentUpdate.seq == 3
            )
        )
    with pytest.raises(StorageUnavailable, match="update 3 is missing"):
        history.doc_at(store, document_id, 4)
    with pytest.raises(StorageUnavailable, match="update 3 is missing"):  # the coloured slider too
        attributed_at(store, document_id, 4)


def test_the_timeline_lists_each_update_with_its_moment_and_sender(
    engine: Engine, registered: Registered
) -> None:
    store = Store(engine)
    document_id = registered.declaration_id
    write_history(store, document_id, 6, checkpoint_every=10_000)
    start = next(iter(store.log(document_id))).created_at
    with engine.begin() as connection:
        for seq in range(1, 7):
            connection.execute(
                update(DocumentUpdate)
                .where(DocumentUpdate.document_id == document_id, DocumentUpdate.seq == seq)
                .values(created_at=start + timedelta(minutes=seq))
            )
    ticks = history.timeline(store, document_id, after=2, limit=3)
    assert [(t.seq, t.sender.origin) for t in ticks] == [(3, UpdateOrigin.CLIENT)] * 1 + [
        (4, UpdateOrigin.CLIENT),
        (5, UpdateOrigin.CLIENT),
    ]
    assert ticks[0].as_json()["at"].endswith("Z")
    assert history.seq_at(store, document_id, start + timedelta(minutes=4, seconds=30)) == 4
    assert history.seq_at(store, document_id, start) == 0
