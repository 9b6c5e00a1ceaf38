"""Named revisions of a live document, made by the Secretariat or the PPT, and at adoption by the
workflow: the room's labels renumbered (OP7bis becomes OP8; the ids stay), then the committed state
archived as the next revision of the document's chain (drafting.revisions)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pycrdt import Doc
from sqlalchemy.orm import Session

from drafting import revisions
from drafting.consensus.info import document_status
from drafting.errors import Conflict
from drafting.kinds import DocumentStatus, UpdateOrigin
from drafting.layout import read_paragraphs
from drafting.revision_models import Revision
from drafting.senders import Sender
from drafting.updates import apply_checked
from server.sync.room import Room


async def renumber(room: Room, user_id: int | None) -> None:
    """Number the text afresh (bis/ter labels become plain numbers) as a server edit, if anything moves."""
    labels = revisions.renumbering(read_paragraphs(room.doc))
    if labels:
        sender = Sender.server(UpdateOrigin.LABELS, user_id)
        await room.edit(lambda doc: revisions.apply_renumbering(doc, labels), sender)


def archived_doc(state: bytes) -> Doc[Any]:
    doc: Doc[Any] = Doc()
    apply_checked(doc, state)
    return doc


async def archive(
    room: Room, user_id: int | None, *, name: str | None = None, final: bool = False
) -> tuple[int, Doc[Any]]:
    """Renumber, then (seq, a copy of the document) as committed: what a revision archives. The caller
    holds the document's lock."""
    if not final and document_status(room.doc) is DocumentStatus.ADOPTED:
        raise Conflict(
            "the document is adopted: its final text is its last revision", code="document_adopted"
        )
    await renumber(room, user_id)
    seq, state = await room.snapshot()
    return seq, archived_doc(state)


def make(
    session: Session,
    document_id: int,
    archived: tuple[int, Doc[Any]],
    user_id: int | None,
    *,
    at: datetime,
    name: str | None = None,
    final: bool = False,
) -> Revision:
    seq, doc = archived
    return revisions.make_revision(
        session, document_id, doc, seq, made_by=user_id, at=at, name=name, final=final
    )
