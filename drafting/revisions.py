"""Named revisions: the zero draft, Rev.1, Rev.2 … and the final text, each immutable and hash-chained.

A revision keeps the document's CRDT state at one update of its log, the rendered text (labels,
statuses, locks), who made it and when. Its SHA-256 covers all of that, the log's chain link at that
update (so the revision vouches for the whole log before it) and the previous revision's hash.

Before a revision is made the text is renumbered (OP7bis → OP8, PP2ter → PP4): `renumbering` says which
labels change, the room writes them with `apply_renumbering` as one server edit (ids stay), and the
revision is made of the state that edit reached.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from pycrdt import Doc, Map
from sqlalchemy import select
from sqlalchemy.orm import Session

from drafting import audit
from drafting.chain import Break, genesis, link, missing, moment, sha256_hex
from drafting.errors import Conflict, InvalidInput, MalformedUpdate, NotFound
from drafting.labels import number
from drafting.layout import DOCUMENT_KEY, Paragraph, bind
from drafting.log_reads import digest_at
from drafting.rendered import RenderedText, from_json, render, to_canonical
from drafting.revision_models import Revision
from drafting.updates import apply_checked

NAME_LIMIT = 80
FINAL_NAME = "Final text"


def revision_name(number_: int, *, final: bool = False) -> str:
    if final:
        return FINAL_NAME
    return "Zero draft" if number_ == 0 else f"Rev.{number_}"


# -- renumbering ------------------------------------------------------------------------------------


def renumbering(paragraphs: Sequence[Paragraph]) -> dict[str, str]:
    """The new label of every paragraph whose label changes when the text is numbered afresh."""
    labels = number([p.kind for p in paragraphs])
    return {p.id: label for p, label in zip(paragraphs, labels, strict=True) if p.label != label}


def apply_renumbering(doc: Doc[Any], labels: dict[str, str]) -> None:
    """Write the new labels into `info`, keeping each entry's other fields; the caller owns the
    (server) transaction and commits it before the revision is made."""
    _, _, info = bind(doc)
    for paragraph_id, label in labels.items():
        if paragraph_id == DOCUMENT_KEY:
            raise InvalidInput("the document's own entry has no label")
        current = info.get(paragraph_id)
        if isinstance(current, Map):
            current = current.to_py()
        if not isinstance(current, dict):
            raise NotFound("paragraph", paragraph_id)
        info[paragraph_id] = {**current, "label": label}


# -- making and reading -----------------------------------------------------------------------------


def revision_hash(revision: Revision) -> str:
    return link(
        revision.previous,
        {
            "document_id": revision.document_id,
            "number": revision.number,
            "name": revision.name,
            "final": revision.final,
            "seq": revision.seq,
            "log_digest": revision.log_digest,
            "state": sha256_hex(revision.state),
            "text": revision.text,
            "made_by_id": revision.made_by_id,
            "made_at": moment(revision.made_at),
        },
    )


def revisions_genesis(document_id: int) -> str:
    return genesis(f"document/{document_id}/revisions")


def make_revision(
    session: Session,
    document_id: int,
    doc: Doc[Any],
    seq: int,
    *,
    made_by: int | None,
    at: datetime,
    name: str | None = None,
    final: bool = False,
) -> Revision:
    """Archive `doc`, which holds exactly updates 1..`seq` of the document's log, as the next revision.

    Call it once the update `seq` is committed (the room's `committed()`), in the session that records
    the act; the number is the previous revision's plus one (0 for the first, the zero draft).
    """
    log_digest = digest_at(session.connection(), document_id, seq)
    if log_digest is None:
        raise NotFound("chained update of the log", f"document {document_id}, update {seq}")
    previous = latest_revision(session, document_id)
    if previous is not None and previous.final:
        raise Conflict(
            f"the document is adopted: its final text is {previous.name}, and no revision follows it"
        )
    if previous is not None and seq < previous.seq:
        raise Conflict(
            f"{previous.name} already holds update {previous.seq}; a revision cannot go back in time"
        )
    next_number = previous.number + 1 if previous is not None else 0
    name = (name or revision_name(next_number, final=final)).strip()
    if not name or len(name) > NAME_LIMIT:
        raise InvalidInput(f"a revision's name has 1 to {NAME_LIMIT} characters")
    revision = Revision(
        document_id=document_id,
        number=next_number,
        name=name,
        final=final,
        seq=seq,
        log_digest=log_digest,
        state=doc.get_update(),
        text=to_canonical(render(doc)),
        made_by_id=made_by,
        made_at=at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC),
        previous=previous.sha256 if previous is not None else revisions_genesis(document_id),
    )
    revision.sha256 = revision_hash(revision)
    session.add(revision)
    session.flush()
    audit.record(
        session,
        made_by,
        "revision_made",
        f"document/{document_id}/revision/{next_number}",
        f"{name} at update {seq}; SHA-256 {revision.sha256}",
    )
    return revision


def revisions_of(session: Session, document_id: int) -> list[Revision]:
    return list(
        session.scalars(select(Revision).where(Revision.document_id == document_id).order_by(Revision.number))
    )


def latest_revision(session: Session, document_id: int) -> Revision | None:
    return session.scalar(
        select(Revision).where(Revision.document_id == document_id).order_by(Revision.number.desc()).limit(1)
    )


def revision_by_number(session: Session, document_id: int, number_: int) -> Revision:
    found = session.scalar(
        select(Revision).where(Revision.document_id == document_id, Revision.number == number_)
    )
    if found is None:
        raise NotFound("revision", f"{number_} of document {document_id}")
    return found


def rendered_of(revision: Revision) -> RenderedText:
    return from_json(revision.text)


def doc_of(revision: Revision) -> Doc[Any]:
    doc: Doc[Any] = Doc()
    apply_checked(doc, revision.state)
    return doc


def revision_json(revision: Revision) -> dict[str, Any]:
    return {
        "id": revision.id,
        "document_id": revision.document_id,
        "number": revision.number,
        "name": revision.name,
        "final": revision.final,
        "seq": revision.seq,
        "made_by": revision.made_by_id,
        "made_at": moment(revision.made_at),
        "sha256": revision.sha256,
        "previous": revision.previous,
        "log_digest": revision.log_digest,
    }


# -- verification -----------------------------------------------------------------------------------


def verify_revisions(session: Session, document_id: int) -> list[Break]:
    """Recompute every revision of the document: its hash, its link to the one before, the log's link it
    names, and that its rendered text is what its CRDT state holds. [] when all hold."""
    archived = revisions_of(session, document_id)
    connection = session.connection()
    digests = {seq: digest_at(connection, document_id, seq) for seq in {r.seq for r in archived}}
    return verify_revision_rows(document_id, archived, digests)


def verify_revision_rows(
    document_id: int, revisions: Sequence[Revision], log_digests: Mapping[int, str | None]
) -> list[Break]:
    """The checks of `verify_revisions` on revisions in number order and the log's links at their seqs."""
    chain = f"document/{document_id}/revisions"
    breaks = []
    expected, number = revisions_genesis(document_id), 0
    for revision in revisions:
        item = f"revision {revision.name} (number {revision.number})"
        if revision.number < number:
            breaks.append(Break(chain, item, f"it should be number {number}"))
        elif revision.number > number:
            breaks.append(Break(chain, item, missing("revision", number, revision.number - 1) + " before it"))
        number = max(number, revision.number) + 1
        if revision.previous != expected:
            breaks.append(Break(chain, item, "the revision before it was changed or removed"))
        if revision_hash(revision) != revision.sha256:
            breaks.append(Break(chain, item, "its content no longer matches its SHA-256"))
        if log_digests.get(revision.seq) != revision.log_digest:
            breaks.append(
                Break(chain, item, f"the update log up to update {revision.seq} is not the one it archived")
            )
        if not _state_renders_text(revision):
            breaks.append(Break(chain, item, "its CRDT state does not hold its rendered text"))
        expected = revision.sha256
    return breaks


def _state_renders_text(revision: Revision) -> bool:
    try:
        return to_canonical(render(doc_of(revision))) == revision.text
    except (MalformedUpdate, ValueError):  # a damaged state: reported as a break, with the others
        return False
