"""What one client update breaks of the layout contract (drafting.layout_contract), found for the guard.

Two sources. The shadow replica, after it took the update, shows what a reader would see: values of the
wrong type, bad ids, oversize texts, embeds, bad entries in `order`, too many paragraphs. The update's own
items (drafting.update_items) show what no reader sees: large formatting, entries of the wrong kind,
content of root types outside the layout; those items are deleted by id, in the guard's transaction.
Typing is neither: the guard lets it through before anything here runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pycrdt import Doc

from drafting.compensate import chunks_length, has_embeds, read_chunks
from drafting.errors import MalformedUpdate
from drafting.layout_contract import (
    IdRanges,
    LayoutLimits,
    foreign_items,
    hidden_refused,
    hostile_items,
    is_paragraph_id,
)
from drafting.shadow import Shadow, Touches, Version
from drafting.update_items import Content, delete_set_update, only_characters, read_items
from drafting.updates import EMPTY_UPDATE


@dataclass
class Breaches:
    """What the update, as the shadow took it, breaks of the layout contract."""

    bad_ids: set[str] = field(default_factory=set)  # paragraphs added under an id of the wrong shape
    not_text: set[str] = field(default_factory=set)  # keys of `paragraphs` given a value that is no Y.Text
    long: set[str] = field(default_factory=set)  # paragraphs over the character limit
    embedded: set[str] = field(default_factory=set)  # paragraphs given something other than characters
    too_many: bool = False
    bad_order: bool = False  # `order` given entries that are not paragraph ids
    long_order: bool = False
    read_items: bool = False  # the update's own items must be read for what no observer shows
    translations_long: set[Version] = field(default_factory=set)  # translations over the limit
    translations_embedded: set[Version] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(
            self.bad_ids
            or self.not_text
            or self.long
            or self.embedded
            or self.too_many
            or self.bad_order
            or self.long_order
            or self.read_items
            or self.translations_long
            or self.translations_embedded
        )


@dataclass(frozen=True)
class Removal:
    """A deleting update for the items that break the contract (empty: none), and why."""

    update: bytes
    reasons: list[str]


class BreachFinder:
    """Finds breaches for one document's guard, and keeps the items it found outside the layout."""

    def __init__(self, doc: Doc[Any], shadow: Shadow, limits: LayoutLimits) -> None:
        self._shadow = shadow
        self._limits = limits
        # Items found outside the layout, to place the items written next to them later. Complete once
        # read from a whole state: at once for a document that has roots outside the layout, otherwise
        # the first time an update shows a change no reader sees.
        self._foreign = IdRanges()
        self._foreign_complete = False
        if shadow.foreign_roots:
            self._read_foreign(doc)

    def breaches(self, touches: Touches, update: bytes) -> Breaches:
        limits, shadow = self._limits, self._shadow
        breaches = Breaches()
        if not only_characters(update):
            # Formatting, embeds, shared types or keyed entries: read the update's items, and look for
            # embeds in the texts it changed (an embed beside existing characters has no known place).
            breaches.read_items = True
            for paragraph_id in touches.texts - touches.keys.keys():
                text = shadow.text(paragraph_id)
                if text is not None and has_embeds(text):
                    breaches.embedded.add(paragraph_id)
            for version in touches.translated:
                translation = shadow.translation(version)
                if translation is not None and has_embeds(translation):
                    breaches.translations_embedded.add(version)
        added = False
        for paragraph_id, action in touches.keys.items():
            if action == "delete":
                continue
            added |= action == "add"
            text = shadow.text(paragraph_id)
            if text is None:
                breaches.not_text.add(paragraph_id)
                continue
            if action == "add" and not is_paragraph_id(paragraph_id):
                breaches.bad_ids.add(paragraph_id)
            # A new Y.Text came whole: no text event tells what it holds.
            if chunks_length(read_chunks(text)) > limits.max_paragraph_chars:
                breaches.long.add(paragraph_id)
            if has_embeds(text):
                breaches.embedded.add(paragraph_id)
        breaches.too_many = added and len(shadow.paragraphs) > limits.max_paragraphs
        breaches.long |= shadow.over_limit(touches.long - touches.keys.keys())
        breaches.translations_long = shadow.translations_over_limit(touches.translated_long)
        if touches.order:
            # An id of a paragraph the update adds under a bad id is refused with the paragraph.
            breaches.bad_order = not all(
                is_paragraph_id(value) or (isinstance(value, str) and value in touches.keys)
                for value in touches.order_values
            )
            breaches.long_order = len(shadow.order) > limits.max_paragraphs
        breaches.read_items |= (
            touches.hidden or bool(touches.roots) or (not touches and update != EMPTY_UPDATE)
        )
        return breaches

    def removal(self, update: bytes, touches: Touches) -> Removal:
        """Read before the document takes the update, so that an unreadable one is refused whole."""
        try:
            items = read_items(update)
        except MalformedUpdate:
            self._shadow.reset()
            raise
        unseen = not touches and any(item.content != Content.DELETED for item in items)
        earlier = IdRanges()
        if (touches.hidden or unseen) and not self._foreign_complete:
            # What no reader sees may sit beside items from before this guard: read the whole state
            # once, and remove what earlier servers let through.
            self._read_foreign(self._shadow.replica)
            earlier.update(self._foreign)
        found = hostile_items(items, self._foreign, self._limits)
        self._foreign.update(found.foreign)
        found.delete.update(earlier)
        reasons = found.reasons
        if found.delete and (touches.hidden or unseen) and not reasons:
            reasons.append(hidden_refused())
        return Removal(delete_set_update(found.delete.spans()) if found.delete else b"", reasons)

    def _read_foreign(self, doc: Doc[Any]) -> None:
        try:
            self._foreign = foreign_items(read_items(doc.get_update()))
        except MalformedUpdate:
            return  # a state Yrs wrote but this reader does not know: placed update by update instead
        self._foreign_complete = True
