"""The stored shape of deliberation: comments and their edits, per-document comment settings, and
positions with their immutable submitted versions and incorporations (migration 0004)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from drafting.clock import utcnow
from drafting.errors import Conflict
from drafting.kinds import AmendmentKind, Stance, Visibility
from drafting.models import Base, Delegation, User


def _enum(enum: type[StrEnum]) -> Enum:
    return Enum(
        enum, native_enum=False, length=40, values_callable=lambda members: [m.value for m in members]
    )


class CommentSettings(Base):
    __tablename__ = "comment_settings"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    observers_may_comment: Mapped[bool] = mapped_column(Boolean, default=False)
    changed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Comment(Base):
    """A comment on a paragraph (by its stable id); a reply names the thread's first comment."""

    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    paragraph_id: Mapped[str] = mapped_column(String(40))
    thread_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegations.id"))
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility))
    by_observer: Mapped[bool] = mapped_column(Boolean, default=False)
    body: Mapped[str] = mapped_column(Text)
    # Yjs relative positions (the binary of Y.encodeRelativePosition) of the span's ends, and the
    # words under the span when the comment was made.
    span_start: Mapped[bytes | None] = mapped_column(LargeBinary)
    span_end: Mapped[bytes | None] = mapped_column(LargeBinary)
    quote: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    edited_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    delegation: Mapped[Delegation | None] = relationship()
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])


class CommentEdit(Base):
    """A comment's text before one of its edits (the history; the comment holds the newest)."""

    __tablename__ = "comment_edits"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    comment_id: Mapped[int] = mapped_column(ForeignKey("comments.id"), index=True)
    body: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    replaced_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Position(Base):
    """A delegation's position on one paragraph: its working draft, and the number of its newest
    submitted version (the versions themselves never change)."""

    __tablename__ = "positions"
    __table_args__ = (UniqueConstraint("document_id", "paragraph_id", "delegation_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    paragraph_id: Mapped[str] = mapped_column(String(40))
    delegation_id: Mapped[int] = mapped_column(ForeignKey("delegations.id"))
    draft_stance: Mapped[Stance | None] = mapped_column(_enum(Stance))
    draft_amendment: Mapped[AmendmentKind | None] = mapped_column(_enum(AmendmentKind))
    draft_text: Mapped[str | None] = mapped_column(Text)
    draft_justification: Mapped[str] = mapped_column(Text, default="")
    draft_base: Mapped[str | None] = mapped_column(Text)
    draft_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    draft_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    latest_version: Mapped[int] = mapped_column(Integer, default=0)
    delegation: Mapped[Delegation] = relationship()
    versions: Mapped[list[PositionVersion]] = relationship(
        back_populates="position", order_by="PositionVersion.number"
    )


class PositionVersion(Base):
    __tablename__ = "position_versions"
    __table_args__ = (UniqueConstraint("position_id", "number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position_id: Mapped[int] = mapped_column(ForeignKey("positions.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    stance: Mapped[Stance] = mapped_column(_enum(Stance))
    amendment: Mapped[AmendmentKind | None] = mapped_column(_enum(AmendmentKind))
    proposed_text: Mapped[str | None] = mapped_column(Text)
    justification: Mapped[str] = mapped_column(Text, default="")
    base_text: Mapped[str] = mapped_column(Text)  # the paragraph's text it was written against
    withdrawn: Mapped[bool] = mapped_column(Boolean, default=False)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    position: Mapped[Position] = relationship(back_populates="versions")
    submitted_by: Mapped[User] = relationship()


class Incorporation(Base):
    """The PPT wrote a submitted amendment into the text (at most once per version)."""

    __tablename__ = "incorporations"
    version_id: Mapped[int] = mapped_column(ForeignKey("position_versions.id"), primary_key=True)
    incorporated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    incorporated_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text_before: Mapped[str] = mapped_column(Text)
    text_after: Mapped[str | None] = mapped_column(Text)  # None: the paragraph was deleted
    new_paragraph_id: Mapped[str | None] = mapped_column(String(40))
    incorporated_by: Mapped[User] = relationship()


@event.listens_for(PositionVersion, "before_update")
@event.listens_for(PositionVersion, "before_delete")
def _versions_are_immutable(_mapper: Any, _connection: Any, version: PositionVersion) -> None:
    raise Conflict(
        f"position version {version.id} was submitted and cannot be altered", code="immutable_version"
    )
