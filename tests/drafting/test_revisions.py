"""Named revisions: renumbering, the chain of revisions, immutability, and every changed byte found."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pycrdt import Doc
from sqlalchemy import Engine, update
from sqlalchemy.orm import Session

from drafting.catalogue import add_user
from drafting.errors import Conflict, NotFound
from drafting.kinds import DocumentStatus, ParagraphKind, ParagraphStatus, Role
from drafting.layout import Paragraph, bind, read_paragraphs
from drafting.log_rows import LoggedUpdate, log_digest, log_genesis
from drafting.models import DocumentUpdate
from drafting.rendered import render
from drafting.revision_models import Revision
from drafting.revisions import (
    apply_renumbering,
    doc_of,
    make_revision,
    rendered_of,
    renumbering,
    revision_json,
    revisions_of,
    verify_revisions,
)
from drafting.store import PendingUpdate, Store
from tests.drafting.conftest import Registered

PP, OP, HEADING = ParagraphKind.PREAMBULAR, ParagraphKind.OPERATIVE, ParagraphKind.HEADING
AT = datetime(2015, 11, 11, 18, 0, tzinfo=UTC)


def paragraph(pid: str, label: str, kind: ParagraphKind) -> Paragraph:
    return Paragraph(pid, label, kind, "…", ParagraphStatus.OPEN, False)


def test_renumbering_gives_bis_and_ter_their_own_numbers() -> None:
    text = [
        paragraph("h", "", HEADING),
        paragraph("a", "PP1", PP),
        paragraph("b", "PP1bis", PP),
        paragraph("c", "PP2", PP),
        paragraph("d", "OP1", OP),
        paragraph("e", "OP1bis", OP),
        paragraph("f", "OP1ter", OP),
        paragraph("g", "OP2", OP),
    ]
    assert renumbering(text) == {"b": "PP2", "c": "PP3", "e": "OP2", "f": "OP3", "g": "OP4"}
    assert renumbering([paragraph("a", "PP1", PP), paragraph("d", "OP1", OP)]) == {}


class Drafting:
    """A document in the database with the room's part played by hand: edit, commit, load."""

    def __init__(self, engine: Engine, document_id: int) -> None:
        self.store = Store(engine)
        self.document_id = document_id
        self.doc = self.store.load(document_id).to_doc()
        self.seq = self.store.last_seq(document_id)

    def edit(self, change: Any) -> int:
        before = self.doc.get_state()
        with self.doc.transaction(origin="server"):
            change(self.doc)
        self.seq += 1
        self.store.commit([PendingUpdate(self.document_id, self.seq, self.doc.get_update(before))])
        return self.seq

    def type(self, words: str) -> int:
        def change(doc: Doc[Any]) -> None:
            text = bind(doc)[1][read_paragraphs(doc)[-1].id]
            text += words

        return self.edit(change)


@pytest.fixture
def drafting(engine: Engine, registered: Registered) -> Drafting:
    return Drafting(engine, registered.declaration_id)


@pytest.fixture
def ppt(engine: Engine, registered: Registered) -> int:
    with Session(engine) as session, session.begin():
        return add_user(session, "ppt@mex.example", "Presidencia", Role.PPT, "MEX").id


def test_revisions_are_numbered_named_and_chained(
    engine: Engine, registered: Registered, drafting: Drafting, ppt: int
) -> None:
    with Session(engine) as session, session.begin():
        assert (
            make_revision(
                session, drafting.document_id, drafting.doc, drafting.seq, made_by=ppt, at=AT
            ).number
            == 0
        )
    drafting.type(" y la protección 🌎")
    with Session(engine) as session, session.begin():
        make_revision(
            session, drafting.document_id, drafting.doc, drafting.seq, made_by=ppt, at=AT + timedelta(days=1)
        )
        make_revision(
            session,
            drafting.document_id,
            drafting.doc,
            drafting.seq,
            made_by=None,
            at=AT + timedelta(days=2),
            final=True,
        )
    with Session(engine) as session:
        found = revisions_of(session, drafting.document_id)
        assert [(r.number, r.name, r.seq, r.final) for r in found] == [
            (0, "Zero draft", 1, False),
            (1, "Rev.1", 2, False),
            (2, "Final text", 2, True),
        ]
        assert [r.previous for r in found[1:]] == [r.sha256 for r in found[:-1]]
        assert verify_revisions(session, drafting.document_id) == []
        rendered = rendered_of(found[1])
        assert [(p.label, p.text) for p in rendered.paragraphs] == [
            ("OP1", "Acuerdan fortalecer la cooperación; y la protección 🌎")
        ]
        assert rendered == render(doc_of(found[1]))
        assert json.loads(found[0].text)["paragraphs"][0]["versions"] == {}
        assert revision_json(found[2])["made_at"] == "2015-11-13T18:00:00.000000Z"
        with pytest.raises(Conflict, match="adopted"):
            make_revision(session, drafting.document_id, drafting.doc, drafting.seq, made_by=ppt, at=AT)


def test_a_revision_names_a_committed_update_and_never_goes_back(
    engine: Engine, drafting: Drafting, ppt: int
) -> None:
    with Session(engine) as session, pytest.raises(NotFound, match="update 5"):
        make_revision(session, drafting.document_id, drafting.doc, 5, made_by=ppt, at=AT)
    drafting.type(" más")
    with Session(engine) as session, session.begin():
        make_revision(session, drafting.document_id, drafting.doc, 2, made_by=ppt, at=AT)
    with Session(engine) as session, pytest.raises(Conflict, match="back in time"):
        make_revision(session, drafting.document_id, drafting.doc, 1, made_by=ppt, at=AT)


def test_renumbering_is_written_into_info_as_one_edit(engine: Engine, drafting: Drafting, ppt: int) -> None:
    def insert_two(doc: Doc[Any]) -> None:
        from drafting.amendments import insert_paragraph_after

        first = read_paragraphs(doc)[0].id
        second = insert_paragraph_after(doc, first, "Solicitan a la Secretaría Técnica;")
        insert_paragraph_after(doc, second, "Encargan a la PPT;")

    drafting.edit(insert_two)
    assert [p.label for p in read_paragraphs(drafting.doc)] == ["OP1", "OP1bis", "OP1ter"]
    before = {p.id: p for p in read_paragraphs(drafting.doc)}
    seq = drafting.edit(lambda doc: apply_renumbering(doc, renumbering(read_paragraphs(doc))))
    after = read_paragraphs(drafting.doc)
    assert [p.label for p in after] == ["OP1", "OP2", "OP3"]
    assert [(p.id, p.kind, p.status, p.locked, p.text) for p in after] == [
        (p.id, p.kind, p.status, p.locked, p.text) for p in before.values()
    ]
    with Session(engine) as session, session.begin():
        revision = make_revision(session, drafting.document_id, drafting.doc, seq, made_by=ppt, at=AT)
        assert [p.label for p in rendered_of(revision).paragraphs] == ["OP1", "OP2", "OP3"]


def test_revisions_cannot_be_changed_through_the_session(
    engine: Engine, drafting: Drafting, ppt: int
) -> None:
    with Session(engine) as session, session.begin():
        make_revision(session, drafting.document_id, drafting.doc, drafting.seq, made_by=ppt, at=AT)
    with Session(engine) as session:
        revision = revisions_of(session, drafting.document_id)[0]
        revision.name = "Rev.9"
        with pytest.raises(Conflict, match="cannot be altered"):
            session.flush()


def flip(data: bytes, index: int) -> bytes:
    return data[:index] + bytes([data[index] ^ 1]) + data[index + 1 :]


@pytest.mark.parametrize(
    ("column", "change"),
    [
        ("state", lambda r: flip(r.state, len(r.state) // 2)),
        ("text", lambda r: r.text.replace("cooperación", "coordinación")),
        ("name", lambda r: "Rev.1"),
        ("made_at", lambda r: r.made_at + timedelta(seconds=1)),
        ("made_by_id", lambda r: None),
        ("seq", lambda r: r.seq + 1),
    ],
)
def test_a_changed_byte_of_a_revision_is_found_and_named(
    engine: Engine, drafting: Drafting, ppt: int, column: str, change: Any
) -> None:
    with Session(engine) as session, session.begin():
        make_revision(session, drafting.document_id, drafting.doc, drafting.seq, made_by=ppt, at=AT)
    drafting.type(" 🌎")
    with Session(engine) as session, session.begin():
        make_revision(session, drafting.document_id, drafting.doc, drafting.seq, made_by=ppt, at=AT)
    with Session(engine) as session:
        target = revisions_of(session, drafting.document_id)[0]
        value = change(target)
    with engine.begin() as connection:
        connection.execute(update(Revision).where(Revision.id == target.id).values({column: value}))
    with Session(engine) as session:
        breaks = verify_revisions(session, drafting.document_id)
    assert breaks, f"a changed {column} went unnoticed"
    assert {b.item for b in breaks} == {"revision Zero draft (number 0)"} or column == "name"
    assert any("no longer matches its SHA-256" in b.problem for b in breaks)


def test_a_log_rewritten_under_a_revision_is_found(engine: Engine, drafting: Drafting, ppt: int) -> None:
    drafting.type(" uno")
    with Session(engine) as session, session.begin():
        make_revision(session, drafting.document_id, drafting.doc, drafting.seq, made_by=ppt, at=AT)
    # Someone rewrites update 2 and recomputes the log's chain to hide it.
    rows = list(drafting.store.log(drafting.document_id))
    forged = LoggedUpdate(rows[1].document_id, 2, b"\x00\x00", rows[1].created_at, rows[1].sender)
    digest = log_digest(log_digest(log_genesis(drafting.document_id), rows[0]), forged)
    with engine.begin() as connection:
        connection.execute(
            update(DocumentUpdate)
            .where(DocumentUpdate.document_id == drafting.document_id, DocumentUpdate.seq == 2)
            .values(data=forged.data, digest=digest)
        )
    assert drafting.store.verify_log(drafting.document_id) == []
    with Session(engine) as session:
        assert [str(b) for b in verify_revisions(session, drafting.document_id)] == [
            f"document/{drafting.document_id}/revisions: revision Zero draft (number 0): "
            "the update log up to update 2 is not the one it archived"
        ]


def test_an_adopted_state_is_archived_with_its_statuses(engine: Engine, drafting: Drafting) -> None:
    def adopt(doc: Doc[Any]) -> None:
        _, _, info = bind(doc)
        for p in read_paragraphs(doc):
            info[p.id] = {**info[p.id], "status": "agreed", "locked": True}
        info["document"] = {**info["document"], "status": "adopted"}

    seq = drafting.edit(adopt)
    with Session(engine) as session, session.begin():
        revision = make_revision(
            session, drafting.document_id, drafting.doc, seq, made_by=None, at=AT, final=True
        )
        rendered = rendered_of(revision)
    assert rendered.status is DocumentStatus.ADOPTED
    assert [(p.status, p.locked) for p in rendered.paragraphs] == [(ParagraphStatus.AGREED, True)]
