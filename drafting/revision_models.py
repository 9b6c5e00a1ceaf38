"""The stored shape of named revisions (migration 0005): immutable, hash-chained per document."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, LargeBinary, String, Text, event
from sqlalchemy import UniqueConstraint as Unique
from sqlalchemy.orm import Mapped, mapped_column

from drafting.errors import Conflict
from drafting.models import Base


class Revision(Base):
    """A named state of a document: zero draft (number 0), Rev.1, Rev.2 … and the final text.

    `text` is the rendered text (drafting.rendered, canonical JSON), `state` the CRDT state at update
    `seq` of the log, `log_digest` the log's chain link at `seq`: the revision's hash covers all three.
    """

    __tablename__ = "revisions"
    __table_args__ = (Unique("document_id", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(80))
    final: Mapped[bool] = mapped_column(Boolean, default=False)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    log_digest: Mapped[str] = mapped_column(String(64))
    state: Mapped[bytes] = mapped_column(LargeBinary)
    text: Mapped[str] = mapped_column(Text)
    made_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the silence clock
    made_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    previous: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)


@event.listens_for(Revision, "before_update")
@event.listens_for(Revision, "before_delete")
def _revisions_are_immutable(_mapper: Any, _connection: Any, revision: Revision) -> None:
    raise Conflict(f"revision {revision.name} is part of the historical memory and cannot be altered")
