"""Comments: threads, visibility, edits with history, and spans that follow the text."""

from __future__ import annotations

from typing import Any

import pytest
from pycrdt import Doc, Text
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from drafting import comments
from drafting.catalogue import user_by_email
from drafting.demo import load_demo
from drafting.errors import Conflict, InvalidInput, NotFound, NotPermitted
from drafting.kinds import Visibility
from drafting.layout import bind, read_paragraphs
from drafting.store import Store
from drafting.textpos import utf8_offset

HEAD_MEX, DELEGATE_MEX, HEAD_GTM, OBSERVER = (
    "head.mex@demo.consenso",
    "delegate.mex@demo.consenso",
    "head.gtm@demo.consenso",
    "observer.iom@demo.consenso",
)


@pytest.fixture
def demo(engine: Engine) -> tuple[Engine, Doc[Any]]:
    with Session(engine) as session, session.begin():
        load_demo(session)
    return engine, Store(engine).load(1).to_doc()


def text_of(doc: Doc[Any], paragraph_id: str) -> Text:
    text = bind(doc)[1][paragraph_id]
    assert isinstance(text, Text)
    return text


def test_a_span_follows_its_words_through_edits_renumbering_and_moves(demo: tuple[Engine, Doc[Any]]) -> None:
    engine, doc = demo
    target = read_paragraphs(doc)[3]
    text = text_of(doc, target.id)
    with doc.transaction():
        text.insert(0, "Migración 🌎 ")
    content = str(text)
    word = content.split()[3]
    start = len(content[: content.index(word)].encode("utf-16-le")) // 2
    span = (start, start + len(word.encode("utf-16-le")) // 2)
    with Session(engine) as session, session.begin():
        made = comments.add_comment(
            session,
            doc,
            1,
            user_by_email(session, HEAD_MEX),
            target.id,
            "¿Por qué «esto»? 🤔",
            Visibility.PARTICIPANTS,
            span,
        )
        comment_id = made.id
        assert comments.span_now(made, doc) == {
            "quote": word,
            "start": span[0],
            "end": span[1],
            "text": word,
            "detached": False,
        }
    order, _, info = bind(doc)
    with doc.transaction():
        text.insert(0, "¡Niñez 👧🏽! ")  # an edit before the span, with a multi-code-point emoji
        text.insert(utf8_offset(str(text), len(str(text))), " …y más")
        meta = dict(info[target.id])
        info[target.id] = {**meta, "label": "PP9"}  # renumbered by a revision
        del order[3]
        order.insert(0, target.id)  # moved to the top
    with Session(engine) as session:
        [thread] = [t for t in comments.threads(session, doc, 1, None) if t["id"] == comment_id]
    assert thread["paragraph"] == {"id": target.id, "label": "PP9", "present": True}
    assert (
        thread["span"]["text"] == word
        and thread["span"]["start"] == span[0] + len("¡Niñez 👧🏽! ".encode("utf-16-le")) // 2
    )
    with doc.transaction():
        del text[0 : len(str(text).encode())]
    with Session(engine) as session:
        [thread] = [t for t in comments.threads(session, doc, 1, None) if t["id"] == comment_id]
    assert thread["span"]["detached"] and thread["span"]["quote"] == word


def test_delegation_notes_are_seen_only_inside_the_delegation(demo: tuple[Engine, Doc[Any]]) -> None:
    engine, doc = demo
    paragraph_id = read_paragraphs(doc)[1].id
    with Session(engine) as session, session.begin():
        mex, gtm = user_by_email(session, HEAD_MEX), user_by_email(session, HEAD_GTM)
        note = comments.add_comment(session, doc, 1, mex, paragraph_id, "Nota interna", Visibility.DELEGATION)
        comments.reply(session, 1, note.id, user_by_email(session, DELEGATE_MEX), "De acuerdo ✅")
        assert [t["body"] for t in comments.threads(session, doc, 1, mex.delegation_id)] == ["Nota interna"]
        assert comments.threads(session, doc, 1, gtm.delegation_id) == []
        with pytest.raises(NotFound):
            comments.reply(session, 1, note.id, gtm, "¿Qué nota?")
        observer = user_by_email(session, OBSERVER)
        public = comments.add_comment(
            session, doc, 1, observer, paragraph_id, "Observación", Visibility.PARTICIPANTS
        )
        assert comments.comment_json(public, doc)["by_observer"] is True


def test_edits_keep_their_history_and_threads_resolve_and_reopen(demo: tuple[Engine, Doc[Any]]) -> None:
    engine, doc = demo
    paragraph_id = read_paragraphs(doc)[1].id
    with Session(engine) as session, session.begin():
        mex = user_by_email(session, HEAD_MEX)
        made = comments.add_comment(
            session, doc, 1, mex, paragraph_id, "Primera versión", Visibility.PARTICIPANTS
        )
        comments.edit(session, 1, made.id, mex, "Segunda versión ✍️")
        with pytest.raises(NotPermitted):
            comments.edit(session, 1, made.id, user_by_email(session, HEAD_GTM), "ajena")
        assert [h["body"] for h in comments.history(session, 1, made.id, None)] == [
            "Primera versión",
            "Segunda versión ✍️",
        ]
        comments.resolve(session, 1, made.id, mex)
        with pytest.raises(Conflict):
            comments.resolve(session, 1, made.id, mex)
        assert comments.resolve(session, 1, made.id, mex, resolved=False).resolved_at is None


def test_bad_input_is_refused(demo: tuple[Engine, Doc[Any]]) -> None:
    engine, doc = demo
    paragraph_id = read_paragraphs(doc)[1].id
    with Session(engine) as session, session.begin():
        mex = user_by_email(session, HEAD_MEX)
        with pytest.raises(NotFound):
            comments.add_comment(session, doc, 1, mex, "p000000000000", "x", Visibility.PARTICIPANTS)
        with pytest.raises(InvalidInput):
            comments.add_comment(session, doc, 1, mex, paragraph_id, " ", Visibility.PARTICIPANTS)
        with pytest.raises(InvalidInput):
            comments.add_comment(session, doc, 1, mex, paragraph_id, "x" * 10_001, Visibility.PARTICIPANTS)
        with pytest.raises(InvalidInput):
            comments.add_comment(
                session, doc, 1, mex, paragraph_id, "x", Visibility.PARTICIPANTS, (5, 100_000)
            )
        with pytest.raises(InvalidInput):
            comments.add_comment(session, doc, 1, mex, paragraph_id, "x", Visibility.PARTICIPANTS, (5, 5))


def test_the_observer_setting_is_stored_per_document(demo: tuple[Engine, Doc[Any]]) -> None:
    engine, _ = demo
    with Session(engine) as session, session.begin():
        assert not comments.observers_may_comment(session, 1)
        comments.set_observers_may_comment(session, 1, True, user_by_email(session, "ppt@demo.consenso"))
        assert comments.observers_may_comment(session, 1)
        assert not comments.observers_may_comment(session, 2)


@pytest.mark.parametrize("typed_by_another_client", [False, True])
def test_a_span_on_an_emoji_or_after_an_accent_is_read_back(
    demo: tuple[Engine, Doc[Any]], typed_by_another_client: bool
) -> None:
    engine, doc = demo
    target = read_paragraphs(doc)[2]
    words = "🌎 niñas y niños"
    if typed_by_another_client:
        other: Doc[Any] = Doc()
        other.apply_update(doc.get_update())
        with other.transaction():
            text_of(other, target.id).insert(0, words + " ")
        doc.apply_update(other.get_update(doc.get_state()))
    else:
        with doc.transaction():
            text_of(doc, target.id).insert(0, words + " ")
    with Session(engine) as session, session.begin():
        author = user_by_email(session, HEAD_MEX)
        on_emoji = comments.add_comment(
            session, doc, 1, author, target.id, "🌎", Visibility.PARTICIPANTS, (0, 2)
        )
        after_accent = comments.add_comment(
            session, doc, 1, author, target.id, "ñ", Visibility.PARTICIPANTS, (3, 8)
        )
        assert comments.span_now(on_emoji, doc)["text"] == "🌎"  # type: ignore[index]
        assert comments.span_now(after_accent, doc)["text"] == "niñas"  # type: ignore[index]


def test_a_span_at_the_end_of_text_typed_elsewhere_is_kept_by_its_words(
    demo: tuple[Engine, Doc[Any]],
) -> None:
    """pycrdt 0.14 cannot place a sticky index near the end of a remote block with non-ASCII text."""
    engine, doc = demo
    target = read_paragraphs(doc)[2]
    other: Doc[Any] = Doc()
    other.apply_update(doc.get_update())
    with other.transaction():
        paragraph = text_of(other, target.id)
        del paragraph[0 : len(str(paragraph).encode())]
        paragraph.insert(0, "🌎 abc")
    doc.apply_update(other.get_update(doc.get_state()))
    with Session(engine) as session, session.begin():
        author = user_by_email(session, HEAD_MEX)
        made = comments.add_comment(
            session, doc, 1, author, target.id, "¿bc?", Visibility.PARTICIPANTS, (4, 6)
        )
        assert comments.span_now(made, doc) == {
            "quote": "bc",
            "start": 4,
            "end": 6,
            "text": "bc",
            "detached": False,
        }
    with doc.transaction():
        text_of(doc, target.id).insert(0, "¡Sí! ")
    with Session(engine) as session:
        [thread] = [
            t for t in comments.threads(session, doc, 1, None) if (t["span"] or {}).get("quote") == "bc"
        ]
        assert thread["span"]["text"] == "bc" and thread["span"]["start"] == 9
