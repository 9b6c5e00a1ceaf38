"""The guard: what an incoming update may change in a draft, enforced on the server.

Stock Yjs clients cannot roll back an update the server refuses, so a refused part is applied and
compensated in the same transaction: locked paragraphs' text and formatting, `info` and `order` are
put back with minimal edits (drafting.compensate) and everyone, the sender included, converges on the
result. Edits the sender may make, in the same update, survive.

To keep an allowed keystroke cheap, a Guard keeps a shadow replica of the document and applies each
update to it first: observers on the shadow's protected parts (locked paragraphs' Y.Texts, the keys of
`paragraphs`, `order`, `info`) say what the update would touch, and only then is it applied to the
document, directly when nothing protected is touched, otherwise with compensation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from pycrdt import Array, ArrayEvent, Doc, Map, Subscription, Text, TransactionEvent

from drafting.compensate import (
    Chunk,
    read_chunks,
    recreate_text,
    reinsert_removed,
    restore_order,
    restore_text,
)
from drafting.errors import MalformedUpdate
from drafting.kinds import DocumentStatus
from drafting.layout import DOCUMENT_KEY, bind
from drafting.updates import EMPTY_UPDATE, apply_checked

GUARD_ORIGIN = "guard"

# Document statuses that lock the whole text, and how a refusal names them.
FROZEN: dict[str, str] = {
    DocumentStatus.ADOPTED: "adopted",
    DocumentStatus.UNDER_SILENCE: "under silence procedure",
}

INFO_REFUSED = "labels, statuses and locks (info) are written only by the server"
RESTRUCTURE_REFUSED = "your role may not add, remove or reorder paragraphs"
EDIT_REFUSED = "your role may not edit the text"


@dataclass(frozen=True)
class Rights:
    """What the sender of an update may change (decided by the policy, in auth/)."""

    edit_text: bool
    restructure: bool  # insert, move and delete paragraphs: `order` and the keys of `paragraphs`


@dataclass(frozen=True)
class Verdict:
    """Why parts of an update were refused; empty when all of it was accepted."""

    refused: tuple[str, ...] = ()

    @property
    def accepted(self) -> bool:
        return not self.refused


@dataclass
class _Touches:  # what transactions on the shadow touched since last cleared
    texts: set[str] = field(default_factory=set)  # watched (protected) paragraphs whose text changed
    keys: dict[str, str] = field(default_factory=dict)  # paragraph id → add | update | delete
    order: bool = False
    info: set[str] = field(default_factory=set)

    def __bool__(self) -> bool:
        return bool(self.texts or self.keys or self.order or self.info)

    def absorb(self, other: _Touches) -> None:
        self.texts |= other.texts
        self.keys.update(other.keys)
        self.order |= other.order
        self.info |= other.info


@dataclass
class _Before:  # the document's state, before the update, of what the update touched
    texts: dict[str, list[Chunk] | None]
    info: dict[str, object]
    order: list[object] | None


_ABSENT = object()
ACCEPTED = Verdict()


def apply_guarded(doc: Doc[Any], update: bytes, rights: Rights) -> Verdict:
    """Apply one update under the guard. One-off: it copies the document; a room keeps a Guard."""
    guard = Guard(doc)
    try:
        return guard.apply(update, rights)
    finally:
        guard.close()


class Guard:
    """Applies client updates to one document's Y.Doc, refusing what the sender may not change.

    Create it when no transaction is open and keep it for the document's life in memory: it follows
    every transaction on the document (server edits included). Not for use inside a transaction. The
    shadow is copied with `get_update()`, which leaves out structs still waiting for a missing
    dependency; a document loaded from the room's log (integrated updates only) has none.
    """

    def __init__(self, doc: Doc[Any]) -> None:
        self.doc = doc
        self._order, self._paragraphs, self._info = bind(doc)
        self._pending: list[bytes] = []
        self._mirroring = True
        self._touches = _Touches()
        # Filled by _attach_shadow: the shadow replica, its observers, and the caches derived from it.
        self._shadow: Doc[Any]
        self._shadow_roots: tuple[Array[Any], Map[Any], Map[Any]]
        self._shadow_subscriptions: list[tuple[Array[Any] | Map[Any], Subscription]] = []
        self._shadow_doc_subscription: Subscription
        self._shadow_update: bytes
        self._watched: dict[str, tuple[Text, Subscription]] = {}
        self._meta: dict[str, dict[str, Any]] = {}
        self._frozen: str | None = None
        self._locked: frozenset[str] = frozenset()
        self._doc_subscription: Subscription | None = doc.observe(self._mirror)
        self._attach_shadow()

    def close(self) -> None:
        """Stop following the document (idempotent)."""
        if self._doc_subscription is not None:
            self.doc.unobserve(self._doc_subscription)
            self._doc_subscription = None
            self._detach_shadow()

    # -- applying ----------------------------------------------------------------------------------

    def apply(self, update: bytes, rights: Rights) -> Verdict:
        """Apply `update` from a sender with `rights`; what they may not change ends as if never sent."""
        self._catch_up()
        self._refresh()
        temporary = () if rights.edit_text else self._watch_all_unwatched()
        self._shadow_update = EMPTY_UPDATE
        try:
            apply_checked(self._shadow, update)
        except MalformedUpdate:
            self._reset_shadow()
            raise
        finally:
            for paragraph_id in temporary:
                self._unwatch(paragraph_id)
        # From here on the room's document receives what the shadow integrated, as Yrs encoded it,
        # never the client's bytes (docs/decisions/0008).
        update = self._shadow_update
        touches = self._touches
        if not touches or not self._needs_check(touches, rights):
            # Fast path. The touches stay: the shadow's caches follow them on the next call.
            self._apply_mirrored(update)
            return ACCEPTED
        self._touches = _Touches()
        with self.doc.transaction(origin=GUARD_ORIGIN):
            before = self._read_before(touches)
            self.doc.apply_update(update)
            refused = self._compensate(touches, before, rights)
        self._touches.absorb(touches)
        self._catch_up()
        return Verdict(tuple(dict.fromkeys(refused)))

    def _apply_mirrored(self, update: bytes) -> None:
        # The shadow already holds this update: keep it out of the mirror.
        self._mirroring = False
        try:
            apply_checked(self.doc, update)
        except MalformedUpdate:
            self._reset_shadow()
            raise
        finally:
            self._mirroring = True

    def _needs_check(self, touches: _Touches, rights: Rights) -> bool:
        if touches.texts or touches.info:
            return True
        if touches.order and (not rights.restructure or self._frozen or self._locked):
            return True
        for paragraph_id, action in touches.keys.items():
            if action == "add":
                allowed = rights.restructure and not self._frozen
            elif action == "delete":
                allowed = rights.restructure and not self._protected(paragraph_id, rights)
            else:
                allowed = not self._protected(paragraph_id, rights)
            if not allowed:
                return True
        return False

    def _protected(self, paragraph_id: str, rights: Rights) -> bool:
        return self._frozen is not None or paragraph_id in self._locked or not rights.edit_text

    def _read_before(self, touches: _Touches) -> _Before:
        replaced = {pid for pid, action in touches.keys.items() if action != "add"}
        texts = {}
        for paragraph_id in touches.texts | replaced:
            value = self._paragraphs.get(paragraph_id)
            texts[paragraph_id] = read_chunks(value) if isinstance(value, Text) else None
        info = {key: _plain(self._info.get(key, _ABSENT)) for key in touches.info}
        order = list(self._order) if touches.order else None
        return _Before(texts, info, order)

    def _compensate(self, touches: _Touches, before: _Before, rights: Rights) -> list[str]:
        refused: list[str] = []
        recreated = set()
        for paragraph_id, action in touches.keys.items():
            if action == "add":
                if rights.restructure and self._frozen is None:
                    continue
                refused.append(self._structure_refusal())
                if paragraph_id in self._paragraphs:
                    del self._paragraphs[paragraph_id]
                continue
            protected = self._protected(paragraph_id, rights)
            if not protected and (action == "update" or rights.restructure):
                continue
            refused.append(self._text_refusal(paragraph_id, rights) if protected else RESTRUCTURE_REFUSED)
            chunks = before.texts.get(paragraph_id)
            if chunks is not None:
                recreate_text(self._paragraphs, paragraph_id, chunks)
                recreated.add(paragraph_id)
        for paragraph_id in touches.texts - recreated:
            text = self._paragraphs.get(paragraph_id)
            chunks = before.texts.get(paragraph_id)
            if isinstance(text, Text) and chunks is not None and restore_text(text, chunks):
                refused.append(self._text_refusal(paragraph_id, rights))
        for key, value in before.info.items():
            refused.append(INFO_REFUSED)
            self._restore_info(key, value)
        if before.order is not None:
            refused.extend(self._compensate_order(before.order, rights))
        return refused

    def _restore_info(self, key: str, value: object) -> None:
        if _plain(self._info.get(key, _ABSENT)) == value:
            return
        if value is _ABSENT:
            del self._info[key]
        else:
            self._info[key] = value

    def _compensate_order(self, before: list[object], rights: Rights) -> list[str]:
        after = list(self._order)
        if after == before:
            return []
        if not rights.restructure or self._frozen is not None:
            restore_order(self._order, before)
            return [self._structure_refusal()]
        present = set(after)
        removed = [pid for pid in before if pid in self._locked and pid not in present]
        if not removed:
            return []
        reinsert_removed(self._order, before, removed)
        return [f"{self._describe(str(pid))}: it cannot be removed" for pid in removed]

    # -- refusals, in the negotiators' words ------------------------------------------------------

    def _text_refusal(self, paragraph_id: str, rights: Rights) -> str:
        if self._frozen is not None:
            return f"the document is {self._frozen}: its text cannot change"
        if paragraph_id in self._locked:
            return f"{self._describe(paragraph_id)}: its text cannot change"
        return EDIT_REFUSED

    def _structure_refusal(self) -> str:
        if self._frozen is not None:
            return f"the document is {self._frozen}: paragraphs cannot be added, removed or reordered"
        return RESTRUCTURE_REFUSED

    def _describe(self, paragraph_id: str) -> str:
        meta = self._meta.get(paragraph_id, {})
        label = str(meta.get("label") or paragraph_id)
        status = str(meta.get("status") or "").replace("_", " ")
        return f"{label} is locked ({status})" if status else f"{label} is locked"

    # -- the shadow and what it tells -------------------------------------------------------------

    def _attach_shadow(self) -> None:
        self._shadow = Doc()
        self._shadow.apply_update(self.doc.get_update())
        self._pending.clear()
        order, paragraphs, info = bind(self._shadow)
        self._shadow_roots = (order, paragraphs, info)
        self._shadow_update = EMPTY_UPDATE
        self._shadow_doc_subscription = self._shadow.observe(self._shadow_committed)
        self._shadow_subscriptions = [
            (order, order.observe(self._order_touched)),
            (paragraphs, paragraphs.observe(self._keys_touched)),
            (info, info.observe_deep(self._info_touched)),
        ]
        self._touches = _Touches()
        self._watched = {}
        self._meta = {key: _meta(value) for key, value in info.items()}
        self._derive_locks()
        self._rewatch(set())

    def _detach_shadow(self) -> None:
        for paragraph_id in list(self._watched):
            self._unwatch(paragraph_id)
        for target, subscription in self._shadow_subscriptions:
            target.unobserve(subscription)
        self._shadow_subscriptions.clear()
        self._shadow.unobserve(self._shadow_doc_subscription)

    def _reset_shadow(self) -> None:
        # After a failed update the shadow may hold part of it: copy the document again.
        self._detach_shadow()
        self._attach_shadow()

    def _shadow_committed(self, event: TransactionEvent) -> None:
        self._shadow_update = event.update

    def _mirror(self, event: TransactionEvent) -> None:
        if self._mirroring and (update := event.update) != EMPTY_UPDATE:
            self._pending.append(update)

    def _catch_up(self) -> None:
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        with self._shadow.transaction():
            for update in pending:
                self._shadow.apply_update(update)

    def _order_touched(self, _event: ArrayEvent) -> None:
        self._touches.order = True

    def _keys_touched(self, event: Any) -> None:
        # A pycrdt MapEvent: its `keys` is declared only in __slots__, so typing cannot see it.
        for key, change in event.keys.items():
            self._touches.keys[key] = change["action"]

    def _info_touched(self, events: list[Any]) -> None:
        for event in events:
            if event.path:
                self._touches.info.add(str(event.path[0]))
            else:
                self._touches.info.update(event.keys)

    def _text_touched(self, paragraph_id: str) -> None:
        self._touches.texts.add(paragraph_id)

    def _refresh(self) -> None:
        """Bring the lock caches and the watched texts up to the shadow's state; clear the touches."""
        touches = self._touches
        if not touches:
            return
        if touches.info:
            info = self._shadow_roots[2]
            for key in touches.info:
                value = info.get(key, _ABSENT)
                if value is _ABSENT:
                    self._meta.pop(key, None)
                else:
                    self._meta[key] = _meta(value)
            self._derive_locks()
        if touches.info or touches.keys:
            self._rewatch(set(touches.keys))
        self._touches = _Touches()

    def _derive_locks(self) -> None:
        status = self._meta.get(DOCUMENT_KEY, {}).get("status")
        self._frozen = FROZEN.get(status) if isinstance(status, str) else None
        self._locked = frozenset(
            key for key, meta in self._meta.items() if key != DOCUMENT_KEY and meta.get("locked") is True
        )

    def _rewatch(self, replaced: set[str]) -> None:
        paragraphs = self._shadow_roots[1]
        wanted = set(paragraphs.keys()) if self._frozen is not None else set(self._locked)
        for paragraph_id in list(self._watched):
            if paragraph_id in replaced or paragraph_id not in wanted:
                self._unwatch(paragraph_id)
        for paragraph_id in wanted - self._watched.keys():
            self._watch(paragraph_id)

    def _watch_all_unwatched(self) -> tuple[str, ...]:
        return tuple(
            pid for pid in set(self._shadow_roots[1].keys()) - self._watched.keys() if self._watch(pid)
        )

    def _watch(self, paragraph_id: str) -> bool:
        text = self._shadow_roots[1].get(paragraph_id)
        if not isinstance(text, Text):
            return False
        self._watched[paragraph_id] = (text, text.observe(partial(self._text_touched, paragraph_id)))
        return True

    def _unwatch(self, paragraph_id: str) -> None:
        watched = self._watched.pop(paragraph_id, None)
        if watched is not None:
            watched[0].unobserve(watched[1])


def _meta(value: object) -> dict[str, Any]:
    plain = _plain(value)
    return plain if isinstance(plain, dict) else {}


def _plain(value: object) -> object:
    if isinstance(value, Map | Array | Text):
        return value.to_py()
    return value
