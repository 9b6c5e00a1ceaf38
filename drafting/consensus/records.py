"""The record of consensus: every change of a paragraph's status or lock, silence procedures, adoptions.

Each change is also written to the audit trail (drafting.models.AuditEntry). The live state (what the
guard enforces) is the document's `info` map; these tables are the historical memory of how it got
there, and the silence procedures' deadlines, which must survive a restart.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    func,
    select,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from drafting.catalogue import document_by_id
from drafting.clock import as_utc, utcnow
from drafting.consensus.rules import FinalText, ParagraphState
from drafting.kinds import DocumentStatus, ParagraphStatus, SilenceState
from drafting.models import AuditEntry, Base


class ParagraphStatusChange(Base):
    __tablename__ = "paragraph_status_changes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    paragraph_id: Mapped[str] = mapped_column(String(32))
    label: Mapped[str] = mapped_column(String(40), default="")
    from_status: Mapped[str] = mapped_column(String(40))
    from_locked: Mapped[bool] = mapped_column(Boolean)
    to_status: Mapped[str] = mapped_column(String(40))
    to_locked: Mapped[bool] = mapped_column(Boolean)
    cause: Mapped[str] = mapped_column(String(40))  # status, lock, unlock, silence_broken, adoption
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: the server's clock
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    reason: Mapped[str] = mapped_column(Text, default="")


class SilenceProcedure(Base):
    __tablename__ = "silence_procedures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    state: Mapped[str] = mapped_column(String(20), default=SilenceState.RUNNING.value)
    deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    started_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    reason: Mapped[str] = mapped_column(Text, default="")  # why it was cancelled or broken
    paragraphs: Mapped[str] = mapped_column(Text, default="[]")  # JSON: the ids silence was broken on


class Adoption(Base):
    __tablename__ = "adoptions"
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    adopted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    adopted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: silence ended unbroken
    silence_id: Mapped[int | None] = mapped_column(ForeignKey("silence_procedures.id"))
    final_text: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64))
    final_state: Mapped[bytes | None] = mapped_column(LargeBinary)


@dataclass(frozen=True)
class ParagraphChange:
    paragraph_id: str
    label: str
    before: ParagraphState
    after: ParagraphState


@dataclass(frozen=True)
class Silence:
    """A silence procedure as the web layer shows it."""

    id: int
    document_id: int
    state: SilenceState
    deadline: datetime
    started_at: datetime
    ended_at: datetime | None
    reason: str
    paragraphs: list[str]

    @classmethod
    def of(cls, row: SilenceProcedure) -> Silence:
        return cls(
            id=row.id,
            document_id=row.document_id,
            state=SilenceState(row.state),
            deadline=as_utc(row.deadline),
            started_at=as_utc(row.started_at),
            ended_at=as_utc(row.ended_at) if row.ended_at else None,
            reason=row.reason,
            paragraphs=list(json.loads(row.paragraphs or "[]")),
        )


def _subject(document_id: int, paragraph_id: str | None = None) -> str:
    return f"document/{document_id}" + (f"/paragraph/{paragraph_id}" if paragraph_id else "")


def audit(session: Session, actor_id: int | None, action: str, subject: str, detail: str) -> None:
    session.add(AuditEntry(actor_id=actor_id, action=action, subject=subject, detail=detail))


def record_paragraph_changes(
    session: Session,
    document_id: int,
    actor_id: int | None,
    changes: Sequence[ParagraphChange],
    *,
    cause: str,
    reason: str,
    now: datetime,
) -> None:
    for change in changes:
        if change.before == change.after:
            continue
        session.add(
            ParagraphStatusChange(
                document_id=document_id,
                paragraph_id=change.paragraph_id,
                label=change.label[:40],
                from_status=change.before.status.value,
                from_locked=change.before.locked,
                to_status=change.after.status.value,
                to_locked=change.after.locked,
                cause=cause,
                actor_id=actor_id,
                at=now,
                reason=reason,
            )
        )
        detail = (
            f"{change.label or change.paragraph_id}: {_state(change.before)} → {_state(change.after)}"
            + (f". Reason: {reason}" if reason else "")
        )
        audit(session, actor_id, f"paragraph_{cause}", _subject(document_id, change.paragraph_id), detail)


def _state(state: ParagraphState) -> str:
    return state.status.value + (" (locked)" if state.locked else "")


def paragraph_history(session: Session, document_id: int) -> list[ParagraphStatusChange]:
    return list(
        session.scalars(
            select(ParagraphStatusChange)
            .where(ParagraphStatusChange.document_id == document_id)
            .order_by(ParagraphStatusChange.id)
        )
    )


def recorded_states(session: Session, document_id: int) -> tuple[dict[str, ParagraphState], DocumentStatus]:
    """What the records say now: each paragraph's latest recorded state, and the document's status."""
    latest: dict[str, ParagraphState] = {}
    for change in paragraph_history(session, document_id):
        latest[change.paragraph_id] = ParagraphState(ParagraphStatus(change.to_status), change.to_locked)
    return latest, document_by_id(session, document_id).status


def set_document_status(session: Session, document_id: int, status: DocumentStatus) -> None:
    document_by_id(session, document_id).status = status


def running_silence(session: Session, document_id: int) -> SilenceProcedure | None:
    return session.scalar(
        select(SilenceProcedure)
        .where(
            SilenceProcedure.document_id == document_id,
            SilenceProcedure.state == SilenceState.RUNNING.value,
        )
        .order_by(SilenceProcedure.id.desc())
        .limit(1)
    )


def latest_silence(session: Session, document_id: int) -> Silence | None:
    row = session.scalar(
        select(SilenceProcedure)
        .where(SilenceProcedure.document_id == document_id)
        .order_by(SilenceProcedure.id.desc())
        .limit(1)
    )
    return Silence.of(row) if row is not None else None


def begin_silence(
    session: Session, document_id: int, actor_id: int, deadline: datetime, now: datetime
) -> Silence:
    row = SilenceProcedure(
        document_id=document_id,
        state=SilenceState.RUNNING.value,
        deadline=deadline,
        started_by=actor_id,
        started_at=now,
    )
    session.add(row)
    set_document_status(session, document_id, DocumentStatus.UNDER_SILENCE)
    session.flush()
    audit(
        session,
        actor_id,
        "silence_started",
        _subject(document_id),
        f"silence procedure until {as_utc(deadline).isoformat()}",
    )
    return Silence.of(row)


def finish_silence(
    session: Session,
    row: SilenceProcedure,
    state: SilenceState,
    actor_id: int | None,
    now: datetime,
    *,
    reason: str = "",
    paragraphs: Sequence[str] = (),
) -> Silence:
    row.state = state.value
    row.ended_by = actor_id
    row.ended_at = now
    row.reason = reason
    row.paragraphs = json.dumps(list(paragraphs))
    if state is not SilenceState.ADOPTED:
        set_document_status(session, row.document_id, DocumentStatus.DRAFT)
    detail = {
        SilenceState.CANCELLED: "silence procedure cancelled",
        SilenceState.BROKEN: f"silence broken on {', '.join(paragraphs)}",
        SilenceState.ADOPTED: "silence procedure ended unbroken: adopted",
        SilenceState.RUNNING: "",
    }[state] + (f". Reason: {reason}" if reason else "")
    audit(session, actor_id, f"silence_{state.value}", _subject(row.document_id), detail)
    session.flush()
    return Silence.of(row)


def due_silences(session: Session, now: datetime) -> list[int]:
    """Documents whose running silence procedure's deadline has passed."""
    rows = session.scalars(
        select(SilenceProcedure).where(SilenceProcedure.state == SilenceState.RUNNING.value)
    )
    return sorted({row.document_id for row in rows if as_utc(row.deadline) <= as_utc(now)})


def next_deadline(session: Session) -> datetime | None:
    value = session.scalar(
        select(func.min(SilenceProcedure.deadline)).where(
            SilenceProcedure.state == SilenceState.RUNNING.value
        )
    )
    return as_utc(value) if value is not None else None


def record_adoption(
    session: Session,
    document_id: int,
    actor_id: int | None,
    final: FinalText,
    now: datetime,
    *,
    silence_id: int | None = None,
) -> None:
    session.add(
        Adoption(
            document_id=document_id,
            adopted_at=now,
            adopted_by=actor_id,
            silence_id=silence_id,
            final_text=final.text,
            sha256=final.sha256,
        )
    )
    set_document_status(session, document_id, DocumentStatus.ADOPTED)
    audit(session, actor_id, "document_adopted", _subject(document_id), f"adopted; SHA-256 {final.sha256}")


def store_final_state(session: Session, document_id: int, state: bytes) -> None:
    adoption = session.get(Adoption, document_id)
    if adoption is not None:
        adoption.final_state = state


def adoption_of(session: Session, document_id: int) -> Adoption | None:
    return session.get(Adoption, document_id)
