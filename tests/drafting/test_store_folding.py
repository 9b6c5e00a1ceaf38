"""Folding the old log into segments (drafting/store.py, drafting/segments.py): after folding, the same
log, states, senders and links, the same archive, and a changed byte still found."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pycrdt import Doc
from sqlalchemy import Engine, delete, func, select, update
from sqlalchemy.orm import Session

from drafting import history, leases, segments
from drafting import store as store_module
from drafting.archive import export_bundle, read_bundle, verify_bundle
from drafting.archive_import import import_bundle
from drafting.catalogue import add_user
from drafting.chain import moment
from drafting.clock import utcnow
from drafting.database import make_engine, upgrade
from drafting.errors import StorageUnavailable
from drafting.kinds import Role, UpdateOrigin
from drafting.layout import bind, read_paragraphs
from drafting.models import DocumentCheckpoint, DocumentLogSegment, DocumentUpdate
from drafting.rendered import render
from drafting.revisions import make_revision, verify_revisions
from drafting.senders import UNRECORDED, Sender
from drafting.store import Checkpoint, PendingUpdate, Store
from tests.drafting.conftest import Registered

SEGMENT = 5  # rows per segment in these tests
EVERY = 10  # a checkpoint every ten updates, as the room writes one every 500
AT = datetime(2026, 12, 1, 18, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def small_segments(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(segments, "SEGMENT", SEGMENT)


@pytest.fixture
def senders(engine: Engine, registered: Registered) -> list[Sender]:
    with Session(engine) as session, session.begin():
        ana = add_user(session, "ana@mex.example", "Ana", Role.DELEGATE, "MEX")
        luis = add_user(session, "luis@gtm.example", "Luis", Role.DELEGATE, "GTM")
        return [
            Sender.participant(ana.id, ana.delegation_id),
            Sender.participant(luis.id, None),
            Sender.server(UpdateOrigin.LABELS, ana.id),
            UNRECORDED,
        ]


def type_log(store: Store, document_id: int, count: int, senders: list[Sender]) -> None:
    """`count` keystrokes, one commit each, with a checkpoint every `EVERY` updates as the room writes."""
    doc = store.load(document_id).to_doc()
    seq = store.last_seq(document_id)
    for i in range(count):
        before = doc.get_state()
        text = bind(doc)[1][read_paragraphs(doc)[0].id]
        text += f" w{i}"
        seq += 1
        checkpoints = [Checkpoint(document_id, seq, doc.get_update())] if seq % EVERY == 0 else []
        update_ = PendingUpdate(document_id, seq, doc.get_update(before), senders[i % len(senders)])
        store.commit([update_], checkpoints)


def typed_unfolded(
    monkeypatch: pytest.MonkeyPatch, store: Store, document_id: int, senders: list[Sender]
) -> None:
    """Updates 2..61 with checkpoints at 10..60, none folded yet; the next checkpoint folds all it may."""
    monkeypatch.setattr(segments, "FOLD_AT_ONCE", 0)
    type_log(store, document_id, 60, senders)
    monkeypatch.setattr(segments, "FOLD_AT_ONCE", 20)


@pytest.fixture
def typed(
    engine: Engine, registered: Registered, senders: list[Sender], monkeypatch: pytest.MonkeyPatch
) -> Store:
    """The declaration's updates 2..61 typed unfolded (`typed_unfolded`)."""
    store = Store(engine)
    typed_unfolded(monkeypatch, store, registered.declaration_id, senders)
    return store


@pytest.fixture
def grown(engine: Engine, registered: Registered, senders: list[Sender]) -> Store:
    """The declaration's updates 2..45, folded as they grew: up to 30, before the checkpoint at 30."""
    store = Store(engine)
    type_log(store, registered.declaration_id, 44, senders)
    return store


def fold_now(store: Store, document_id: int) -> None:
    """A checkpoint at the last update, as compacting writes: folds what lies before the older one."""
    store.compact(document_id)


def folded(engine: Engine, document_id: int) -> list[tuple[int, int]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(DocumentLogSegment.first_seq, DocumentLogSegment.last_seq)
            .where(DocumentLogSegment.document_id == document_id)
            .order_by(DocumentLogSegment.first_seq)
        )
        return [(row.first_seq, row.last_seq) for row in rows]


def unfolded_seqs(engine: Engine, document_id: int) -> list[int]:
    with engine.connect() as connection:
        return list(
            connection.scalars(
                select(DocumentUpdate.seq)
                .where(DocumentUpdate.document_id == document_id)
                .order_by(DocumentUpdate.seq)
            )
        )


def replayed(store: Store, document_id: int, seq: int) -> str:
    doc: Doc[Any] = Doc()
    for row in store.log(document_id, upto=seq, links=False):
        doc.apply_update(row.data)
    return str(render(doc))


def reading(store: Store, document_id: int) -> dict[str, Any]:
    """Everything the store's readers say of the log."""
    log = list(store.log(document_id))
    moments = sorted({row.created_at for row in log})
    return {
        "log": log,
        "links": [row.digest for row in log],
        "unlinked": list(store.log(document_id, after=3, upto=47, links=False)),
        "updates": list(store.updates_between(document_id, 7, 33)),
        "digests": [store.digest_at(document_id, seq) for seq in range(0, 63)],
        "timeline": history.timeline(store, document_id, after=3, limit=9)
        + history.timeline(store, document_id, after=48, limit=20),
        "seq_at": [
            history.seq_at(store, document_id, at + d)
            for at in moments
            for d in (timedelta(0), -timedelta(microseconds=1))
        ],
        "last_seq": store.last_seq(document_id),
        "text": render(store.load(document_id).to_doc()),
    }


def test_old_rows_fold_and_every_reader_sees_the_same_log(
    engine: Engine, registered: Registered, senders: list[Sender], typed: Store
) -> None:
    store = typed
    document_id = registered.declaration_id
    before = reading(store, document_id)
    states = {seq: replayed(store, document_id, seq) for seq in range(1, 62)}
    assert folded(engine, document_id) == []
    fold_now(store, document_id)
    # Whole segments up to the older of the two newest checkpoints (60; 61 is the newest).
    assert folded(engine, document_id) == [(k, k + SEGMENT - 1) for k in range(1, 60, SEGMENT)]
    assert unfolded_seqs(engine, document_id) == [61]
    after = reading(store, document_id)
    assert after == before
    assert [row.sender for row in after["log"]][1:5] == senders
    for seq, state in states.items():
        assert str(history.text_at(store, document_id, seq)) == state, seq
    assert store.verify_log(document_id) == []
    # Nothing new to fold: the next commits only append.
    type_log(store, document_id, 3, senders)
    assert folded(engine, document_id)[-1] == (56, 60) and store.verify_log(document_id) == []


def test_the_log_folds_as_it_grows_and_opening_never_reads_a_segment(
    engine: Engine, registered: Registered, senders: list[Sender]
) -> None:
    store = Store(engine)
    document_id = registered.declaration_id
    type_log(store, document_id, 44, senders)  # checkpoints at 10..40: folds up to 30
    assert folded(engine, document_id) == [(1, 5), (6, 10), (11, 15), (16, 20), (21, 25), (26, 30)]
    assert unfolded_seqs(engine, document_id) == list(range(31, 46))
    text = render(store.load(document_id).to_doc())
    tamper(engine, update(DocumentLogSegment).values(rows=b"damaged"))
    assert render(store.load(document_id).to_doc()) == text
    assert render(history.doc_at(store, document_id, 45)) == text  # from the checkpoint at 40
    with pytest.raises(StorageUnavailable, match="folded updates 11 to 15 cannot be read"):  # from 10
        history.doc_at(store, document_id, 29)


def tamper(engine: Engine, *statements: Any) -> None:
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(statement)


def rewrite(engine: Engine, document_id: int, first_seq: int, change: Any) -> None:
    """Change one folded segment's rows, and store them packed again."""
    where = (DocumentLogSegment.document_id == document_id, DocumentLogSegment.first_seq == first_seq)
    with engine.begin() as connection:
        blob = connection.scalar(select(DocumentLogSegment.rows).where(*where))
        rows = segments.unpack(blob, "")
        connection.execute(update(DocumentLogSegment).where(*where).values(rows=segments.pack(change(rows))))


def flip(data: list[bytes]) -> list[bytes]:
    return [data[0], bytes([data[1][0] ^ 1]) + data[1][1:], *data[2:]]


@pytest.mark.parametrize(
    "change",
    [
        lambda rows: replace(rows, data=flip(rows.data)),
        lambda rows: replace(rows, user_ids=[rows.user_ids[0], None, *rows.user_ids[2:]]),
        lambda rows: replace(rows, origins=["import", *rows.origins[1:]]),
        lambda rows: replace(rows, moments=[rows.moments[0] + 1, *rows.moments[1:]]),
        lambda rows: replace(rows, data=[*rows.data[:-1], rows.data[-2]]),
    ],
    ids=["a byte", "a sender", "an origin", "a moment", "a replayed update"],
)
def test_a_change_inside_a_folded_segment_is_found_and_named(
    engine: Engine, registered: Registered, grown: Store, change: Any
) -> None:
    store = grown
    document_id = registered.declaration_id
    assert store.verify_log(document_id) == []
    rewrite(engine, document_id, 11, change)
    breaks = store.verify_log(document_id)
    assert [(b.chain, b.item) for b in breaks] == [
        (f"document/{document_id}/log", "updates 11 to 15 (folded)")
    ]
    assert "no longer matches their digest" in breaks[0].problem


def test_a_segment_that_does_not_decompress_or_is_missing_is_a_break(
    engine: Engine, registered: Registered, grown: Store
) -> None:
    store = grown
    document_id = registered.declaration_id
    tamper(
        engine,
        update(DocumentLogSegment).where(DocumentLogSegment.first_seq == 6).values(rows=b"\x78\x9c garbage"),
        delete(DocumentLogSegment).where(DocumentLogSegment.first_seq == 16),
    )
    problems = [str(b) for b in store.verify_log(document_id)]
    chain = f"document/{document_id}/log"
    assert problems == [
        f"{chain}: updates 6 to 10 (folded): their folded segment no longer decompresses",
        f"{chain}: updates 21 to 25 (folded): updates 16 to 20 are missing before them",
        f"{chain}: updates 21 to 25 (folded): a byte of them or of their senders no longer matches their "
        "digest, or update 20 was changed",
    ]


def test_a_row_changed_before_it_was_folded_is_found_in_its_segment(
    engine: Engine, registered: Registered, typed: Store
) -> None:
    store = typed
    document_id = registered.declaration_id
    row = (DocumentUpdate.document_id == document_id, DocumentUpdate.seq == 33)
    tamper(engine, update(DocumentUpdate).where(*row).values(data=b"\x00\x00"))
    assert [b.item for b in store.verify_log(document_id)] == ["update 33"]
    fold_now(store, document_id)
    assert [b.item for b in store.verify_log(document_id)] == ["updates 31 to 35 (folded)"]


def test_a_gap_stops_folding_and_stays_for_the_check_to_name(
    engine: Engine, registered: Registered, typed: Store
) -> None:
    store = typed
    document_id = registered.declaration_id
    tamper(
        engine,
        delete(DocumentUpdate).where(DocumentUpdate.document_id == document_id, DocumentUpdate.seq == 13),
    )
    fold_now(store, document_id)
    assert folded(engine, document_id) == [(1, 5), (6, 10)]
    breaks = store.verify_log(document_id)
    assert (breaks[0].item, breaks[0].problem) == ("update 14", "update 13 is missing before it")


def test_revisions_made_before_and_after_folding_verify(
    engine: Engine, registered: Registered, typed: Store
) -> None:
    store = typed
    document_id = registered.declaration_id
    with Session(engine) as session, session.begin():
        make_revision(session, document_id, history.doc_at(store, document_id, 7), 7, made_by=None, at=AT)
    fold_now(store, document_id)
    with Session(engine) as session, session.begin():
        for seq in (23, 25, 61):  # inside a segment, a segment's last, an unfolded row
            make_revision(
                session, document_id, history.doc_at(store, document_id, seq), seq, made_by=None, at=AT
            )
    with Session(engine) as session:
        assert verify_revisions(session, document_id) == []
    rewrite(engine, document_id, 6, lambda rows: replace(rows, data=flip(rows.data)))  # update 7
    with Session(engine) as session:
        problems = [b.problem for b in verify_revisions(session, document_id)]
    assert problems == ["the update log up to update 7 is not the one it archived"]


def test_an_archive_exported_after_folding_is_the_one_exported_before(
    engine: Engine, registered: Registered, typed: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    store = typed
    document_id = registered.declaration_id
    before = read_bundle(export_bundle(engine, registered.negotiation_id))
    fold_now(store, document_id)
    assert len(folded(engine, document_id)) == 12
    bundle = export_bundle(engine, registered.negotiation_id)
    after = read_bundle(bundle)
    assert after.tables == before.tables
    assert after.manifest["heads"] == before.manifest["heads"]
    assert after.members["tables/document_updates.json"] == before.members["tables/document_updates.json"]
    assert len(after.tables["document_updates"]) == 61 + 1  # and the plan's update 1
    assert verify_bundle(bundle) == []
    # Imported elsewhere, the rows arrive whole and fold there at its checkpoints.
    other = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    upgrade(other)
    monkeypatch.setattr(store_module, "HISTORY_EVERY", EVERY)
    import_bundle(other, bundle)
    assert folded(other, document_id) == folded(engine, document_id)
    assert as_stored(Store(other), document_id) == as_stored(store, document_id)
    assert Store(other).verify_log(document_id) == []
    other.dispose()


def as_stored(store: Store, document_id: int) -> list[tuple[Any, ...]]:
    return [(r.seq, r.data, moment(r.created_at), r.sender, r.digest) for r in store.log(document_id)]


def test_a_commit_refused_by_its_fence_folds_nothing(
    engine: Engine, registered: Registered, typed: Store
) -> None:
    store = typed
    document_id = registered.declaration_id
    now = utcnow()
    old = leases.take(engine, document_id, "a", now=now, seconds=5)
    new = leases.take(engine, document_id, "b", now=now + timedelta(seconds=6), seconds=5)
    assert old is not None and new is not None
    state = store.load(document_id).to_doc().get_update()
    with pytest.raises(leases.StaleLease):
        store.commit([], [Checkpoint(document_id, 61, state)], fences={document_id: old.token})
    assert folded(engine, document_id) == [] and len(unfolded_seqs(engine, document_id)) == 61
    store.commit([], [Checkpoint(document_id, 61, state)], fences={document_id: new.token})
    assert len(folded(engine, document_id)) == 12


def stored_bytes(engine: Engine, document_id: int, upto: int) -> int:
    """What the log up to `upto` takes as stored: each row's bytes, sender, moment and link (8 bytes a
    number), and each segment."""
    with engine.connect() as connection:
        rows = connection.scalar(
            select(
                func.coalesce(
                    func.sum(func.length(DocumentUpdate.data) + func.length(DocumentUpdate.digest) + 8 * 5), 0
                )
            ).where(DocumentUpdate.document_id == document_id, DocumentUpdate.seq <= upto)
        )
        folded_ = connection.scalar(
            select(func.coalesce(func.sum(func.length(DocumentLogSegment.rows) + 64 + 8 * 4), 0)).where(
                DocumentLogSegment.document_id == document_id
            )
        )
    return int(rows) + int(folded_)


def test_folding_shrinks_the_log_several_times(
    engine: Engine, registered: Registered, senders: list[Sender], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(segments, "SEGMENT", 100)
    store = Store(engine)
    document_id = registered.declaration_id
    doc = store.load(document_id).to_doc()
    monkeypatch.setattr(segments, "FOLD_AT_ONCE", 0)
    seq = 1
    for batch in range(12):  # 600 keystrokes in batches of 50, as the room commits them, checkpointed
        pending = []
        for i in range(50):
            before = doc.get_state()
            text = bind(doc)[1][read_paragraphs(doc)[0].id]
            text.insert(len(text) // 2 if i % 7 else 0, "abcdefghij"[i % 10])
            seq += 1
            pending.append(PendingUpdate(document_id, seq, doc.get_update(before), senders[batch % 2]))
        store.commit(pending, [Checkpoint(document_id, seq, doc.get_update())] if batch < 11 else [])
    unfolded_size = stored_bytes(engine, document_id, 500)
    monkeypatch.setattr(segments, "FOLD_AT_ONCE", 10)
    fold_now(store, document_id)  # a checkpoint at 601: folds up to 551
    assert folded(engine, document_id) == [(k, k + 99) for k in range(1, 500, 100)]
    assert unfolded_seqs(engine, document_id) == list(range(501, 602))
    assert stored_bytes(engine, document_id, 500) * 6 < unfolded_size
    with engine.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(DocumentCheckpoint)) == 3
