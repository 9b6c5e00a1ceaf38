"""The stored shape of a negotiation: delegations, users, negotiations, documents and their update log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Enum,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from drafting.clock import utcnow
from drafting.kinds import DelegationKind, DocumentKind, DocumentStatus, Role


def _enum(enum: type[Role] | type[DelegationKind] | type[DocumentKind] | type[DocumentStatus]) -> Enum:
    # Stored as plain strings (values, not names) so that adding a member needs no ALTER TYPE.
    return Enum(
        enum, native_enum=False, length=40, values_callable=lambda members: [m.value for m in members]
    )


class Base(DeclarativeBase):
    pass


participants = Table(
    "negotiation_participants",
    Base.metadata,
    Column("negotiation_id", ForeignKey("negotiations.id", ondelete="CASCADE"), primary_key=True),
    Column("delegation_id", ForeignKey("delegations.id", ondelete="CASCADE"), primary_key=True),
)


class Delegation(Base):
    __tablename__ = "delegations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[DelegationKind] = mapped_column(_enum(DelegationKind))


class Negotiation(Base):
    __tablename__ = "negotiations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    chair_id: Mapped[int] = mapped_column(ForeignKey("delegations.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    chair: Mapped[Delegation] = relationship(foreign_keys=[chair_id])
    participants: Mapped[list[Delegation]] = relationship(secondary=participants, order_by=Delegation.code)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("issuer", "subject"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role))
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegations.id"))
    issuer: Mapped[str | None] = mapped_column(String(500))
    subject: Mapped[str | None] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    delegation: Mapped[Delegation | None] = relationship()


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    negotiation_id: Mapped[int] = mapped_column(ForeignKey("negotiations.id"))
    kind: Mapped[DocumentKind] = mapped_column(_enum(DocumentKind))
    title: Mapped[str] = mapped_column(String(300))
    status: Mapped[DocumentStatus] = mapped_column(_enum(DocumentStatus), default=DocumentStatus.DRAFT)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    negotiation: Mapped[Negotiation] = relationship()


class DocumentUpdate(Base):
    """One committed Yjs update. The log is append-only: it is the historical memory of the text.

    Since migration 0005 each row names its sender (drafting.senders) and carries `digest`, the link of
    the document's hash chain over its log (drafting.store.log_digest). Since 0007 the old rows are
    folded into `DocumentLogSegment`s; the store reads both as one log.
    """

    __tablename__ = "document_updates"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    origin: Mapped[str | None] = mapped_column(String(20))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    delegation_id: Mapped[int | None] = mapped_column(ForeignKey("delegations.id"))
    # A foreign key to position_versions in the schema (0005); not declared here, where the deliberation
    # tables are not known.
    position_version_id: Mapped[int | None] = mapped_column(Integer)
    digest: Mapped[str | None] = mapped_column(String(64))


class DocumentLogSegment(Base):
    """Updates `first_seq`..`last_seq` of the log folded into one row (drafting.segments, decision 0025):
    `rows` holds their moments, senders and bytes; `digest` is the chain link of `last_seq`, from which
    the links of the rows inside are recomputed. `first_at`/`last_at`: the earliest and latest moment."""

    __tablename__ = "document_log_segments"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    first_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    first_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    rows: Mapped[bytes] = mapped_column(LargeBinary)
    digest: Mapped[str] = mapped_column(String(64))


class DocumentCheckpoint(Base):
    """The whole document state folded up to and including update `seq`."""

    __tablename__ = "document_checkpoints"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    state: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    compression: Mapped[str | None] = mapped_column(String(10))  # None: the state as Yrs encoded it
    authorship: Mapped[bytes | None] = mapped_column(LargeBinary)  # who wrote what (authorship_index)


class AuditEntry(Base):
    """One act in the audit trail. Append-only and hash-chained per negotiation (drafting.audit)."""

    __tablename__ = "audit_entries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(80))
    subject: Mapped[str] = mapped_column(String(200))
    detail: Mapped[str] = mapped_column(Text, default="")
    # The chain (migration 0005): a negotiation's own, or the installation's (sign-ins, roles) when None.
    negotiation_id: Mapped[int | None] = mapped_column(ForeignKey("negotiations.id"), index=True)
    seq: Mapped[int | None] = mapped_column(Integer)
    previous: Mapped[str | None] = mapped_column(String(64), unique=True)  # unique: a chain cannot fork
    hash: Mapped[str | None] = mapped_column(String(64))


class AuditHead(Base):
    """The newest link of each audit chain; its row lock serializes writers of the chain."""

    __tablename__ = "audit_heads"
    chain: Mapped[str] = mapped_column(String(40), primary_key=True)
    entries: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(String(64))


class DocumentLease(Base):
    """Which instance writes a document (several instances, docs/decisions/0043): the holder, until
    `expires_at`, under a fencing `token` that grows by one at every take; a commit names the token."""

    __tablename__ = "document_leases"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    token: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
