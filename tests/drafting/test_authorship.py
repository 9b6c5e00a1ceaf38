"""Authorship from the log: who wrote which words, through concurrency, amendments and compensation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from pycrdt import Doc, Map, Text, TransactionEvent

from drafting.activity import edits_by_minute
from drafting.amendments import replace_text
from drafting.authorship import Attribution, AuthoredSpan, authorship, by_delegation
from drafting.guard import Guard, Rights
from drafting.kinds import DocumentKind, DocumentStatus, ParagraphKind, UpdateOrigin
from drafting.layout import bind, new_draft, read_paragraphs, write_document
from drafting.log_rows import LoggedUpdate
from drafting.senders import Sender
from drafting.textpos import utf8_offset, utf16_to_codepoint

MEX, GTM, PPT_USER, ANA, LUIS = 1, 2, 10, 11, 12
IMPORTED = Sender.server(UpdateOrigin.IMPORT)
DELEGATE = Rights(edit_text=True, restructure=False)
AT = datetime(2015, 11, 11, tzinfo=UTC)


class Server:
    """A document as a room keeps it: every transaction on it becomes one row of the log, under a sender."""

    def __init__(self, *texts: str) -> None:
        self.doc = new_draft()
        self.log: list[LoggedUpdate] = []
        self.sender = IMPORTED
        self._subscription = self.doc.observe(self._capture)
        self.ids = write_document(
            self.doc,
            title="Declaración",
            kind=DocumentKind.DECLARATION,
            status=DocumentStatus.DRAFT,
            paragraphs=[(ParagraphKind.OPERATIVE, text) for text in texts],
        )
        self.guard = Guard(self.doc)

    def _capture(self, event: TransactionEvent) -> None:
        if event.update != b"\x00\x00":
            self.log.append(LoggedUpdate(1, len(self.log) + 1, event.update, AT, self.sender))

    def client(self) -> Doc[Any]:
        doc: Doc[Any] = Doc()
        doc.apply_update(self.doc.get_update())
        return doc

    def receive(self, update: bytes, sender: Sender) -> None:
        self.sender = sender
        self.guard.apply(update, DELEGATE)

    def edit(self, change: Callable[[Doc[Any]], None], sender: Sender) -> None:
        self.sender = sender
        with self.doc.transaction(origin="server"):
            change(self.doc)


def edit(client: Doc[Any], change: Callable[[Text], None], paragraph: str) -> bytes:
    before = client.get_state()
    text = bind(client)[1][paragraph]
    assert isinstance(text, Text)
    change(text)
    return client.get_update(before)


def insert(at: str | int, words: str) -> Callable[[Text], None]:
    def change(text: Text) -> None:
        current = str(text)
        index = len(current) if at == "end" else current.index(at) if isinstance(at, str) else at
        text.insert(utf8_offset(current, index), words)

    return change


def remove(words: str) -> Callable[[Text], None]:
    def change(text: Text) -> None:
        current = str(text)
        start = current.index(words)
        del text[utf8_offset(current, start) : utf8_offset(current, start + len(words))]

    return change


def authored(doc: Doc[Any], spans: list[AuthoredSpan]) -> list[tuple[str, int | None, UpdateOrigin | None]]:
    texts = {p.id: p.text for p in read_paragraphs(doc)}
    result = []
    for span in spans:
        text = texts[span.paragraph_id]
        start, end = utf16_to_codepoint(text, span.start), utf16_to_codepoint(text, span.end)
        result.append((text[start:end], span.sender.delegation_id, span.sender.origin))
    return result


def test_concurrent_edits_of_two_delegations_and_an_incorporated_amendment() -> None:
    server = Server("Acuerdan fortalecer la cooperación;")
    paragraph = server.ids[0]
    ana, luis = server.client(), server.client()
    # Concurrent: neither has seen the other's edit.
    from_ana = edit(ana, insert(";", " regional 🌎"), paragraph)
    from_luis = edit(luis, insert("la cooperación", "y ampliar "), paragraph)
    server.receive(from_ana, Sender.participant(ANA, MEX))
    server.receive(from_luis, Sender.participant(LUIS, GTM))
    amendment = Sender.amendment(PPT_USER, GTM, 7)
    current = read_paragraphs(server.doc)[0].text
    server.edit(
        lambda doc: replace_text(doc, paragraph, current, current.replace(";", " y la protección;")),
        amendment,
    )
    assert read_paragraphs(server.doc)[0].text == (
        "Acuerdan fortalecer y ampliar la cooperación regional 🌎 y la protección;"
    )
    spans = authorship(server.log)
    assert authored(server.doc, spans) == [
        ("Acuerdan fortalecer ", None, UpdateOrigin.IMPORT),
        ("y ampliar ", GTM, UpdateOrigin.CLIENT),
        ("la cooperación", None, UpdateOrigin.IMPORT),
        (" regional 🌎", MEX, UpdateOrigin.CLIENT),
        (" y la protección", GTM, UpdateOrigin.AMENDMENT),
        (";", None, UpdateOrigin.IMPORT),
    ]
    incorporated = spans[4].sender
    assert (incorporated.user_id, incorporated.position_version_id) == (PPT_USER, 7)
    # UTF-16 like the browser: the emoji is two units.
    assert (spans[3].start, spans[3].end) == (44, 56)
    assert by_delegation(spans) == {None: 35, GTM: 26, MEX: 12}


def test_text_the_guard_puts_back_keeps_its_author() -> None:
    server = Server("Reconociendo la contribución de las personas migrantes;", "Acuerdan cooperar;")
    locked, other = server.ids
    ana = server.client()
    server.receive(edit(ana, insert("migrantes", "y refugiadas "), locked), Sender.participant(ANA, MEX))
    server.edit(
        lambda doc: bind(doc)[2].__setitem__(locked, {**bind(doc)[2][locked], "locked": True}), IMPORTED
    )
    server.guard.close()
    server.guard = Guard(server.doc)
    luis = server.client()
    # GTM deletes words of the locked paragraph and types elsewhere, in one update.
    update_before = luis.get_state()
    edit(luis, remove("la contribución de "), locked)
    edit(luis, insert("end", " ya"), other)
    server.receive(luis.get_update(update_before), Sender.participant(LUIS, GTM))
    # And replaces the locked paragraph's text whole.
    replaced_before = luis.get_state()
    bind(luis)[1][locked] = Text("otra cosa")
    server.receive(luis.get_update(replaced_before), Sender.participant(LUIS, GTM))
    assert [p.text for p in read_paragraphs(server.doc)] == [
        "Reconociendo la contribución de las personas y refugiadas migrantes;",
        "Acuerdan cooperar; ya",
    ]
    assert authored(server.doc, authorship(server.log)) == [
        ("Reconociendo la contribución de las personas ", None, UpdateOrigin.IMPORT),
        ("y refugiadas ", MEX, UpdateOrigin.CLIENT),
        ("migrantes;", None, UpdateOrigin.IMPORT),
        ("Acuerdan cooperar;", None, UpdateOrigin.IMPORT),
        (" ya", GTM, UpdateOrigin.CLIENT),
    ]


def test_words_typed_over_a_selection_are_the_typists() -> None:
    server = Server("Promoverán una migración segura y ordenada.")
    paragraph = server.ids[0]
    ana = server.client()

    def type_over(text: Text) -> None:
        remove("segura y ordenada")(text)
        insert(".", "segura, ordenada y regular")(text)

    server.receive(edit(ana, type_over, paragraph), Sender.participant(ANA, MEX))
    assert authored(server.doc, authorship(server.log)) == [
        # The words the typist typed again, where they were, stay the original drafter's.
        ("Promoverán una migración segura", None, UpdateOrigin.IMPORT),
        (",", MEX, UpdateOrigin.CLIENT),
        (" ordenada", None, UpdateOrigin.IMPORT),
        (" y regular", MEX, UpdateOrigin.CLIENT),
        (".", None, UpdateOrigin.IMPORT),
    ]


def test_a_past_state_has_the_authors_it_had() -> None:
    server = Server("Acuerdan;")
    paragraph = server.ids[0]
    ana = server.client()
    server.receive(edit(ana, insert(";", " cooperar"), paragraph), Sender.participant(ANA, MEX))
    server.receive(edit(ana, remove(" cooperar"), paragraph), Sender.participant(ANA, MEX))
    halfway = Doc()
    for row in server.log[:2]:
        halfway.apply_update(row.data)
    assert authored(halfway, authorship(server.log[:2])) == [
        ("Acuerdan", None, UpdateOrigin.IMPORT),
        (" cooperar", MEX, UpdateOrigin.CLIENT),
        (";", None, UpdateOrigin.IMPORT),
    ]
    assert authored(server.doc, authorship(server.log)) == [("Acuerdan;", None, UpdateOrigin.IMPORT)]


def test_replay_counts_what_each_update_inserted_and_deleted() -> None:
    server = Server("Acuerdan;")
    paragraph = server.ids[0]
    ana = server.client()
    server.receive(edit(ana, insert(";", " cooperar 🌎"), paragraph), Sender.participant(ANA, MEX))
    server.receive(edit(ana, remove("cooperar "), paragraph), Sender.participant(ANA, MEX))
    attribution = Attribution()
    counts = attribution.replay(server.log)
    attribution.close()
    assert [(c.seq, c.inserted, c.deleted) for c in counts] == [(1, 9, 0), (2, 11, 0), (3, 0, 9)]


ALPHABET = st.sampled_from(list("ab ñé🌎,"))
EDITS = st.lists(
    st.tuples(
        st.integers(0, 2), st.booleans(), st.integers(0, 10_000), st.text(ALPHABET, min_size=1, max_size=6)
    ),
    min_size=1,
    max_size=40,
)


@settings(max_examples=60, deadline=None)
@given(EDITS)
def test_every_character_is_attributed_to_whoever_typed_it(edits: list[tuple[int, bool, int, str]]) -> None:
    """A model of the text as (character, delegation) pairs, against the replayed attribution."""
    server = Server("Acuerdan")
    paragraph = server.ids[0]
    model: list[tuple[str, int | None]] = [(char, None) for char in "Acuerdan"]
    client = server.client()
    for who, deleting, where, words in edits:
        current = "".join(char for char, _ in model)
        if deleting and current:
            start = where % len(current)
            end = min(len(current), start + len(words))
            update = edit(
                client,
                lambda text, s=start, e=end, c=current: text.__delitem__(
                    slice(utf8_offset(c, s), utf8_offset(c, e))
                ),
                paragraph,
            )  # type: ignore[misc]
            del model[start:end]
        else:
            index = where % (len(current) + 1)
            update = edit(client, insert(index, words), paragraph)
            model[index:index] = [(char, who) for char in words]
        server.receive(update, Sender.participant(100 + who, who))
    spans = authorship(server.log)
    attributed = [(char, delegation) for text, delegation, _ in authored(server.doc, spans) for char in text]
    assert attributed == model


def test_edits_are_summarised_per_user_and_minute() -> None:
    server = Server("Acuerdan;")
    paragraph = server.ids[0]
    ana, luis = server.client(), server.client()
    server.receive(edit(ana, insert(";", " cooperar"), paragraph), Sender.participant(ANA, MEX))
    server.receive(edit(luis, insert(0, "Y "), paragraph), Sender.participant(LUIS, GTM))
    ana.apply_update(server.doc.get_update(ana.get_state()))
    server.receive(edit(ana, remove("cooperar"), paragraph), Sender.participant(ANA, MEX))
    minute = timedelta(minutes=1)
    when = [AT, AT + minute, AT + minute + timedelta(seconds=59), AT + 2 * minute + timedelta(seconds=1)]
    log = [replace(row, created_at=at) for row, at in zip(server.log, when, strict=True)]
    lines = [
        (line.minute - AT, line.user_id, line.updates, line.inserted, line.deleted)
        for line in edits_by_minute(log)
    ]
    assert lines == [
        (timedelta(0), None, 1, 9, 0),
        (minute, ANA, 1, 9, 0),
        (minute, LUIS, 1, 2, 0),
        (2 * minute, ANA, 1, 0, 8),
    ]
    assert edits_by_minute(log)[1].as_json()["minute"] == "2015-11-11T00:01:00.000000Z"


SPREAD_EDITS = st.lists(
    st.tuples(
        st.integers(0, 2),
        st.booleans(),
        st.lists(st.integers(0, 10_000), min_size=1, max_size=4),
        st.text(ALPHABET, min_size=1, max_size=4),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(SPREAD_EDITS)
def test_an_update_that_changes_several_places_keeps_every_other_author(
    edits: list[tuple[int, bool, list[int], str]],
) -> None:
    """One update inserting, or deleting, at several places of a paragraph at once (as a client that was
    offline sends its edits): each change is spliced where it is, the text between keeps its authors."""
    server = Server("Reconociendo la contribución de los migrantes 🌎;", "Acuerdan")
    paragraph = server.ids[0]
    model: list[tuple[str, int | None]] = [(char, None) for char in str(bind(server.doc)[1][paragraph])]
    client = server.client()
    for who, deleting, places, words in edits:
        current = "".join(char for char, _ in model)
        if deleting and current:
            ranges = sorted(
                {(p % len(current), min(len(current), p % len(current) + len(words))) for p in places}
            )
            kept = [not any(start <= i < end for start, end in ranges) for i in range(len(current))]

            def delete(text: Text, c: str = current, keep: list[bool] = kept) -> None:
                for index in reversed(range(len(c))):
                    if not keep[index]:
                        del text[utf8_offset(c, index) : utf8_offset(c, index + 1)]

            update = edit(client, delete, paragraph)
            model = [pair for pair, keep in zip(model, kept, strict=True) if keep]
        else:
            at = sorted({p % (len(current) + 1) for p in places}, reverse=True)

            def add(text: Text, c: str = current, where: list[int] = at, w: str = words) -> None:
                for index in where:
                    text.insert(utf8_offset(c, index), w)

            update = edit(client, add, paragraph)
            for index in at:
                model[index:index] = [(char, who) for char in words]
        server.receive(update, Sender.participant(100 + who, who))
    spans = [span for span in authorship(server.log) if span.paragraph_id == paragraph]
    attributed = [(char, delegation) for text, delegation, _ in authored(server.doc, spans) for char in text]
    assert attributed == model


def recorded() -> tuple[Map[Any], list[bytes]]:
    """The paragraphs of a new document, and the updates each change to them makes."""
    doc: Doc[Any] = Doc()
    updates: list[bytes] = []
    doc.observe(lambda event: updates.append(event.update))
    return bind(doc)[1], updates


def runs_of_p(updates: list[bytes]) -> list[list[tuple[str, int | None]]]:
    """Paragraph "p"'s runs (text, delegation) after each update, the n-th sent by delegation n."""
    attribution = Attribution()
    found = []
    for number, update in enumerate(updates):
        attribution.apply(update, Sender.participant(100 + number, number))
        found.append([(run.text, run.sender.delegation_id) for run in attribution.runs["p"]])
    return found


def test_offsets_the_text_does_not_count_never_attribute_a_wrong_text() -> None:
    """An embed counts in a delta's offsets but not in the text (a log from an unguarded room): the runs
    still spell the paragraph, each part with the author it had."""
    paragraphs, updates = recorded()
    paragraphs["p"] = Text("abc")
    paragraphs["p"].insert_embed(0, {"e": 1})
    del paragraphs["p"][2:3]  # the "b": the embed is offset 0
    assert runs_of_p(updates)[-1] == [("a", 0), ("c", 2)]


def test_a_text_with_an_embed_is_never_read_through_its_length_alone() -> None:
    """The embed counts one in the text's length, so the runs' UTF-8 length after a delta can match it
    while they spell a wrong text; once the embed is gone, typing is attributed as before."""
    paragraphs, updates = recorded()
    paragraphs["p"] = Text("xy")
    paragraphs["p"].insert(2, "abc")
    paragraphs["p"].insert_embed(0, {"e": 1})
    del paragraphs["p"][1:6]  # all the characters: the embed is offset 0
    paragraphs["p"].insert(1, "ñ")
    del paragraphs["p"][0:1]  # the embed
    paragraphs["p"].insert(2, "d")
    assert runs_of_p(updates) == [
        [("xy", 0)],
        [("xy", 0), ("abc", 1)],
        [("xy", 0), ("abc", 1)],
        [],
        [("ñ", 4)],
        [("ñ", 4)],
        [("ñ", 4), ("d", 6)],
    ]


def test_an_embed_that_shifts_offsets_into_a_character_is_carried_not_a_crash() -> None:
    """With an embed before it, a delta's byte offsets cut "ñ" in two in the runs' text: the replay takes
    the text as it is (what came back keeps its author) instead of failing."""
    paragraphs, updates = recorded()
    paragraphs["p"] = Text("ñb")
    paragraphs["p"].insert_embed(0, {"e": 1})
    paragraphs["p"].insert(1, "c")  # after the embed: offset 1, inside "ñ" for the runs
    assert runs_of_p(updates)[-1] == [("c", 2), ("ñb", 0)]
