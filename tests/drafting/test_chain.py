"""The chains' canonical form (drafting/chain.py): built directly, it must stay byte for byte the JSON
every stored link was computed over."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drafting.chain import canonical

field = st.one_of(st.none(), st.booleans(), st.integers(), st.text())


@given(st.dictionaries(st.text(), field))
def test_the_canonical_form_is_sorted_compact_json(fields: dict[str, str | int | bool | None]) -> None:
    expected = json.dumps(fields, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    try:
        wanted = expected.encode()
    except UnicodeEncodeError:  # a lone surrogate: neither form can be written as UTF-8
        with pytest.raises(UnicodeEncodeError):
            canonical(fields)
        return
    assert canonical(fields) == wanted


def test_a_stored_link_still_covers_the_same_bytes() -> None:
    fields = {
        "seq": 7,
        "at": "2026-12-01T20:00:00.000000Z",
        "text": 'OP1 "bis"\n¿Migración 🌎?',
        "final": False,
    }
    wanted = '{"at":"2026-12-01T20:00:00.000000Z","final":false,"seq":7,'
    wanted += '"text":"OP1 \\"bis\\"\\n¿Migración 🌎?"}'
    assert canonical(fields) == wanted.encode()


def test_a_value_the_chains_do_not_cover_is_refused() -> None:
    with pytest.raises(TypeError, match="not float"):
        canonical({"amount": 1.5})  # type: ignore[dict-item]
