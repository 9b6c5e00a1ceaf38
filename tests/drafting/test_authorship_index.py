"""Authorship kept at checkpoints: any moment's authors from the nearest checkpoint equal a full replay."""

from __future__ import annotations

import random
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Text
from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from drafting.authorship import authorship
from drafting.authorship_index import authorship_at, index
from drafting.catalogue import add_user
from drafting.errors import NotFound
from drafting.kinds import Role
from drafting.layout import bind, read_paragraphs
from drafting.models import DocumentCheckpoint
from drafting.senders import Sender
from drafting.store import Checkpoint, PendingUpdate, Store
from drafting.textpos import utf8_offset
from tests.drafting.conftest import Registered


def senders(engine: Engine) -> list[Sender]:
    with Session(engine) as session, session.begin():
        users = [
            add_user(session, f"{name}@example.org", name, Role.DELEGATE, code)
            for name, code in (("ana", "MEX"), ("luis", "GTM"), ("eva", "MEX"))
        ]
        return [Sender.participant(user.id, user.delegation_id) for user in users]


def typed_history(store: Store, document_id: int, updates: int, checkpoint_every: int) -> None:
    rng = random.Random(5)
    everyone = senders(store.engine)
    doc: Doc[Any] = store.load(document_id).to_doc()
    for seq in range(2, updates + 1):
        before = doc.get_state()
        text = bind(doc)[1][read_paragraphs(doc)[0].id]
        assert isinstance(text, Text)
        current = str(text)
        if current and rng.random() < 0.3:
            start = rng.randrange(len(current))
            del text[utf8_offset(current, start) : utf8_offset(current, min(len(current), start + 3))]
        else:
            at = rng.randint(0, len(current))
            text.insert(utf8_offset(current, at), rng.choice(["la ", "región ", "🌎 ", "ñ"]))
        checkpoints = [Checkpoint(document_id, seq, doc.get_update())] if seq % checkpoint_every == 0 else []
        store.commit(
            [PendingUpdate(document_id, seq, doc.get_update(before), rng.choice(everyone))], checkpoints
        )


def test_authors_from_a_checkpoint_equal_a_full_replay(engine: Engine, registered: Registered) -> None:
    store = Store(engine)
    document_id = registered.declaration_id
    typed_history(store, document_id, 150, checkpoint_every=20)
    assert index(store, document_id) == store.checkpoint_seqs(document_id) != []
    assert index(store, document_id) == []

    @settings(max_examples=40, deadline=None)
    @given(st.integers(1, 150))
    def same(seq: int) -> None:
        assert authorship_at(store, document_id, seq) == authorship(store.log(document_id, upto=seq))

    same()
    with pytest.raises(NotFound):
        authorship_at(store, document_id, 151)


def test_runs_that_do_not_fit_are_ignored_not_believed(engine: Engine, registered: Registered) -> None:
    store = Store(engine)
    document_id = registered.declaration_id
    typed_history(store, document_id, 60, checkpoint_every=20)
    index(store, document_id)
    with engine.begin() as connection:
        newest = connection.scalar(select(DocumentCheckpoint.authorship).where(DocumentCheckpoint.seq == 20))
        connection.execute(
            update(DocumentCheckpoint).where(DocumentCheckpoint.seq == 40).values(authorship=newest)
        )
        connection.execute(
            update(DocumentCheckpoint).where(DocumentCheckpoint.seq == 60).values(authorship=b"junk")
        )
    for seq in (45, 60):
        assert authorship_at(store, document_id, seq) == authorship(store.log(document_id, upto=seq))
