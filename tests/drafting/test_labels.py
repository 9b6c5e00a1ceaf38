from __future__ import annotations

import pytest

from drafting.kinds import ParagraphKind
from drafting.labels import SUFFIXES, label_new, number

H, PP, OP = ParagraphKind.HEADING, ParagraphKind.PREAMBULAR, ParagraphKind.OPERATIVE


def test_number_counts_each_kind_and_skips_headings() -> None:
    kinds = [H, PP, PP, H, OP, OP, H, OP]
    assert number(kinds) == ["", "PP1", "PP2", "", "OP1", "OP2", "", "OP3"]


def test_number_of_an_empty_text() -> None:
    assert number([]) == []


def test_operative_numbering_does_not_restart_after_preambular_text() -> None:
    assert number([OP, PP, OP]) == ["OP1", "PP1", "OP2"]


def test_a_paragraph_after_op7_is_op7bis() -> None:
    assert label_new(OP, "OP7", {"OP6", "OP7", "OP8"}) == "OP7bis"


def test_a_paragraph_after_op7bis_is_op7ter() -> None:
    assert label_new(OP, "OP7bis", {"OP7", "OP7bis", "OP8"}) == "OP7ter"


def test_suffixes_follow_the_latin_order() -> None:
    taken = {"PP2"}
    labels = []
    for _ in range(4):
        label = label_new(PP, "PP2", taken)
        taken.add(label)
        labels.append(label)
    assert labels == ["PP2bis", "PP2ter", "PP2quater", "PP2quinquies"]


def test_the_number_comes_from_the_previous_label_the_prefix_from_the_kind() -> None:
    assert label_new(OP, "OP12quater", {"OP12", "OP12bis", "OP12ter", "OP12quater"}) == "OP12quinquies"


def test_before_the_first_paragraph_of_a_kind() -> None:
    assert label_new(OP, None, {"PP1", "OP1"}) == "OP0"
    assert label_new(OP, None, {"PP1", "OP0", "OP1"}) == "OP0bis"
    assert label_new(PP, None, {"PP1"}) == "PP0"


def test_a_heading_has_no_label() -> None:
    assert label_new(H, "OP3", {"OP3"}) == ""


def test_exhausted_suffixes_still_give_a_free_label() -> None:
    taken = {"OP7"} | {f"OP7{suffix}" for suffix in SUFFIXES}
    first = label_new(OP, "OP7", taken)
    second = label_new(OP, "OP7", taken | {first})
    assert first.startswith("OP7")
    assert second.startswith("OP7")
    assert len({first, second} | taken) == len(taken) + 2


@pytest.mark.parametrize("previous", ["OP7", "OP7bis", "OP7decies"])
def test_a_new_label_is_never_one_already_taken(previous: str) -> None:
    taken = {"OP7"} | {f"OP7{suffix}" for suffix in SUFFIXES} | {"OP7-10", "OP7-11"}
    assert label_new(OP, previous, taken) not in taken
