"""Word-level diffs for people: whole words, accents and emoji intact, described in plain words."""

from __future__ import annotations

from drafting.textdiff import Change, describe, is_unchanged, to_html, word_diff


def test_a_changed_word_is_replaced_whole() -> None:
    assert word_diff("Migración segura 🌎", "Movilidad segura 🌎") == [
        Change("delete", "Migración"),
        Change("insert", "Movilidad"),
        Change("equal", " segura 🌎"),
    ]


def test_an_insertion_is_described_after_its_neighbour() -> None:
    changes = word_diff("safe and orderly migration", "safe, regular and orderly migration")
    assert describe(changes) == "add ', regular' after 'safe'"
    assert describe(word_diff("una migración segura", "una migración segura y regular")) == (
        "add 'y regular' after 'segura'"
    )


def test_deletions_and_replacements_are_described() -> None:
    assert describe(word_diff("Acuerdan fortalecer la cooperación", "Acuerdan la cooperación")) == (
        "delete 'fortalecer'"
    )
    assert describe(word_diff("Migración 🌎 segura", "Migración 🌍 segura")) == "replace '🌎' with '🌍'"


def test_equal_texts_have_no_changes() -> None:
    assert is_unchanged(word_diff("Niñez migrante", "Niñez migrante"))
    assert describe(word_diff("Niñez migrante", "Niñez migrante")) == ""


def test_html_escapes_everything_and_attributes_changes() -> None:
    rendered = to_html(word_diff("a <b> & c", "a <script> & c"), by='MEX, "CRI"')
    assert "<script>" not in rendered and "<b>" not in rendered
    assert rendered == (
        'a &lt;<del title="MEX, &quot;CRI&quot;">b</del>'
        '<ins title="MEX, &quot;CRI&quot;">script</ins>&gt; &amp; c'
    )
