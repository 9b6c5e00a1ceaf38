from __future__ import annotations

import re
from typing import Any

from pycrdt import Array, Doc, Map, Text

from drafting.kinds import DocumentKind, DocumentStatus, ParagraphKind, ParagraphStatus
from drafting.layout import (
    DOCUMENT_KEY,
    bind,
    label_unlabelled,
    new_draft,
    read_document_info,
    read_paragraphs,
    write_document,
)

H, PP, OP = ParagraphKind.HEADING, ParagraphKind.PREAMBULAR, ParagraphKind.OPERATIVE

DECLARATION = [
    (H, "DECLARACIÓN DE LA CIUDAD DE MÉXICO"),
    (PP, "Reconociendo la contribución de las personas migrantes 🌎;"),
    (PP, "Considerando la Conferencia Regional sobre Migración;"),
    (OP, "Acuerdan fortalecer la cooperación regional;"),
    (OP, "Solicitan a la Secretaría Técnica un informe anual."),
]


def drafted(paragraphs: list[tuple[ParagraphKind, str]] = DECLARATION) -> tuple[Doc[Any], list[str]]:
    doc = new_draft()
    ids = write_document(
        doc,
        title="Declaración de México",
        kind=DocumentKind.DECLARATION,
        status=DocumentStatus.DRAFT,
        paragraphs=paragraphs,
    )
    return doc, ids


def replica(doc: Doc[Any]) -> Doc[Any]:
    """What a client holds after syncing with `doc`."""
    copy: Doc[Any] = Doc()
    copy.apply_update(doc.get_update())
    return copy


def client_inserts(server: Doc[Any], after: str | None, paragraph_id: str, text: str) -> None:
    """A stock Yjs client adds a paragraph (order + text, no info); the server applies its update."""
    client = replica(server)
    order, texts, _ = bind(client)
    before = client.get_state()
    with client.transaction():
        texts[paragraph_id] = Text(text)
        order.insert(0 if after is None else list(order).index(after) + 1, paragraph_id)
    server.apply_update(client.get_update(before))


def labels(doc: Doc[Any]) -> dict[str, str]:
    return {paragraph.id: paragraph.label for paragraph in read_paragraphs(doc)}


def test_write_then_read_round_trip() -> None:
    doc, ids = drafted()
    paragraphs = read_paragraphs(doc)
    assert [p.id for p in paragraphs] == ids
    assert [(p.kind, p.text) for p in paragraphs] == DECLARATION
    assert [p.label for p in paragraphs] == ["", "PP1", "PP2", "OP1", "OP2"]
    assert {p.status for p in paragraphs} == {ParagraphStatus.OPEN}
    assert not any(p.locked for p in paragraphs)


def test_round_trip_through_the_wire_format() -> None:
    doc, _ = drafted()
    assert read_paragraphs(replica(doc)) == read_paragraphs(doc)
    assert read_document_info(replica(doc)) == read_document_info(doc)


def test_paragraph_ids_are_random_and_distinct() -> None:
    _, first = drafted()
    _, second = drafted()
    assert all(re.fullmatch(r"p[0-9a-f]{12}", paragraph_id) for paragraph_id in first + second)
    assert len(set(first + second)) == len(first) + len(second)


def test_the_root_types_are_the_public_contract() -> None:
    doc, ids = drafted()
    order, texts, info = bind(doc)
    assert isinstance(order, Array)
    assert isinstance(texts, Map)
    assert isinstance(info, Map)
    assert list(order) == ids
    assert isinstance(texts[ids[1]], Text)
    assert str(texts[ids[1]]) == "Reconociendo la contribución de las personas migrantes 🌎;"


def test_info_holds_label_kind_status_and_lock_per_paragraph() -> None:
    doc, ids = drafted()
    _, _, info = bind(doc)
    assert info.to_py() == {
        DOCUMENT_KEY: {"title": "Declaración de México", "kind": "declaration", "status": "draft"},
        ids[0]: {"label": "", "kind": "heading", "status": "open", "locked": False},
        ids[1]: {"label": "PP1", "kind": "preambular", "status": "open", "locked": False},
        ids[2]: {"label": "PP2", "kind": "preambular", "status": "open", "locked": False},
        ids[3]: {"label": "OP1", "kind": "operative", "status": "open", "locked": False},
        ids[4]: {"label": "OP2", "kind": "operative", "status": "open", "locked": False},
    }
    assert read_document_info(doc) == {
        "title": "Declaración de México",
        "kind": "declaration",
        "status": "draft",
    }


def test_an_empty_draft() -> None:
    doc, ids = drafted([])
    assert ids == []
    assert read_paragraphs(doc) == []
    assert read_document_info(doc)["title"] == "Declaración de México"
    assert label_unlabelled(doc) is False


def test_a_paragraph_without_info_reads_as_an_open_operative() -> None:
    doc, _ = drafted()
    client_inserts(doc, None, "pnew000000001", "Texto nuevo 👍🏽")
    first = read_paragraphs(doc)[0]
    assert (first.id, first.label, first.kind, first.text) == ("pnew000000001", "", OP, "Texto nuevo 👍🏽")
    assert (first.status, first.locked) == (ParagraphStatus.OPEN, False)


def test_a_paragraph_added_after_op7_is_op7bis_then_op7ter() -> None:
    doc, ids = drafted([(OP, f"Párrafo operativo {n} 🌎") for n in range(1, 10)])
    op7 = ids[6]
    client_inserts(doc, op7, "pnew000000001", "Nuevo párrafo tras OP7")
    with doc.transaction(origin="server"):
        assert label_unlabelled(doc) is True
    assert labels(doc)["pnew000000001"] == "OP7bis"
    client_inserts(doc, "pnew000000001", "pnew000000002", "Y otro más")
    with doc.transaction(origin="server"):
        assert label_unlabelled(doc) is True
    assert labels(doc)["pnew000000002"] == "OP7ter"
    assert [p.label for p in read_paragraphs(doc)][5:10] == ["OP6", "OP7", "OP7bis", "OP7ter", "OP8"]


def test_two_paragraphs_added_at_once_take_successive_suffixes() -> None:
    doc, ids = drafted()
    client_inserts(doc, ids[3], "pnew000000001", "Primero")
    client_inserts(doc, "pnew000000001", "pnew000000002", "Segundo")
    with doc.transaction(origin="server"):
        label_unlabelled(doc)
    assert [p.label for p in read_paragraphs(doc)] == ["", "PP1", "PP2", "OP1", "OP1bis", "OP1ter", "OP2"]


def test_a_new_paragraph_takes_the_kind_of_the_paragraph_before_it() -> None:
    doc, ids = drafted()
    client_inserts(doc, ids[1], "pnew000000001", "Recordando la Declaración de 2014;")
    with doc.transaction(origin="server"):
        label_unlabelled(doc)
    new = next(p for p in read_paragraphs(doc) if p.id == "pnew000000001")
    assert (new.kind, new.label, new.status, new.locked) == (PP, "PP1bis", ParagraphStatus.OPEN, False)


def test_a_new_first_paragraph_defaults_to_preambular() -> None:
    doc, _ = drafted()
    client_inserts(doc, None, "pnew000000001", "Preámbulo añadido")
    with doc.transaction(origin="server"):
        label_unlabelled(doc)
    new = read_paragraphs(doc)[0]
    assert (new.kind, new.label) == (PP, "PP0")


def test_a_paragraph_after_a_heading_takes_the_kind_before_the_heading() -> None:
    doc, ids = drafted([(PP, "Considerando…"), (H, "ACUERDAN"), (OP, "Fortalecer…")])
    client_inserts(doc, ids[1], "pnew000000001", "Recordando…")
    with doc.transaction(origin="server"):
        label_unlabelled(doc)
    assert labels(doc)["pnew000000001"] == "PP1bis"


def test_labelling_twice_writes_nothing_the_second_time() -> None:
    doc, ids = drafted()
    client_inserts(doc, ids[4], "pnew000000001", "Al final")
    with doc.transaction(origin="server"):
        assert label_unlabelled(doc) is True
    before = doc.get_state()
    with doc.transaction(origin="server"):
        assert label_unlabelled(doc) is False
    assert doc.get_state() == before
    assert labels(doc)["pnew000000001"] == "OP2bis"


def test_an_id_in_order_without_text_is_left_alone() -> None:
    doc, _ = drafted()
    order, _, info = bind(doc)
    with doc.transaction():
        order.append("pmissing00000")
    with doc.transaction(origin="server"):
        assert label_unlabelled(doc) is False
    assert "pmissing00000" not in info
    assert "pmissing00000" not in labels(doc)
