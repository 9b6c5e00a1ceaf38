"""The guard's shadow replica of a document: what a client update would touch, before the document takes it.

A Guard applies each update to the shadow first. Observers on the shadow say what the update changed:
which paragraphs' texts (and whether they may now be too long), the keys of `paragraphs`, `order` and
what it inserted there, `info`, root types outside the layout, and changes that show a reader nothing
(an entry of the wrong kind). The shadow follows every transaction on
the document, server edits included, through the document's own updates, applied before the next one.
Observers only record; nothing is applied from inside them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from pycrdt import Array, ArrayEvent, Doc, Map, Subscription, Text, TransactionEvent

from drafting.consensus.rules import FROZEN_TEXT
from drafting.errors import MalformedUpdate
from drafting.languages import language_of_root
from drafting.languages import root_name as language_root
from drafting.layout import DOCUMENT_KEY, bind
from drafting.layout_contract import LayoutLimits, root_named
from drafting.updates import EMPTY_UPDATE, apply_checked

# Document statuses that lock the whole text, and how a refusal names them: the consensus rule's own.
FROZEN: dict[str, str] = {str(status): words for status, words in FROZEN_TEXT.items()}

ABSENT = object()

K = TypeVar("K")
Version = tuple[str, str]  # (language, paragraph id): one paragraph's text in one language version


@dataclass
class Touches:
    """What transactions on the shadow touched since last cleared.

    `unusual` is set for anything but a change of paragraphs' texts, so that a keystroke is told apart
    with one test (what the update inserted into the texts the guard reads from the update itself).
    """

    texts: set[str] = field(default_factory=set)  # paragraphs whose text changed
    long: set[str] = field(default_factory=set)  # ... and may now be over the character limit
    unusual: bool = False
    keys: dict[str, str] = field(default_factory=dict)  # paragraph id → add | update | delete
    order: bool = False
    order_values: list[object] = field(default_factory=list)  # what was inserted into `order`
    info: set[str] = field(default_factory=set)
    roots: set[str] = field(default_factory=set)  # root types outside the layout that changed
    hidden: bool = False  # a change that shows a reader nothing
    # Language versions: (language, paragraph id) of the translations whose text changed, those that
    # may now be too long, and the keys of versions that changed (only the server writes those).
    translated: set[Version] = field(default_factory=set)
    translated_long: set[Version] = field(default_factory=set)
    version_keys: dict[Version, str] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return self.unusual or bool(self.texts) or bool(self.translated)

    def absorb(self, other: Touches) -> None:
        self.texts |= other.texts
        self.long |= other.long
        self.unusual |= other.unusual
        self.keys.update(other.keys)
        self.order |= other.order
        self.order_values.extend(other.order_values)
        self.info |= other.info
        self.roots |= other.roots
        self.hidden |= other.hidden
        self.translated |= other.translated
        self.translated_long |= other.translated_long
        self.version_keys.update(other.version_keys)


class Shadow:
    """A replica of `doc` with observers, and the lock caches derived from its `info`.

    Create it when no transaction is open on `doc`. The replica is copied with `get_update()`, which
    leaves out structs still waiting for a missing dependency; a document loaded from the room's log
    (integrated updates only) has none.
    """

    def __init__(self, doc: Doc[Any], limits: LayoutLimits) -> None:
        self.doc = doc
        self.limits = limits
        self.touches = Touches()
        self.update = EMPTY_UPDATE  # what the replica's last transaction integrated, as Yrs encoded it
        self.meta: dict[str, dict[str, Any]] = {}
        self.held: str | None = None  # the whole text held for a moment by the server (see Guard.hold)
        self._frozen_by_status: str | None = None
        self.locked: frozenset[str] = frozenset()
        self._pending: list[bytes] = []
        self._mirroring = True
        # Filled by _attach: the replica, its observers, and what is derived from it.
        self.replica: Doc[Any]
        self.order: Array[Any]
        self.paragraphs: Map[Any]
        self.info: Map[Any]
        self._subscriptions: list[tuple[Doc[Any] | Array[Any] | Map[Any], Subscription]] = []
        self._watched: dict[str, tuple[Text, Subscription]] = {}
        self.versions: dict[str, Map[Any]] = {}  # language → its root in the replica
        self._translations: dict[Version, tuple[Text, Subscription]] = {}
        self._version_bounds: dict[Version, int] = {}
        # Per paragraph, a number of code points its text does not exceed: what it had when watched
        # (in UTF-8 bytes, never fewer) plus the size of every update that touched it since (an update
        # of n bytes inserts fewer than n characters). Only past the limit is the text read.
        self._bounds: dict[str, int] = {}
        self._incoming = 0  # bytes of the update being applied to the replica
        self.foreign_roots: set[str] = set()
        self._root_count = 0
        self._doc_subscription: Subscription | None = doc.observe(self._mirror)
        self._attach()

    @property
    def frozen(self) -> str | None:
        """Why the whole text cannot change now (the document's status, or a hold), or None."""
        return self.held or self._frozen_by_status

    def close(self) -> None:
        """Stop following the document (idempotent)."""
        if self._doc_subscription is not None:
            self.doc.unobserve(self._doc_subscription)
            self._doc_subscription = None
            self._detach()

    # -- taking an update -------------------------------------------------------------------------

    def integrate(self, update: bytes) -> bytes:
        """Apply a client's update to the replica; return it as the replica integrated it."""
        self.catch_up()
        self._refresh()
        self.update = EMPTY_UPDATE
        self._incoming = len(update)
        try:
            apply_checked(self.replica, update)
        except MalformedUpdate:
            self.reset()
            raise
        return self.update

    def observe_new_roots(self, *, by_client: bool = True) -> None:
        """Follow the root types outside the layout, and the language versions, that the last update
        created (a version a client created: its keys count as touched, only the server writes them).

        Not needed after typing: an update whose items are all characters beside other content creates
        no root type (drafting.update_items.only_characters)."""
        names = list(self.replica.keys())
        if len(names) == self._root_count:
            return
        self._root_count = len(names)
        for name in names:
            language = language_of_root(name)
            if language is not None and language not in self.versions:
                self._observe_version(language, by_client=by_client)
            if root_named(name) is not None or name in self.foreign_roots:
                continue
            self.foreign_roots.add(name)
            self.touches.unusual = True
            self.touches.roots.add(name)
            # Seen as a Y.Map, a root type still reports changes to its list items.
            root = self.replica.get(name, type=Map)
            self._subscriptions.append((root, root.observe_deep(partial(self._root_touched, name))))

    def apply_mirrored(self, update: bytes) -> None:
        """Apply to the document an update the replica already holds (it is not mirrored back)."""
        self._mirroring = False
        try:
            apply_checked(self.doc, update)
        except MalformedUpdate:
            self.reset()
            raise
        finally:
            self._mirroring = True

    def take_touches(self) -> Touches:
        touches, self.touches = self.touches, Touches()
        return touches

    def settle(self, touches: Touches) -> None:
        """After the document took a compensated update: keep its touches for the caches, catch up."""
        self.touches.absorb(touches)
        self.catch_up()

    def catch_up(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        self._incoming = sum(map(len, pending))
        with self.replica.transaction():
            for update in pending:
                self.replica.apply_update(update)
        self.observe_new_roots(by_client=False)

    def reset(self) -> None:
        """After a failed update the replica may hold part of it: copy the document again."""
        self._detach()
        self._attach()

    @property
    def caches_current(self) -> bool:
        """Whether `meta` and the followed texts are the document's as they are now: the last update
        changed only texts (nothing waits for the next refresh), and the document took nothing since."""
        return not self._pending and not self.touches.unusual

    def source_lengths(self, paragraph_ids: frozenset[str]) -> dict[str, int] | None:
        """The lengths (UTF-8 bytes) of the replica's texts of these paragraphs (the document's, once
        caught up), or None if one is not followed."""
        found = {}
        for paragraph_id in paragraph_ids:
            watched = self._watched.get(paragraph_id)
            if watched is None:
                return None
            found[paragraph_id] = len(watched[0])
        return found

    def source_text(self, paragraph_id: str) -> str:
        """The replica's text of a paragraph `source_lengths` found."""
        return str(self._watched[paragraph_id][0])

    def text(self, paragraph_id: str) -> Text | None:
        value = self.paragraphs.get(paragraph_id)
        return value if isinstance(value, Text) else None

    def translation(self, version: Version) -> Text | None:
        root = self.versions.get(version[0])
        value = root.get(version[1]) if root is not None else None
        return value if isinstance(value, Text) else None

    def translations_over_limit(self, versions: set[Version]) -> set[Version]:
        return _over_limit(versions, self.translation, self._version_bounds, self.limits)

    def over_limit(self, paragraph_ids: set[str]) -> set[str]:
        """Which of these paragraphs are longer than the limit, counted in code points."""
        return _over_limit(paragraph_ids, self.text, self._bounds, self.limits)

    # -- attaching --------------------------------------------------------------------------------

    def _attach(self) -> None:
        self.replica = Doc()
        self.replica.apply_update(self.doc.get_update())
        self._pending.clear()
        self.order, self.paragraphs, self.info = bind(self.replica)
        self.update = EMPTY_UPDATE
        self._subscriptions = [
            (self.replica, self.replica.observe(self._committed)),
            (self.order, self.order.observe(self._order_touched)),
            (self.paragraphs, self.paragraphs.observe(self._keys_touched)),
            (self.info, self.info.observe_deep(self._info_touched)),
        ]
        self.foreign_roots = set()
        self.versions = {}
        self._root_count = 0
        self.observe_new_roots(by_client=False)
        self.touches = Touches()
        self._watched = {}
        for paragraph_id in list(self.paragraphs.keys()):
            self._watch(paragraph_id)
        self.meta = {key: _meta(value) for key, value in self.info.items()}
        self._derive_locks()

    def _detach(self) -> None:
        for paragraph_id in list(self._watched):
            self._unwatch(paragraph_id)
        for version in list(self._translations):
            self._unwatch_translation(version)
        for target, subscription in self._subscriptions:
            target.unobserve(subscription)
        self._subscriptions.clear()

    # -- observers: they record, nothing more ------------------------------------------------------

    def _committed(self, event: TransactionEvent) -> None:
        self.update = event.update

    def _mirror(self, event: TransactionEvent) -> None:
        if self._mirroring and (update := event.update) != EMPTY_UPDATE:
            self._pending.append(update)

    def _order_touched(self, event: ArrayEvent) -> None:
        touches = self.touches
        touches.unusual = touches.order = True
        delta: list[dict[str, Any]] = event.delta  # type: ignore[attr-defined]
        if not delta:
            touches.hidden = True
        for change in delta:
            inserted = change.get("insert")
            if inserted is not None:
                touches.order_values.extend(inserted)

    def _keys_touched(self, event: Any) -> None:
        # A pycrdt MapEvent: its `keys` is declared only in __slots__, so typing cannot see it.
        keys = event.keys
        self.touches.unusual = True
        if not keys:
            self.touches.hidden = True
        for key, change in keys.items():
            self.touches.keys[key] = change["action"]

    def _info_touched(self, events: list[Any]) -> None:
        self.touches.unusual = True
        for event in events:
            if event.path:
                self.touches.info.add(str(event.path[0]))
            elif event.keys:
                self.touches.info.update(event.keys)
            else:
                self.touches.hidden = True

    def _text_touched(self, paragraph_id: str, _event: Any) -> None:
        # On every keystroke: record, and read nothing of the event (Yrs computes a text event's delta
        # from the start of the text). What the update inserted is read from the update (the guard).
        self.touches.texts.add(paragraph_id)
        bound = self._bounds.get(paragraph_id, 0) + self._incoming
        self._bounds[paragraph_id] = bound
        if bound > self.limits.max_paragraph_chars:
            self.touches.long.add(paragraph_id)

    def _version_keys_touched(self, language: str, event: Any) -> None:
        self.touches.unusual = True
        for key, change in event.keys.items():
            self.touches.version_keys[(language, str(key))] = change["action"]

    def _translation_touched(self, version: Version, _event: Any) -> None:
        self.touches.translated.add(version)
        bound = self._version_bounds.get(version, 0) + self._incoming
        self._version_bounds[version] = bound
        if bound > self.limits.max_paragraph_chars:
            self.touches.translated_long.add(version)

    def _root_touched(self, name: str, _events: list[Any]) -> None:
        self.touches.unusual = True
        self.touches.roots.add(name)

    # -- caches -----------------------------------------------------------------------------------

    def _refresh(self) -> None:
        """Bring the lock caches and the watched texts up to the replica's state; clear the touches."""
        touches = self.touches
        if not touches.unusual:
            touches.texts.clear()
            touches.long.clear()
            touches.translated.clear()
            touches.translated_long.clear()
            return
        if touches.info:
            for key in touches.info:
                value = self.info.get(key, ABSENT)
                if value is ABSENT:
                    self.meta.pop(key, None)
                else:
                    self.meta[key] = _meta(value)
            self._derive_locks()
        for paragraph_id in touches.keys:
            self._unwatch(paragraph_id)
            self._watch(paragraph_id)
        for version in touches.version_keys:
            self._unwatch_translation(version)
            self._watch_translation(version)
        self.touches = Touches()

    def _derive_locks(self) -> None:
        status = self.meta.get(DOCUMENT_KEY, {}).get("status")
        self._frozen_by_status = FROZEN.get(status) if isinstance(status, str) else None
        self.locked = frozenset(
            key for key, meta in self.meta.items() if key != DOCUMENT_KEY and meta.get("locked") is True
        )

    def _watch(self, paragraph_id: str) -> None:
        text = self.text(paragraph_id)
        if text is not None:
            # Every keystroke passes here: observe the Yrs text itself, without pycrdt's event wrapper
            # (which computes the event's target and path as well, for three times the cost).
            subscription = text.integrated.observe(partial(self._text_touched, paragraph_id))
            self._watched[paragraph_id] = (text, subscription)
            self._bounds[paragraph_id] = len(text)

    def _observe_version(self, language: str, *, by_client: bool) -> None:
        root = self.replica.get(language_root(language), type=Map)
        self.versions[language] = root
        self._subscriptions.append((root, root.observe(partial(self._version_keys_touched, language))))
        for key in list(root.keys()):
            self._watch_translation((language, str(key)))
            if by_client:  # created by the update just taken: what it holds came with it
                self.touches.unusual = True
                self.touches.version_keys[(language, str(key))] = "add"

    def _watch_translation(self, version: Version) -> None:
        text = self.translation(version)
        if text is not None:
            subscription = text.integrated.observe(partial(self._translation_touched, version))
            self._translations[version] = (text, subscription)
            self._version_bounds[version] = len(text)

    def _unwatch_translation(self, version: Version) -> None:
        self._version_bounds.pop(version, None)
        watched = self._translations.pop(version, None)
        if watched is not None:
            watched[1].drop()

    def _unwatch(self, paragraph_id: str) -> None:
        self._bounds.pop(paragraph_id, None)
        watched = self._watched.pop(paragraph_id, None)
        if watched is not None:
            watched[1].drop()


def _over_limit(
    keys: set[K], find: Callable[[K], Text | None], bounds: dict[K, int], limits: LayoutLimits
) -> set[K]:
    """Which of these texts are longer than the limit; each one's bound becomes its length."""
    over = set()
    for key in keys:
        text = find(key)
        if text is None:
            continue
        length = len(str(text))
        bounds[key] = length
        if length > limits.max_paragraph_chars:
            over.add(key)
    return over


def _meta(value: object) -> dict[str, Any]:
    plain = plain_value(value)
    return plain if isinstance(plain, dict) else {}


def plain_value(value: object) -> object:
    if isinstance(value, Map | Array | Text):
        return value.to_py()
    return value
