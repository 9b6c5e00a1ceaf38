"""The draft's CRDT layout as rules the guard enforces on every client update (README, CRDT layout).

The layout is a table of root types (`ROOTS`): a client may write only there, and only entries of the
kind each root holds. Sizes are bounded by `LayoutLimits`. What an update writes outside the contract is
found two ways: the guard's shadow observers see what a reader of the document would see (values of the
wrong type, bad ids, oversize text, embeds), and `hostile_items` reads the update's own items for what no
reader sees (formatting over the limits, entries of the wrong kind, content of unknown roots), so the
guard can delete exactly those items. Refusals are written for the person whose client sent the update.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from drafting.errors import InvalidInput
from drafting.languages import language_of_root
from drafting.layout import DOCUMENT_KEY
from drafting.update_items import Content, Id, Item, TypeRef, format_size

PARAGRAPH_ID = re.compile(r"p[0-9a-f]{12}")
MAX_PARAGRAPH_CHARS = 20_000  # the default of CONSENSO_MAX_PARAGRAPH_CHARS
MOST_PARAGRAPH_CHARS = 10**6  # the most it may be set to


@dataclass(frozen=True)
class LayoutLimits:
    """Sizes a client update may not exceed (the server's settings choose them)."""

    max_paragraph_chars: int = MAX_PARAGRAPH_CHARS  # code points of one paragraph, however it is written
    max_paragraphs: int = 1_000  # keys of `paragraphs`, entries of `order`
    max_formatting_chars: int = 256  # one formatting attribute: its name and its JSON value


DEFAULT_LIMITS = LayoutLimits()


def check_paragraph_length(text: str, limits: LayoutLimits, what: str, then: str) -> None:
    """The length rule for a paragraph's text the server writes (a given or inserted paragraph, an
    incorporated amendment, a corrected translation, a restored revision); a client's edit meets the same
    limit in the guard and an import in drafting.importing. `what` names the text, `then` says what to do."""
    if len(text) > limits.max_paragraph_chars:
        raise InvalidInput(
            f"{what} has {len(text)} characters, more than the {limits.max_paragraph_chars} a paragraph "
            f"may hold: {then}",
            code="paragraph_text_too_long",
            characters=len(text),
            limit=limits.max_paragraph_chars,
        )


class Entries(Enum):
    """What a root type holds: list items (a Y.Array) or keyed entries (a Y.Map)."""

    LIST = "list"
    KEYED = "keyed"


@dataclass(frozen=True)
class Root:
    """One root type of the layout: how it holds entries, what an entry may be (a shared type, or None
    for a plain value such as a string), and whether clients write it."""

    name: str
    entries: Entries
    values: frozenset[TypeRef | None]
    described: str  # in the README's words
    client_written: bool = True


# The public layout; a client that knows only these keeps working. Language versions add one root per
# language (`translations.es`, see `root_named`).
ROOTS: dict[str, Root] = {
    root.name: root
    for root in (
        Root("order", Entries.LIST, frozenset({None}), "paragraph ids in reading order"),
        Root("paragraphs", Entries.KEYED, frozenset({TypeRef.TEXT}), "paragraph id → Y.Text"),
        Root(
            "info",
            Entries.KEYED,
            frozenset({None, TypeRef.MAP}),
            "labels, statuses and locks",
            client_written=False,
        ),
    )
}

# The roots the guard's shadow observes (drafting.shadow): it tells what is wrong there itself.
OBSERVED_ROOTS = frozenset({"order", "paragraphs", "info"})

# A language version (drafting.languages): paragraph id → Y.Text, keys written by the server only.
TRANSLATION = Root("translations.*", Entries.KEYED, frozenset({TypeRef.TEXT}), "paragraph id → Y.Text")


def root_named(name: str) -> Root | None:
    """The layout's root of that name: one of ROOTS, a language version, or None."""
    return ROOTS.get(name) or (TRANSLATION if language_of_root(name) is not None else None)


def is_observed(name: str) -> bool:
    return name in OBSERVED_ROOTS or language_of_root(name) is not None


def client_keyed_values() -> frozenset[TypeRef | None]:
    """What a client may put under a key, in any root it writes."""
    return frozenset(
        value
        for root in ROOTS.values()
        if root.client_written and root.entries is Entries.KEYED
        for value in root.values
    )


def roots_of_maps() -> frozenset[str]:
    """The roots whose Y.Maps' entries are part of the layout (any other Y.Map is refused whole)."""
    return frozenset(name for name, root in ROOTS.items() if TypeRef.MAP in root.values)


def is_paragraph_id(value: object) -> bool:
    return isinstance(value, str) and value != DOCUMENT_KEY and PARAGRAPH_ID.fullmatch(value) is not None


def formatting_too_large(attributes: dict[str, Any] | None, limits: LayoutLimits) -> bool:
    return any(
        format_size(name, value) > limits.max_formatting_chars for name, value in (attributes or {}).items()
    )


# -- refusals, in the negotiators' words --------------------------------------------------------------

ID_SHAPE = "'p' and 12 lowercase hexadecimal digits, like p3f9a0c12b7de"


def unknown_root_refused() -> str:
    return (
        "a draft holds only order, paragraphs and info (and its language versions, translations.LANG): "
        "what you wrote elsewhere was removed (keep notes in comments)"
    )


def hidden_refused() -> str:
    return (
        "your update wrote entries the draft's layout has no place for (formatting, attributes or "
        "values no reader shows): they were removed; edit paragraphs as plain Y.Text"
    )


def formatting_refused(limits: LayoutLimits) -> str:
    return (
        f"a formatting attribute may have at most {limits.max_formatting_chars} characters "
        "(name and value): the larger ones were removed"
    )


def bad_id_refused(paragraph_id: str) -> str:
    return (
        f"{_shown(paragraph_id)} is not a paragraph id ({ID_SHAPE}): add the paragraph again under such an id"
    )


def bad_order_refused() -> str:
    return f"order lists paragraph ids only ({ID_SHAPE}): the other entries were removed"


def not_text_refused(label: str) -> str:
    return f"{label}: a paragraph's text must be a Y.Text; it was put back as it was"


def new_not_text_refused(paragraph_id: str) -> str:
    return f"{_shown(paragraph_id)}: a new paragraph's text must be a Y.Text; it was not added"


def too_long_refused(label: str, limits: LayoutLimits) -> str:
    return (
        f"{label} would be longer than {limits.max_paragraph_chars} characters: your change to it was "
        "undone; shorten it or split it into several paragraphs"
    )


def too_many_refused(limits: LayoutLimits) -> str:
    return (
        f"a document holds at most {limits.max_paragraphs} paragraphs: the paragraphs you added were removed"
    )


def wrong_value_refused(root: Root) -> str:
    return f"{root.name} holds {root.described}: the other values written there were removed"


def embed_refused() -> str:
    return "a paragraph holds text only: embedded objects and shared types in it were removed"


def _shown(name: str, limit: int = 40) -> str:
    return repr(name if len(name) <= limit else name[:limit] + "…")


# -- what no reader sees: the update's own items ------------------------------------------------------


@dataclass
class IdRanges:
    """Clock ranges of items per client, each with why it is refused (the items the guard deletes, or
    found outside the layout and keeps to place the items written next to them)."""

    ranges: dict[int, list[tuple[int, int, str]]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.ranges)

    def add(self, item: Item, reason: str) -> None:
        client, clock = item.id
        ranges = self.ranges.setdefault(client, [])
        if ranges and ranges[-1][0] + ranges[-1][1] == clock and ranges[-1][2] == reason:
            ranges[-1] = (ranges[-1][0], ranges[-1][1] + item.length, reason)
        else:
            ranges.append((clock, item.length, reason))

    def update(self, other: IdRanges) -> None:
        for client, ranges in other.ranges.items():
            self.ranges.setdefault(client, []).extend(ranges)

    def reason(self, target: Id) -> str | None:
        client, clock = target
        for start, length, reason in self.ranges.get(client, ()):
            if start <= clock < start + length:
                return reason
        return None

    def __contains__(self, target: Id) -> bool:
        return self.reason(target) is not None

    def spans(self) -> dict[int, list[tuple[int, int]]]:
        return {
            client: sorted((start, length) for start, length, _ in ranges)
            for client, ranges in self.ranges.items()
        }


@dataclass
class Findings:
    """Items of one update to delete, why, and which of them are outside the layout for good."""

    delete: IdRanges = field(default_factory=IdRanges)
    foreign: IdRanges = field(default_factory=IdRanges)
    reasons: list[str] = field(default_factory=list)


def hostile_items(items: Sequence[Item], foreign: IdRanges, limits: LayoutLimits) -> Findings:
    """The items of one client update that break the contract, whatever an observer saw of them.

    An item names its parent only when it has no origin; otherwise it lives where its origins do, which
    this update or `foreign` (items found earlier) may tell. Items beside content the update does not
    carry and `foreign` does not know (a keystroke) are judged by their content alone.
    """
    found = Findings()
    places = _Places(items, foreign)
    keyed_values = client_keyed_values()
    for item in items:
        reason = places.outside(item)
        if reason is not None:
            found.foreign.add(item, reason)
        elif item.content == Content.DELETED:
            continue
        elif not item.keyed and item.content in _NEVER_LISTED:
            reason = ""  # in a Y.Text an embed, in `order` no id: the guard says which it saw
        elif item.keyed and _shared_type(item) not in keyed_values:
            # A keyed value no client may write: under `paragraphs` or in `info` (the guard's observers
            # see those and say so), as an attribute of a Y.Text, or under a root without observers.
            where = places.where(item)
            root = root_named(where) if isinstance(where, str) and not is_observed(where) else None
            reason = wrong_value_refused(root) if root is not None else ""
        elif item.content == Content.FORMAT and item.size > limits.max_formatting_chars:
            reason = formatting_refused(limits)
        if reason is not None and item.content != Content.DELETED:
            found.delete.add(item, reason)
            if reason:
                found.reasons.append(reason)
    return found


def foreign_items(items: Sequence[Item]) -> IdRanges:
    """The items of a whole document state that are where the layout has no place (content rules aside:
    the server wrote much of it)."""
    foreign = IdRanges()
    places = _Places(items, foreign)
    for item in items:
        reason = places.outside(item)
        if reason is not None:
            foreign.add(item, reason)
    return foreign


class _Unplaced(Enum):
    UNKNOWN = "unknown"  # beside content the update does not carry: where stock clients type


@dataclass(frozen=True)
class _Foreign:  # beside an item already found outside the layout
    reason: str


# Where an item lives: a root's name, the id of the shared type's item it is inside, or elsewhere.
_Where = str | Id | _Unplaced | _Foreign


class _Places:
    """Where items live, as far as the items themselves and the known foreign items tell."""

    def __init__(self, items: Iterable[Item], foreign: IdRanges) -> None:
        self._foreign = foreign
        self._by_client: dict[int, list[Item]] = {}
        for item in items:
            self._by_client.setdefault(item.id[0], []).append(item)
        for client_items in self._by_client.values():
            client_items.sort(key=lambda item: item.id[1])
        self._starts = {client: [i.id[1] for i in listed] for client, listed in self._by_client.items()}
        self._where: dict[Id, _Where] = {}
        self._outside: dict[Id, str | None] = {}
        self._roots_of_maps = roots_of_maps()

    def outside(self, item: Item) -> str | None:
        """Why `item` is where the layout has no place for it, or None."""
        if item.id not in self._outside:
            self._outside[item.id] = None  # a cycle of parents (malformed) ends here
            self._outside[item.id] = self._judge(item)
        return self._outside[item.id]

    def _judge(self, item: Item) -> str | None:
        where = self.where(item)
        if isinstance(where, _Foreign):
            return where.reason
        if where is _Unplaced.UNKNOWN:
            return None
        if isinstance(where, str):
            root = root_named(where)
            if root is None:
                return unknown_root_refused()
            if item.keyed != (root.entries is Entries.KEYED) or item.content == Content.FORMAT:
                return hidden_refused()  # a list item in a map; an entry or formatting in a list
            return None
        # Inside a shared type. The layout has two: a paragraph's Y.Text (characters and formatting,
        # nothing keyed: a Y.Text attribute is read by no client) and a Y.Map in a root of Y.Maps
        # (entries only; today `info`, which the server writes).
        known = self._foreign.reason(where)
        if known is not None:
            return known
        parent = self._find(where)
        if parent is None:  # a shared type the item does not carry: clients write into Y.Texts only
            return hidden_refused() if item.keyed else None
        outside = self.outside(parent)
        if outside is not None:
            return outside
        if parent.content == Content.TYPE and parent.type_ref == TypeRef.TEXT and item.keyed:
            return hidden_refused()
        if parent.content == Content.TYPE and parent.type_ref == TypeRef.MAP:
            if not item.keyed:
                return hidden_refused()
            if self.where(parent) not in self._roots_of_maps:
                return None  # the Y.Map itself is refused, and what it holds with it
        return None

    def where(self, item: Item) -> _Where:
        chain: list[Item] = []
        seen: set[Id] = set()
        current = item
        where: _Where = _Unplaced.UNKNOWN
        while True:
            if current.id in self._where:
                where = self._where[current.id]
                break
            chain.append(current)
            seen.add(current.id)
            if current.parent is not None:
                where = current.parent
                break
            following = None
            for ref in (current.origin, current.right_origin):
                if ref is None:
                    continue
                known = self._foreign.reason(ref)
                if known is not None:
                    where = _Foreign(known)
                    break
                neighbour = self._find(ref)
                if neighbour is not None and neighbour.id not in seen:
                    following = neighbour
                    break
            if isinstance(where, _Foreign) or following is None:
                break
            current = following
        for visited in chain:
            self._where[visited.id] = where
        return where

    def _find(self, target: Id) -> Item | None:
        client, clock = target
        starts = self._starts.get(client)
        if not starts:
            return None
        position = bisect_right(starts, clock) - 1
        if position < 0:
            return None
        item = self._by_client[client][position]
        return item if clock < item.id[1] + item.length else None


# Contents that are never a list item of the layout (`order` holds strings in Any, a Y.Text characters
# and formatting).
_NEVER_LISTED = frozenset({Content.EMBED, Content.TYPE, Content.JSON, Content.BINARY, Content.DOC})


def _shared_type(item: Item) -> object:
    """What a keyed item holds, as ROOTS tells values apart: a TypeRef, None for a plain value, or
    _NO_VALUE for content no entry may hold (characters, formatting, an embed)."""
    if item.content == Content.TYPE and item.type_ref is not None:
        return TypeRef(item.type_ref)
    return None if item.content in (Content.ANY, Content.JSON) else _NO_VALUE


_NO_VALUE = object()
