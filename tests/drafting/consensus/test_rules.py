"""The rules of consensus: paragraph transitions, the silence procedure's deadline, adoption's hash."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from drafting.consensus import rules
from drafting.consensus.rules import (
    FinalParagraph,
    ParagraphState,
    check_break,
    final_text,
    is_due,
    seconds_until,
    silence_deadline,
)
from drafting.errors import Conflict, InvalidInput
from drafting.kinds import DocumentStatus as D
from drafting.kinds import ParagraphKind
from drafting.kinds import ParagraphStatus as S

OPEN = ParagraphState(S.OPEN, locked=False)
OPEN_LOCKED = ParagraphState(S.OPEN, locked=True)
BRACKETED = ParagraphState(S.BRACKETED, locked=False)
AD_REF = ParagraphState(S.AGREED_AD_REF, locked=True)
AGREED = ParagraphState(S.AGREED, locked=True)

# (from, to, reason) → the state after, or the error refusing it
STATUS_TABLE = [
    (OPEN, S.BRACKETED, None, BRACKETED),
    (OPEN, S.AGREED_AD_REF, None, AD_REF),
    (OPEN, S.AGREED, None, AGREED),
    (OPEN, S.OPEN, None, Conflict),
    (OPEN_LOCKED, S.BRACKETED, None, ParagraphState(S.BRACKETED, locked=True)),
    (BRACKETED, S.OPEN, None, OPEN),
    (BRACKETED, S.AGREED_AD_REF, "acuerdo en la sala", AD_REF),
    (BRACKETED, S.BRACKETED, None, Conflict),
    (AD_REF, S.AGREED, None, AGREED),
    (AD_REF, S.OPEN, "consultas con la capital", OPEN),
    (AD_REF, S.BRACKETED, "Guatemala reabre el párrafo", BRACKETED),
    (AD_REF, S.OPEN, None, InvalidInput),
    (AD_REF, S.OPEN, "   ", InvalidInput),
    (AD_REF, S.AGREED_AD_REF, None, Conflict),
    (AGREED, S.OPEN, "reabrir", Conflict),
    (AGREED, S.AGREED_AD_REF, "reabrir", Conflict),
    (AGREED, S.AGREED, None, Conflict),
]


@pytest.mark.parametrize(("before", "target", "reason", "expected"), STATUS_TABLE)
def test_status_transitions(before, target, reason, expected) -> None:
    if isinstance(expected, type):
        with pytest.raises(expected):
            rules.change_status(before, target, D.DRAFT, reason)
    else:
        assert rules.change_status(before, target, D.DRAFT, reason) == expected


LOCK_TABLE = [
    ("lock", OPEN, None, OPEN_LOCKED),
    ("lock", BRACKETED, None, ParagraphState(S.BRACKETED, locked=True)),
    ("lock", OPEN_LOCKED, None, Conflict),
    ("lock", AD_REF, None, Conflict),
    ("lock", AGREED, None, Conflict),
    ("unlock", OPEN_LOCKED, "seguir negociando", OPEN),
    ("unlock", AD_REF, "la capital no confirma", OPEN),
    ("unlock", AD_REF, "", InvalidInput),
    ("unlock", AGREED, "reabrir", Conflict),
    ("unlock", OPEN, "ya abierto", Conflict),
]


@pytest.mark.parametrize(("action", "before", "reason", "expected"), LOCK_TABLE)
def test_lock_and_unlock(action, before, reason, expected) -> None:
    decide = rules.lock if action == "lock" else rules.unlock
    if isinstance(expected, type):
        with pytest.raises(expected):
            decide(before, D.DRAFT, reason)
    else:
        assert decide(before, D.DRAFT, reason) == expected


@pytest.mark.parametrize("document", [D.UNDER_SILENCE, D.ADOPTED])
@pytest.mark.parametrize(
    "change",
    [
        lambda d: rules.change_status(OPEN, S.AGREED_AD_REF, d, None),
        lambda d: rules.lock(OPEN, d, None),
        lambda d: rules.unlock(AD_REF, d, "motivo"),
    ],
)
def test_no_paragraph_changes_while_under_silence_or_adopted(document, change) -> None:
    with pytest.raises(Conflict):
        change(document)


def test_always_locked_statuses_are_locked_whatever_the_path() -> None:
    for before in (OPEN, OPEN_LOCKED, BRACKETED, AD_REF):
        for target in (S.AGREED_AD_REF, S.AGREED):
            if before.status is not target:
                assert rules.change_status(before, target, D.DRAFT, None).locked


def test_a_reason_too_long_is_refused() -> None:
    with pytest.raises(InvalidInput):
        rules.unlock(AD_REF, D.DRAFT, "x" * (rules.REASON_LIMIT + 1))


DOCUMENT_TABLE = [
    ("start", D.DRAFT, D.UNDER_SILENCE),
    ("start", D.UNDER_SILENCE, Conflict),
    ("start", D.ADOPTED, Conflict),
    ("end", D.UNDER_SILENCE, D.DRAFT),
    ("end", D.DRAFT, Conflict),
    ("end", D.ADOPTED, Conflict),
    ("adopt", D.DRAFT, D.ADOPTED),
    ("adopt", D.UNDER_SILENCE, Conflict),
    ("adopt", D.ADOPTED, Conflict),
    ("adopt by silence", D.UNDER_SILENCE, D.ADOPTED),
    ("adopt by silence", D.DRAFT, Conflict),
    ("adopt by silence", D.ADOPTED, Conflict),
]


@pytest.mark.parametrize(("action", "before", "expected"), DOCUMENT_TABLE)
def test_document_transitions(action, before, expected) -> None:
    decide = {
        "start": rules.start_silence,
        "end": rules.end_silence,
        "adopt": rules.adopt,
        "adopt by silence": lambda d: rules.adopt(d, by_silence=True),
    }[action]
    if isinstance(expected, type):
        with pytest.raises(expected):
            decide(before)
    else:
        assert decide(before) is expected


def test_breaking_silence_reopens_but_agreed_text_stays_closed() -> None:
    assert rules.reopen_on_break(AD_REF, "OP3") == OPEN
    assert rules.reopen_on_break(BRACKETED, "OP4") == OPEN
    with pytest.raises(Conflict, match="OP5 is agreed"):
        rules.reopen_on_break(AGREED, "OP5")


# -- the silence procedure's deadline, on an injected clock ----------------------------------------

NOW = datetime(2025, 11, 17, 15, 0, tzinfo=UTC)


def test_default_deadline_is_now_plus_the_setting() -> None:
    assert silence_deadline(NOW, None, timedelta(hours=72)) == datetime(2025, 11, 20, 15, 0, tzinfo=UTC)


def test_requested_deadline_is_kept_in_utc() -> None:
    guatemala = timezone(timedelta(hours=-6))
    requested = datetime(2025, 11, 18, 12, 0, tzinfo=guatemala)
    assert silence_deadline(NOW, requested, timedelta(hours=72)) == datetime(2025, 11, 18, 18, tzinfo=UTC)


@pytest.mark.parametrize(
    "requested",
    [NOW, NOW - timedelta(seconds=1), datetime(2025, 11, 20, 12, 0)],
    ids=["now", "past", "naive"],
)
def test_deadline_must_be_future_and_zoned(requested: datetime) -> None:
    with pytest.raises(InvalidInput):
        silence_deadline(NOW, requested, timedelta(hours=72))


def test_due_exactly_at_the_deadline_and_after() -> None:
    deadline = NOW + timedelta(hours=1)
    assert not is_due(deadline, NOW)
    assert not is_due(deadline, deadline - timedelta(microseconds=1))
    assert is_due(deadline, deadline)
    assert is_due(deadline.replace(tzinfo=None), deadline + timedelta(days=3))  # naive = UTC (SQLite)
    assert seconds_until(deadline, NOW) == 3600.0
    assert seconds_until(deadline, deadline + timedelta(hours=1)) == 0.0


def test_silence_can_be_broken_only_before_the_deadline() -> None:
    deadline = NOW + timedelta(hours=72)
    check_break(D.UNDER_SILENCE, deadline, NOW)
    with pytest.raises(Conflict, match="deadline has passed"):
        check_break(D.UNDER_SILENCE, deadline, deadline)
    with pytest.raises(Conflict):
        check_break(D.DRAFT, deadline, NOW)


# -- adoption's final text and hash -----------------------------------------------------------------

PARAGRAPHS = [
    FinalParagraph("p000000000001", "PP1", ParagraphKind.PREAMBULAR, "Reconociendo la contribución 🌎"),
    FinalParagraph("p000000000002", "OP1", ParagraphKind.OPERATIVE, "Proteger a niñas y niños migrantes."),
]


def test_final_text_hash_is_stable() -> None:
    first = final_text(PARAGRAPHS)
    again = final_text(list(PARAGRAPHS))
    assert first == again
    # Pinned: the canonical form must never drift, or stored hashes stop matching.
    assert first.text.startswith('[{"id":"p000000000001","kind":"preambular","label":"PP1","text":"Recon')
    import hashlib

    assert first.sha256 == hashlib.sha256(first.text.encode("utf-8")).hexdigest()
    assert len(first.sha256) == 64


@pytest.mark.parametrize(
    "changed",
    [
        [PARAGRAPHS[1], PARAGRAPHS[0]],
        [PARAGRAPHS[0], FinalParagraph("p000000000002", "OP2", ParagraphKind.OPERATIVE, PARAGRAPHS[1].text)],
        [PARAGRAPHS[0], FinalParagraph("p000000000002", "OP1", ParagraphKind.OPERATIVE, "Proteger.")],
    ],
    ids=["order", "label", "text"],
)
def test_final_text_hash_changes_with_order_labels_and_text(changed) -> None:
    assert final_text(changed).sha256 != final_text(PARAGRAPHS).sha256
