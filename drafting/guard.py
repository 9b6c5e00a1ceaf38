"""The guard: what an incoming update may change in a draft, enforced on the server.

Stock Yjs clients cannot roll back an update the server refuses, so a refused part is applied and
compensated in the same transaction, and everyone, the sender included, converges on the result. Two
things are refused. What the sender's rights do not cover: locked paragraphs' text and formatting, `info`,
and the structure (`order`, keys of `paragraphs`) without the right to restructure; these are put back
with minimal edits (drafting.compensate). And whatever breaks the layout contract, for everyone
(drafting.layout_contract): roots outside the layout, values of the wrong type, bad ids, sizes over the
limits, embeds, large formatting, entries no reader sees; these are removed. Edits the sender may make,
in the same update, survive.

To keep an allowed keystroke cheap, the update goes first to a shadow replica whose observers say what it
touched (drafting.shadow); only then is it applied to the document, directly when nothing protected or
out of contract is touched, otherwise with compensation.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from pycrdt import Doc, Text

from drafting.breaches import Breaches, BreachFinder
from drafting.compensate import (
    Chunk,
    chunks_length,
    read_chunks,
    recreate_text,
    reinsert_removed,
    remove_embeds,
    restore_order,
    restore_text,
)
from drafting.languages import marks_follow
from drafting.languages import translations as translations_of
from drafting.layout import bind
from drafting.layout_contract import (
    LayoutLimits,
    bad_id_refused,
    bad_order_refused,
    embed_refused,
    is_paragraph_id,
    new_not_text_refused,
    not_text_refused,
    too_long_refused,
    too_many_refused,
)
from drafting.shadow import ABSENT, Shadow, Touches, Version, plain_value
from drafting.update_items import only_characters
from drafting.updates import EMPTY_UPDATE

GUARD_ORIGIN = "guard"

INFO_REFUSED = "labels, statuses and locks (info) are written only by the server"
RESTRUCTURE_REFUSED = "your role may not add, remove or reorder paragraphs"
EDIT_REFUSED = "your role may not edit the text"
TRANSLATE_REFUSED = "only the Technical Secretariat edits the language versions"
VERSION_KEYS_REFUSED = (
    "a language version holds the source's paragraphs, added and removed by the server: your change to "
    "its keys was undone"
)


@dataclass(frozen=True)
class Rights:
    """What the sender of an update may change (decided by the policy, in auth/)."""

    edit_text: bool
    restructure: bool  # insert, move and delete paragraphs: `order` and the keys of `paragraphs`
    translate: bool = False  # edit the language versions' texts (the Secretariat), where not locked


@dataclass(frozen=True)
class Verdict:
    """Why parts of an update were refused; empty when all of it was accepted."""

    refused: tuple[str, ...] = ()
    texts: frozenset[str] = frozenset()  # the paragraphs whose source text the update may have changed

    @property
    def accepted(self) -> bool:
        return not self.refused


ACCEPTED = Verdict()


@dataclass
class _Before:  # the document's state, before the update, of what the update touched
    texts: dict[str, list[Chunk] | None]
    info: dict[str, object]
    order: list[object] | None
    translations: dict[Version, list[Chunk] | None]


def apply_guarded(
    doc: Doc[Any], update: bytes, rights: Rights, limits: LayoutLimits | None = None
) -> Verdict:
    """Apply one update under the guard. One-off: it copies the document; a room keeps a Guard."""
    guard = Guard(doc, limits)
    try:
        return guard.apply(update, rights)
    finally:
        guard.close()


class Guard:
    """Applies client updates to one document's Y.Doc, refusing what the sender may not change and
    whatever breaks the layout contract.

    Create it when no transaction is open and keep it for the document's life in memory: it follows
    every transaction on the document (server edits included). Not for use inside a transaction.
    """

    def __init__(self, doc: Doc[Any], limits: LayoutLimits | None = None) -> None:
        self.doc = doc
        self.limits = limits or LayoutLimits()
        self._order, self._paragraphs, self._info = bind(doc)
        self._shadow = Shadow(doc, self.limits)
        self._finder = BreachFinder(doc, self._shadow, self.limits)

    def close(self) -> None:
        """Stop following the document (idempotent)."""
        self._shadow.close()

    # -- applying ----------------------------------------------------------------------------------

    def hold(self, reason: str | None) -> None:
        """Hold the whole text as if frozen, `reason` naming why ("being adopted"), until hold(None): for a
        consensus act that decides from the text before its own freeze is written."""
        self._shadow.held = reason

    def stale_marks_follow(self, paragraph_ids: frozenset[str]) -> bool | None:
        """Whether these paragraphs' stale marks already follow their texts, read from the shadow's copy
        of `info` without touching the document; None when that copy may lag (after anything but typing)."""
        shadow = self._shadow
        lengths = shadow.source_lengths(paragraph_ids) if shadow.caches_current else None
        return None if lengths is None else marks_follow(shadow.meta, lengths, shadow.source_text)

    def apply(self, update: bytes, rights: Rights) -> Verdict:
        """Apply `update` from a sender with `rights`; what they may not change ends as if never sent."""
        shadow = self._shadow
        # From here on the document receives what the shadow integrated, as Yrs encoded it, never the
        # client's bytes (docs/decisions/0008).
        update = shadow.integrate(update)
        touches = shadow.touches
        if self._is_typing(touches, update, rights):
            shadow.apply_mirrored(update)
            return Verdict(texts=frozenset(touches.texts)) if touches.texts else ACCEPTED
        shadow.observe_new_roots()
        breaches = self._finder.breaches(touches, update)
        if not breaches and (not touches or not self._needs_check(touches, rights)):
            # Allowed, and within the contract. The touches stay: the shadow's caches follow them.
            shadow.apply_mirrored(update)
            return Verdict(texts=_changed(touches))
        removal = self._finder.removal(update, touches) if breaches.read_items else None
        touches = shadow.take_touches()
        with self.doc.transaction(origin=GUARD_ORIGIN):
            before = self._read_before(touches, breaches, rights)
            self.doc.apply_update(update)
            refused = []
            if removal is not None:
                if removal.update:
                    self.doc.apply_update(removal.update)
                refused.extend(removal.reasons)
            refused.extend(self._compensate(touches, breaches, before, rights))
        shadow.settle(touches)
        return Verdict(tuple(dict.fromkeys(refused)), _changed(touches))

    def _is_typing(self, touches: Touches, update: bytes, rights: Rights) -> bool:
        """Characters typed or deleted where the sender may, within the limits: the common case."""
        if touches.unusual or touches.long or touches.translated_long:
            return False
        texts = touches.texts
        if not texts and not touches.translated:
            return update == EMPTY_UPDATE
        shadow = self._shadow
        if texts and (
            not rights.edit_text or shadow.frozen is not None or not texts.isdisjoint(shadow.locked)
        ):
            return False
        if not all(self._may_translate(paragraph_id, rights) for _, paragraph_id in touches.translated):
            return False
        return only_characters(update)

    def _needs_check(self, touches: Touches, rights: Rights) -> bool:
        shadow = self._shadow
        if touches.info or touches.roots or touches.hidden:
            return True
        if touches.texts and (
            not rights.edit_text or shadow.frozen or not touches.texts.isdisjoint(shadow.locked)
        ):
            return True
        if touches.order and (not rights.restructure or shadow.frozen or shadow.locked):
            return True
        if touches.version_keys or touches.translated_long:
            return True
        if not all(self._may_translate(paragraph_id, rights) for _, paragraph_id in touches.translated):
            return True
        for paragraph_id, action in touches.keys.items():
            if action == "add":
                allowed = rights.restructure and not shadow.frozen
            elif action == "delete":
                allowed = rights.restructure and not self._protected(paragraph_id, rights)
            else:
                allowed = not self._protected(paragraph_id, rights)
            if not allowed:
                return True
        return False

    def _may_translate(self, paragraph_id: str, rights: Rights) -> bool:
        """A locked paragraph's translation changes only by the Secretariat's audited correction (REST)."""
        shadow = self._shadow
        return rights.translate and shadow.frozen is None and paragraph_id not in shadow.locked

    def _protected(self, paragraph_id: str, rights: Rights) -> bool:
        shadow = self._shadow
        return shadow.frozen is not None or paragraph_id in shadow.locked or not rights.edit_text

    # -- compensating ------------------------------------------------------------------------------

    def _read_before(self, touches: Touches, breaches: Breaches, rights: Rights) -> _Before:
        shadow = self._shadow
        protected = touches.texts if not rights.edit_text or shadow.frozen else touches.texts & shadow.locked
        replaced = {pid for pid, action in touches.keys.items() if action != "add"}
        texts = {}
        for paragraph_id in protected | replaced | breaches.long:
            value = self._paragraphs.get(paragraph_id)
            texts[paragraph_id] = read_chunks(value) if isinstance(value, Text) else None
        info = {key: plain_value(self._info.get(key, ABSENT)) for key in touches.info}
        order = list(self._order) if touches.order else None
        translations: dict[Version, list[Chunk] | None] = {}
        kept = {version for version, action in touches.version_keys.items() if action != "add"}
        refused = {version for version in touches.translated if not self._may_translate(version[1], rights)}
        for version in kept | refused | breaches.translations_long:
            value = translations_of(self.doc, version[0]).get(version[1])
            translations[version] = read_chunks(value) if isinstance(value, Text) else None
        return _Before(texts, info, order, translations)

    def _compensate(self, touches: Touches, breaches: Breaches, before: _Before, rights: Rights) -> list[str]:
        refused: list[str] = []
        recreated = set()
        removed: set[str] = set()  # paragraphs added by the update and taken out again
        for paragraph_id, action in touches.keys.items():
            if action == "add":
                reason = self._refuse_addition(paragraph_id, breaches, rights)
                if reason is not None:
                    refused.append(reason)
                    removed.add(paragraph_id)
                    if paragraph_id in self._paragraphs:
                        del self._paragraphs[paragraph_id]
                continue
            protected = self._protected(paragraph_id, rights)
            allowed = not protected and (action == "update" or rights.restructure)
            chunks = before.texts.get(paragraph_id)
            if allowed and action == "update" and paragraph_id in breaches.not_text | breaches.long:
                refused.append(self._contract_refusal(paragraph_id, breaches))
            elif allowed:
                continue
            else:
                refused.append(self._text_refusal(paragraph_id, rights) if protected else RESTRUCTURE_REFUSED)
            if chunks is not None:
                recreate_text(self._paragraphs, paragraph_id, chunks)
                recreated.add(paragraph_id)
            elif paragraph_id in self._paragraphs:
                del self._paragraphs[paragraph_id]
        for paragraph_id in (touches.texts | breaches.long | breaches.embedded) - recreated - removed:
            refused.extend(self._compensate_text(paragraph_id, touches, breaches, before, rights))
        for key, value in before.info.items():
            refused.append(INFO_REFUSED)
            self._restore_info(key, value)
        if before.order is not None:
            refused.extend(self._compensate_order(before.order, removed, breaches, rights))
        refused.extend(self._compensate_translations(touches, breaches, before, rights))
        return refused

    def _compensate_translations(
        self, touches: Touches, breaches: Breaches, before: _Before, rights: Rights
    ) -> list[str]:
        refused: list[str] = []
        for (language, paragraph_id), _action in touches.version_keys.items():
            refused.append(VERSION_KEYS_REFUSED)
            version = translations_of(self.doc, language)
            chunks = before.translations.get((language, paragraph_id))
            if chunks is not None:
                recreate_text(version, paragraph_id, chunks)
            elif paragraph_id in version:
                del version[paragraph_id]
        edited = touches.translated | breaches.translations_long | breaches.translations_embedded
        for language, paragraph_id in edited - touches.version_keys.keys():
            text = translations_of(self.doc, language).get(paragraph_id)
            if not isinstance(text, Text):
                continue
            chunks = before.translations.get((language, paragraph_id))
            if not self._may_translate(paragraph_id, rights):
                restored = chunks is not None and restore_text(text, chunks)
                if restored or (language, paragraph_id) in breaches.translations_embedded:
                    refused.append(self._translation_refusal(paragraph_id, rights))
                continue
            if (language, paragraph_id) in breaches.translations_long and chunks is not None:
                after = chunks_length(read_chunks(text))
                if after > self.limits.max_paragraph_chars and after > chunks_length(chunks):
                    restore_text(text, chunks)
                    refused.append(too_long_refused(f"{self._label(paragraph_id)} ({language})", self.limits))
            if (language, paragraph_id) in breaches.translations_embedded:
                remove_embeds(text)
                refused.append(embed_refused())
        return refused

    def _refuse_addition(self, paragraph_id: str, breaches: Breaches, rights: Rights) -> str | None:
        if not rights.restructure or self._shadow.frozen is not None:
            return self._structure_refusal()
        if paragraph_id in breaches.bad_ids:
            return bad_id_refused(paragraph_id)
        if paragraph_id in breaches.not_text:
            return new_not_text_refused(paragraph_id)
        if breaches.too_many:
            return too_many_refused(self.limits)
        if paragraph_id in breaches.long:
            return too_long_refused(self._label(paragraph_id), self.limits)
        return None

    def _compensate_text(
        self, paragraph_id: str, touches: Touches, breaches: Breaches, before: _Before, rights: Rights
    ) -> list[str]:
        text = self._paragraphs.get(paragraph_id)
        if not isinstance(text, Text):
            return []
        chunks = before.texts.get(paragraph_id)
        if paragraph_id in touches.texts and self._protected(paragraph_id, rights):
            restored = chunks is not None and restore_text(text, chunks)
            if restored or paragraph_id in breaches.embedded:  # embeds are gone already (see apply)
                return [self._text_refusal(paragraph_id, rights)]
            return []
        if paragraph_id in breaches.long and chunks is not None:
            after = chunks_length(read_chunks(text))
            if after > self.limits.max_paragraph_chars and after > chunks_length(chunks):
                restore_text(text, chunks)
                return [too_long_refused(self._label(paragraph_id), self.limits)]
        if paragraph_id in breaches.embedded:
            remove_embeds(text)  # those beside characters the update did not carry are gone already
            return [embed_refused()]
        return []

    def _restore_info(self, key: str, value: object) -> None:
        if plain_value(self._info.get(key, ABSENT)) == value:
            return
        if value is ABSENT:
            del self._info[key]
        else:
            self._info[key] = value

    def _compensate_order(
        self, before: list[object], removed: set[str], breaches: Breaches, rights: Rights
    ) -> list[str]:
        after = list(self._order)
        shadow = self._shadow
        may = rights.restructure and shadow.frozen is None
        if after == before:
            # Entries that are no id may be gone already: a shared type in `order` is deleted as an item.
            if breaches.bad_order:
                return [bad_order_refused() if may else self._structure_refusal()]
            return []
        if not may:
            restore_order(self._order, before)
            return [self._structure_refusal()]
        if len(after) > self.limits.max_paragraphs and len(after) > len(before):
            restore_order(self._order, before)
            return [too_many_refused(self.limits)]
        invalid = self._drop_from_order(removed, before)
        refused = [bad_order_refused()] if invalid or breaches.bad_order else []
        present = {value for value in self._order if isinstance(value, str)}
        lost = [pid for pid in before if pid in shadow.locked and pid not in present]
        if lost:
            reinsert_removed(self._order, before, lost)
            refused.extend(f"{self._describe(str(pid))}: it cannot be removed" for pid in lost)
        return refused

    def _drop_from_order(self, removed: set[str], before: list[object]) -> bool:
        """Delete the entries the update put in `order` that are not paragraph ids, or that name paragraphs
        taken out again; returns whether there were entries that are not paragraph ids."""
        kept = Counter(value for value in before if isinstance(value, str))
        invalid = False
        for index in reversed(range(len(self._order))):
            value = self._order[index]
            if is_paragraph_id(value) and value not in removed:
                continue
            if isinstance(value, str) and kept[value] > 0:
                kept[value] -= 1  # there before the update (an id of an older shape)
                continue
            invalid |= not is_paragraph_id(value) and value not in removed
            del self._order[index]
        return invalid

    # -- refusals, in the negotiators' words ------------------------------------------------------

    def _text_refusal(self, paragraph_id: str, rights: Rights) -> str:
        frozen = self._shadow.frozen
        if frozen is not None:
            return f"the document is {frozen}: its text cannot change"
        if paragraph_id in self._shadow.locked:
            return f"{self._describe(paragraph_id)}: its text cannot change"
        return EDIT_REFUSED

    def _translation_refusal(self, paragraph_id: str, rights: Rights) -> str:
        if self._shadow.frozen is not None or paragraph_id in self._shadow.locked:
            reason = self._text_refusal(paragraph_id, rights)
            return reason + (
                " (the Secretariat corrects a locked translation on the record)" if rights.translate else ""
            )
        return TRANSLATE_REFUSED

    def _structure_refusal(self) -> str:
        frozen = self._shadow.frozen
        if frozen is not None:
            return f"the document is {frozen}: paragraphs cannot be added, removed or reordered"
        return RESTRUCTURE_REFUSED

    def _contract_refusal(self, paragraph_id: str, breaches: Breaches) -> str:
        label = self._label(paragraph_id)
        if paragraph_id in breaches.not_text:
            return not_text_refused(label)
        return too_long_refused(label, self.limits)

    def _label(self, paragraph_id: str) -> str:
        label = self._shadow.meta.get(paragraph_id, {}).get("label")
        return str(label) if label else repr(paragraph_id[:40])

    def _describe(self, paragraph_id: str) -> str:
        meta = self._shadow.meta.get(paragraph_id, {})
        label = str(meta.get("label") or paragraph_id)
        status = str(meta.get("status") or "").replace("_", " ")
        return f"{label} is locked ({status})" if status else f"{label} is locked"


def _changed(touches: Touches) -> frozenset[str]:
    """The paragraphs whose text an update may have changed: edited, or given a new Y.Text."""
    return frozenset(touches.texts | touches.keys.keys())
