"""The update log's senders and hash chain (drafting/store.py)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pycrdt import Doc
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from drafting.catalogue import add_user
from drafting.errors import StorageUnavailable
from drafting.kinds import Role, UpdateOrigin
from drafting.layout import bind, read_paragraphs
from drafting.models import DocumentUpdate
from drafting.senders import UNRECORDED, Sender
from drafting.store import Checkpoint, PendingUpdate, Store
from tests.drafting.conftest import Registered


def edit(doc: Doc[Any], word: str) -> bytes:
    before = doc.get_state()
    text = bind(doc)[1][read_paragraphs(doc)[0].id]
    text += " " + word
    return doc.get_update(before)


@pytest.fixture
def users(engine: Engine, registered: Registered) -> tuple[int, int, int]:
    """A MEX delegate, a GTM delegate, and the MEX delegation's id."""
    with Session(engine) as session, session.begin():
        ana = add_user(session, "ana@mex.example", "Ana", Role.DELEGATE, "MEX")
        luis = add_user(session, "luis@gtm.example", "Luis", Role.DELEGATE, "GTM")
        return ana.id, luis.id, ana.delegation_id or 0


def test_each_update_keeps_its_sender(
    engine: Engine, registered: Registered, users: tuple[int, int, int]
) -> None:
    ana, luis, mex = users
    store = Store(engine)
    document_id = registered.declaration_id
    doc = store.load(document_id).to_doc()
    senders = [
        Sender.participant(ana, mex),
        Sender.participant(luis, None),
        Sender.server(UpdateOrigin.LABELS),
        UNRECORDED,
    ]
    store.commit([PendingUpdate(document_id, 2 + i, edit(doc, f"w{i}"), s) for i, s in enumerate(senders)])
    logged = list(store.log(document_id))
    assert [row.seq for row in logged] == [1, 2, 3, 4, 5]
    assert logged[0].sender == Sender(UpdateOrigin.IMPORT)
    assert [row.sender for row in logged[1:]] == senders
    assert [row.seq for row in store.log(document_id, after=2, upto=4)] == [3, 4]
    assert store.verify_log(document_id) == []


def test_the_log_is_one_chain_whichever_store_writes_it(engine: Engine, registered: Registered) -> None:
    first, second = Store(engine), Store(engine)
    document_id = registered.declaration_id
    doc = first.load(document_id).to_doc()
    first.commit([PendingUpdate(document_id, 2, edit(doc, "uno"))])
    second.commit([PendingUpdate(document_id, 3, edit(doc, "dos"))])
    first.commit(
        [PendingUpdate(document_id, 4, edit(doc, "tres")), PendingUpdate(document_id, 5, edit(doc, "4"))]
    )
    assert first.verify_log(document_id) == []
    digests = [row.digest for row in first.log(document_id)]
    assert len(set(digests)) == 5 and None not in digests


def test_a_failed_commit_leaves_the_chain_whole(engine: Engine, registered: Registered) -> None:
    store = Store(engine)
    document_id = registered.declaration_id
    doc = store.load(document_id).to_doc()
    store.commit([PendingUpdate(document_id, 2, edit(doc, "uno"))])
    dos = edit(doc, "dos")
    with pytest.raises(StorageUnavailable):
        store.commit([PendingUpdate(document_id, 3, dos), PendingUpdate(document_id, 2, b"\x00\x00")])
    store.commit([PendingUpdate(document_id, 3, dos)])
    assert store.verify_log(document_id) == []
    assert read_paragraphs(store.load(document_id).to_doc())[0].text.endswith("uno dos")


@pytest.mark.parametrize(
    ("column", "value"),
    [("data", b"\x00\x00"), ("user_id", None), ("origin", "import"), ("created_at", None)],
)
def test_a_changed_row_is_found_and_named(
    engine: Engine, registered: Registered, users: tuple[int, int, int], column: str, value: object
) -> None:
    ana, _, mex = users
    store = Store(engine)
    document_id = registered.declaration_id
    doc = store.load(document_id).to_doc()
    store.commit(
        [PendingUpdate(document_id, s, edit(doc, str(s)), Sender.participant(ana, mex)) for s in (2, 3, 4)]
    )
    if column == "created_at":
        value = next(r.created_at for r in store.log(document_id) if r.seq == 3) + timedelta(microseconds=1)
    with engine.begin() as connection:
        connection.execute(
            update(DocumentUpdate)
            .where(DocumentUpdate.document_id == document_id, DocumentUpdate.seq == 3)
            .values({column: value})
        )
    breaks = store.verify_log(document_id)
    assert [(b.chain, b.item) for b in breaks] == [(f"document/{document_id}/log", "update 3")]
    assert "no longer match its digest" in breaks[0].problem


def test_a_row_given_a_new_digest_breaks_the_link_to_the_next(engine: Engine, registered: Registered) -> None:
    store = Store(engine)
    document_id = registered.declaration_id
    doc = store.load(document_id).to_doc()
    store.commit([PendingUpdate(document_id, s, edit(doc, str(s))) for s in (2, 3, 4)])
    with engine.begin() as connection:
        connection.execute(
            update(DocumentUpdate)
            .where(DocumentUpdate.document_id == document_id, DocumentUpdate.seq == 2)
            .values(digest="0" * 64)
        )
    assert [b.item for b in store.verify_log(document_id)] == ["update 2", "update 3"]


def test_a_missing_row_is_a_break(engine: Engine, registered: Registered) -> None:
    store = Store(engine)
    document_id = registered.declaration_id
    doc = store.load(document_id).to_doc()
    store.commit([PendingUpdate(document_id, s, edit(doc, str(s))) for s in (2, 3, 4)])
    store.checkpoint(Checkpoint(document_id, 4, doc.get_update()))
    with engine.begin() as connection:
        connection.execute(
            DocumentUpdate.__table__.delete().where(
                DocumentUpdate.document_id == document_id, DocumentUpdate.seq == 3
            )
        )
    problems = [str(b) for b in store.verify_log(document_id)]
    assert problems[0] == f"document/{document_id}/log: update 4: update 3 is missing before it"
    assert len(problems) == 2  # and update 4 no longer links to update 2
