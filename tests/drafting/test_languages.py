"""Language versions of a draft (drafting/languages.py): carried over with the source, stale when the
source moves on after confirmation, confirmed up to date."""

from __future__ import annotations

from typing import Any

import pytest
from pycrdt import Doc, Text

from drafting.consensus.info import write_document_status, write_paragraph
from drafting.consensus.rules import ParagraphState
from drafting.errors import InvalidInput, NotFound
from drafting.kinds import DocumentKind, DocumentStatus, ParagraphKind, ParagraphStatus
from drafting.languages import (
    Languages,
    choose_languages,
    confirm,
    fill_version,
    keep_in_step,
    parse_languages,
    read_languages,
    read_translation,
    read_version,
    source_hash,
    stale_translations,
    write_languages,
)
from drafting.layout import bind, new_draft, write_document
from drafting.structure import delete_paragraph, insert_paragraph

OP = ParagraphKind.OPERATIVE


def bilingual() -> tuple[Doc[Any], list[str]]:
    doc = new_draft()
    ids = write_document(
        doc,
        title="Declaration",
        kind=DocumentKind.DECLARATION,
        status=DocumentStatus.DRAFT,
        paragraphs=[(OP, "Agree to strengthen cooperation;"), (OP, "Promote safe migration.")],
    )
    with doc.transaction(origin="server"):
        write_languages(doc, Languages("en", ("es",)))
        fill_version(doc, "es", ids, ["Acuerdan fortalecer la cooperación;", "Promover."])
    return doc, ids


def marks(doc: Doc[Any], paragraph_id: str) -> dict[str, Any]:
    entry = bind(doc)[2][paragraph_id]
    assert isinstance(entry, dict)
    return dict(entry["translations"])


def edit_source(doc: Doc[Any], paragraph_id: str, words: str) -> None:
    text = bind(doc)[1][paragraph_id]
    assert isinstance(text, Text)
    with doc.transaction():
        text += words
    with doc.transaction(origin="server"):
        keep_in_step(doc, [paragraph_id])


def test_languages_are_configured_as_codes() -> None:
    assert parse_languages(" es, en ,es") == ("es", "en")
    for bad in ("", "es,EN", "español", "e"):
        with pytest.raises(InvalidInput):
            parse_languages(bad)
    assert choose_languages(("es", "en"), None) == Languages("es", ("en",))
    assert choose_languages(("es", "en"), "en") == Languages("en", ("es",))
    with pytest.raises(InvalidInput) as refused:
        choose_languages(("es", "en"), "fr")
    assert refused.value.code == "unknown_language"


def test_a_new_version_holds_every_paragraph_empty_and_stale() -> None:
    doc = new_draft()
    ids = write_document(
        doc, title="T", kind=DocumentKind.DECLARATION, status=DocumentStatus.DRAFT, paragraphs=[(OP, "One.")]
    )
    with doc.transaction(origin="server"):
        write_languages(doc, Languages("en", ("es",)))
    assert read_languages(doc) == Languages("en", ("es",))
    assert read_version(doc, "es") == {ids[0]: ""}
    assert marks(doc, ids[0]) == {"es": {"confirmed_against": None, "confirmed_source": None, "stale": True}}
    assert stale_translations(doc, ids) == [(ids[0], "es")]


def test_editing_a_source_paragraph_marks_exactly_its_translation_stale() -> None:
    doc, (first, second) = bilingual()
    assert stale_translations(doc, [first, second]) == []

    edit_source(doc, first, " and dialogue")

    assert marks(doc, first)["es"]["stale"] is True
    assert marks(doc, first)["es"]["confirmed_source"] == "Agree to strengthen cooperation;"
    assert marks(doc, second)["es"]["stale"] is False
    translation = read_translation(doc, first, "es")
    assert translation.stale and translation.source == "Agree to strengthen cooperation; and dialogue"
    assert stale_translations(doc, [first, second]) == [(first, "es")]


def test_confirming_clears_the_mark_and_records_the_source_confirmed() -> None:
    doc, (first, _) = bilingual()
    edit_source(doc, first, " and dialogue")
    with doc.transaction(origin="server"):
        confirm(doc, first, "es")
    mark = marks(doc, first)["es"]
    assert mark == {
        "confirmed_against": source_hash("Agree to strengthen cooperation; and dialogue"),
        "confirmed_source": "Agree to strengthen cooperation; and dialogue",
        "stale": False,
    }


def test_a_source_put_back_as_confirmed_is_no_longer_stale() -> None:
    doc, (first, _) = bilingual()
    edit_source(doc, first, "!")
    text = bind(doc)[1][first]
    assert isinstance(text, Text)
    with doc.transaction():
        del text[len(text) - 1 :]
    with doc.transaction(origin="server"):
        keep_in_step(doc, [first])
    assert marks(doc, first)["es"]["stale"] is False


def test_statuses_and_locks_keep_the_marks_and_the_document_its_languages() -> None:
    doc, (first, _) = bilingual()
    edit_source(doc, first, "!")
    with doc.transaction(origin="server"):
        write_paragraph(doc, first, ParagraphState(ParagraphStatus.AGREED_AD_REF, locked=True))
        write_document_status(doc, DocumentStatus.UNDER_SILENCE)
    assert marks(doc, first)["es"]["stale"] is True
    assert read_languages(doc) == Languages("en", ("es",))


def test_new_and_deleted_paragraphs_carry_over_to_every_version() -> None:
    doc, (first, second) = bilingual()
    with doc.transaction(origin="server"):
        added = insert_paragraph(doc, first, OP, "Request the Secretariat to report.")
        delete_paragraph(doc, second)
        keep_in_step(doc, None, structure=True)
    assert set(read_version(doc, "es")) == {first, added}
    assert read_version(doc, "es")[added] == ""
    assert stale_translations(doc, [first, added]) == [(added, "es")]


def test_an_unknown_version_or_paragraph_is_not_found() -> None:
    doc, (first, _) = bilingual()
    with pytest.raises(NotFound):
        read_translation(doc, first, "fr")
    with pytest.raises(NotFound):
        read_translation(doc, "p000000000000", "es")
    with pytest.raises(NotFound):
        read_version(doc, "fr")


def test_a_document_with_one_text_has_no_versions() -> None:
    doc = new_draft()
    write_document(doc, title="T", kind=DocumentKind.DECLARATION, status=DocumentStatus.DRAFT, paragraphs=[])
    assert read_languages(doc) is None
    with doc.transaction(origin="server"):
        assert keep_in_step(doc, None) is False
