"""Time travel: the document as it was at any update of its log, the data of a time slider.

A past state is the newest checkpoint at or before the moment wanted plus the log between them; the store
keeps one checkpoint every `HISTORY_EVERY` updates along the whole history (docs/decisions/0020), so the
replay stays short however long the log. `fill_checkpoints` writes the ones a log older than that rule
lacks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pycrdt import Doc

from drafting import store as stored
from drafting.chain import moment
from drafting.errors import NotFound
from drafting.log_rows import check_unbroken
from drafting.rendered import RenderedText, render
from drafting.senders import Sender
from drafting.store import Checkpoint, Store
from drafting.updates import apply_checked, replayed

TIMELINE_LIMIT = 10_000


def doc_at(store: Store, document_id: int, seq: int) -> Doc[Any]:
    """The document holding exactly updates 1..`seq` of its log."""
    last = store.last_seq(document_id)
    if not 1 <= seq <= last:
        raise NotFound("update of the log", f"{seq} of document {document_id} (it has 1 to {last})")
    checkpoint_seq, state = store.checkpoint_upto(document_id, seq)
    tail = list(store.updates_between(document_id, checkpoint_seq, seq))
    check_unbroken(document_id, checkpoint_seq, [row_seq for row_seq, _ in tail], upto=seq)
    return replayed(state, [data for _, data in tail])


def text_at(store: Store, document_id: int, seq: int) -> RenderedText:
    return render(doc_at(store, document_id, seq))


@dataclass(frozen=True)
class Moment:
    """One tick of the time slider: an update, when it was committed, and who sent it."""

    seq: int
    at: datetime
    sender: Sender

    def as_json(self) -> dict[str, Any]:
        return {"seq": self.seq, "at": moment(self.at), **self.sender.as_json()}


def timeline(store: Store, document_id: int, *, after: int = 0, limit: int = 1000) -> list[Moment]:
    """The log's updates after `after`, oldest first, without their bytes (at most `TIMELINE_LIMIT`)."""
    found = store.senders(document_id, after=after, limit=max(1, min(limit, TIMELINE_LIMIT)))
    return [Moment(seq, at, sender) for seq, at, sender in found]


def seq_at(store: Store, document_id: int, at: datetime) -> int:
    """The last update committed at or before `at` (0: the document did not exist yet)."""
    return store.seq_at(document_id, at)


def fill_checkpoints(store: Store, document_id: int) -> list[int]:
    """Write the history checkpoints the log lacks (one at each multiple of HISTORY_EVERY without one in
    its stretch), replaying the log once; returns where it wrote them."""
    every = stored.HISTORY_EVERY
    last = store.last_seq(document_id)
    have = {seq // every for seq in store.checkpoint_seqs(document_id)}
    wanted = {k * every for k in range(1, last // every + 1) if k not in have}
    if not wanted:
        return []
    doc: Doc[Any] = Doc()
    written = []
    for seq, data in store.updates_between(document_id, 0, max(wanted)):
        apply_checked(doc, data)
        if seq in wanted:
            store.checkpoint(Checkpoint(document_id, seq, doc.get_update()))
            written.append(seq)
    return written
