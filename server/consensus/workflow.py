"""The consensus workflow of a document: paragraph statuses and locks, the silence procedure, adoption,
and every change the server makes to the text (server/consensus/text_changes.py).

Each runs under the document's one lock, so the state it decides on (read from the room's `info`) cannot
change before its outcome is written. Each records first (drafting.consensus.records, the audit trail),
then writes into `info` through the room (committed, then broadcast) and notifies the participants. A
crash between the two leaves `info` behind the records; every room is realigned as it opens.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Collection
from datetime import datetime, timedelta
from typing import Any, TypeVar

from pycrdt import Doc
from sqlalchemy.orm import Session

from auth.principal import Principal
from drafting.clock import utcnow
from drafting.consensus import rules
from drafting.consensus.info import (
    Change,
    document_status,
    final_paragraphs,
    label_of,
    paragraph_meta,
    paragraph_state,
    realign,
    write_document_status,
    write_paragraph,
    write_paragraphs,
)
from drafting.consensus.languages import check_versions_current
from drafting.consensus.records import (
    ParagraphChange,
    Silence,
    audit,
    begin_silence,
    due_silences,
    finish_silence,
    record_adoption,
    record_paragraph_changes,
    recorded_states,
    running_silence,
    store_final_state,
)
from drafting.consensus.rules import ADOPTED_PARAGRAPH, FinalText, ParagraphState
from drafting.errors import Conflict
from drafting.kinds import DocumentStatus, SilenceState, UpdateOrigin
from drafting.languages import read_languages, stale_list
from drafting.layout_contract import DEFAULT_LIMITS, LayoutLimits
from drafting.senders import Sender
from server.consensus import revising
from server.consensus.locks import DocumentLocks
from server.notices import Notice, Notices
from server.sync.room import Room
from server.sync.rooms import Rooms

log = logging.getLogger(__name__)

T = TypeVar("T")
Decide = Callable[[ParagraphState, DocumentStatus, str | None], ParagraphState]
InSession = Callable[[Callable[[Session], Any]], Awaitable[Any]]


def by(principal: Principal | None) -> dict[str, Any] | None:
    """Who did it, as notices name them."""
    if principal is None:
        return None
    return {"name": principal.name, "delegation": principal.delegation_code}


def consensus_sender(actor: Principal | None) -> Sender:
    """The sender of what a consensus act writes into `info`: the act, on behalf of who did it."""
    return Sender.server(UpdateOrigin.CONSENSUS, actor.user_id if actor is not None else None)


def paragraph_json(paragraph_id: str, meta: dict[str, Any], state: ParagraphState) -> dict[str, Any]:
    return {
        "id": paragraph_id,
        "label": label_of(meta, paragraph_id),
        "kind": meta.get("kind"),
        "status": state.status.value,
        "locked": state.locked,
    }


def silence_json(silence: Silence) -> dict[str, Any]:
    return {
        "id": silence.id,
        "state": silence.state.value,
        "deadline": silence.deadline.isoformat(),
        "started_at": silence.started_at.isoformat(),
        "ended_at": silence.ended_at.isoformat() if silence.ended_at else None,
        "reason": silence.reason,
        "paragraphs": silence.paragraphs,
    }


class ConsensusWorkflow:
    def __init__(
        self,
        in_session: InSession,
        rooms: Callable[[], Rooms | None],
        notices: Notices,
        *,
        default_silence: timedelta,
        now: Callable[[], datetime] = utcnow,
        locks: DocumentLocks | None = None,
        layout: LayoutLimits = DEFAULT_LIMITS,
    ) -> None:
        self._in_session = in_session
        self._rooms = rooms
        self.notices = notices
        self.default_silence = default_silence
        self.now = now
        self.deadlines_changed: Callable[[], None] = lambda: None  # the silence clock looks again
        self.locks = locks or DocumentLocks()
        self.layout = layout  # the sizes the server's own writes keep to, as the guard holds clients to them

    async def in_session(self, work: Callable[[Session], T]) -> T:
        result: T = await self._in_session(work)
        return result

    # -- the document's lock and room ----------------------------------------------------------------

    @contextlib.asynccontextmanager
    async def locked_room(self, document_id: int) -> AsyncIterator[Room]:
        """The document's room under its lock; a room opened only for this is let go afterwards."""
        rooms = self._rooms()
        if rooms is None:
            raise RuntimeError("the services are not started")
        async with self.locks.hold(document_id):
            room = await rooms.open(document_id)
            try:
                # Another instance may have changed it under the same lock a moment ago: decide on that.
                await rooms.caught_up(room)
                yield room
            finally:
                if not room.peers:
                    rooms.left(room)

    def publish(self, document_id: int, kind: str, payload: dict[str, Any]) -> None:
        self.notices.publish(document_id, Notice(kind, payload))

    async def realign(self, room: Room) -> None:
        """Bring a room's `info` in line with the records as it opens (rooms call this)."""
        document_id = room.document_id
        recorded, status = await self.in_session(lambda session: recorded_states(session, document_id))
        wrote: list[bool] = []
        await room.edit(lambda doc: wrote.append(realign(doc, recorded, status)), consensus_sender(None))
        if any(wrote):
            log.warning("document %s: info was behind the consensus records; realigned", document_id)

    # -- paragraphs ----------------------------------------------------------------------------------

    async def change_paragraph(
        self,
        document_id: int,
        paragraph_id: str,
        actor: Principal,
        cause: str,
        decide: Decide,
        reason: str | None,
    ) -> dict[str, Any]:
        """Lock, unlock or set the status of a paragraph, as `decide` rules from its current state."""
        async with self.locked_room(document_id) as room:
            meta = paragraph_meta(room.doc, paragraph_id)
            before = paragraph_state(meta)
            after = decide(before, document_status(room.doc), reason)
            cleaned = rules.reason_of(reason, required=False)
            change = ParagraphChange(paragraph_id, label_of(meta, paragraph_id), before, after)
            now = self.now()
            await self.in_session(
                lambda session: record_paragraph_changes(
                    session, document_id, actor.user_id, [change], cause=cause, reason=cleaned, now=now
                )
            )
            mark = Change(actor.name, actor.delegation_code, cleaned, now)
            await room.edit(
                lambda doc: write_paragraph(doc, paragraph_id, after, mark), consensus_sender(actor)
            )
        answer = paragraph_json(paragraph_id, meta, after)
        self.publish(document_id, "paragraph_status", {**answer, "reason": cleaned, "by": by(actor)})
        return answer

    # -- the silence procedure -----------------------------------------------------------------------

    async def start_silence(self, document_id: int, actor: Principal, requested: datetime | None) -> Silence:
        async with self.locked_room(document_id) as room:
            rules.start_silence(document_status(room.doc))
            now = self.now()
            deadline = rules.silence_deadline(now, requested, self.default_silence)

            def record(session: Session) -> Silence:
                if running_silence(session, document_id) is not None:
                    raise Conflict(
                        "the document is already under silence procedure", code="already_under_silence"
                    )
                return begin_silence(session, document_id, actor.user_id, deadline, now)

            # Held from the check to the freeze, so that no edit slips in while the procedure is recorded.
            async with room.text_held("going under silence procedure"):
                # Under silence no translation can be corrected: every version goes under silence up to date.
                _check_versions(room.doc, ())
                silence = await self.in_session(record)
                await room.edit(
                    lambda doc: write_document_status(doc, DocumentStatus.UNDER_SILENCE),
                    consensus_sender(actor),
                )
        self.deadlines_changed()
        self.publish(document_id, "silence", {**silence_json(silence), "by": by(actor)})
        return silence

    async def cancel_silence(self, document_id: int, actor: Principal, reason: str | None) -> Silence:
        cleaned = rules.reason_of(reason, required=False)
        silence = await self._end_silence(document_id, actor, SilenceState.CANCELLED, cleaned, [])
        self.publish(document_id, "silence", {**silence_json(silence), "by": by(actor)})
        return silence

    async def break_silence(
        self, document_id: int, actor: Principal, named: list[str], reason: str
    ) -> Silence:
        """A head of delegation breaks silence on `named` paragraphs: they reopen, the document is a draft."""
        cleaned = rules.reason_of(reason, required=True)
        paragraphs = list(dict.fromkeys(named))
        silence = await self._end_silence(document_id, actor, SilenceState.BROKEN, cleaned, paragraphs)
        notice = {"paragraphs": silence.paragraphs, "reason": cleaned, "by": by(actor)}
        self.publish(document_id, "silence_broken", notice)
        return silence

    async def _end_silence(
        self, document_id: int, actor: Principal, state: SilenceState, reason: str, named: list[str]
    ) -> Silence:
        async with self.locked_room(document_id) as room:
            status = rules.end_silence(document_status(room.doc))
            changes = []
            for paragraph_id in named:
                meta = paragraph_meta(room.doc, paragraph_id)
                label = label_of(meta, paragraph_id)
                before = paragraph_state(meta)
                changes.append(
                    ParagraphChange(paragraph_id, label, before, rules.reopen_on_break(before, label))
                )
            now = self.now()

            def record(session: Session) -> Silence:
                silence = running_silence(session, document_id)
                if silence is None:
                    raise Conflict("the document is not under silence procedure", code="not_under_silence")
                if state is SilenceState.BROKEN:
                    rules.check_break(DocumentStatus.UNDER_SILENCE, silence.deadline, now)
                    record_paragraph_changes(
                        session,
                        document_id,
                        actor.user_id,
                        changes,
                        cause="silence_broken",
                        reason=reason,
                        now=now,
                    )
                return finish_silence(
                    session, silence, state, actor.user_id, now, reason=reason, paragraphs=named
                )

            silence = await self.in_session(record)

            mark = Change(actor.name, actor.delegation_code, reason, now)

            def write(doc: Doc[Any]) -> None:
                write_paragraphs(doc, [(change.paragraph_id, change.after) for change in changes], mark)
                write_document_status(doc, status)

            await room.edit(write, consensus_sender(actor))
        self.deadlines_changed()
        return silence

    # -- adoption ------------------------------------------------------------------------------------

    async def adopt(
        self,
        document_id: int,
        actor: Principal | None,
        *,
        by_silence: bool = False,
        as_is: Collection[str] = (),
    ) -> FinalText:
        """Adopt the document: every paragraph agreed and locked, the whole text frozen, its final text and
        SHA-256 stored. By the PPT (from draft) or by the clock (a silence procedure ended unbroken). Every
        language version must be up to date, but those the PPT adopts `as_is`."""
        # Held from the checks to the freeze: the text adopted and hashed is the text frozen.
        async with self.locked_room(document_id) as room, room.text_held("being adopted"):
            final = await self._adopt(room, actor, by_silence=by_silence, as_is=as_is)
        self.publish(
            document_id,
            "adopted",
            {"sha256": final.sha256, "by_silence": by_silence, "at": self.now().isoformat(), "by": by(actor)},
        )
        log.info(
            "document %s adopted (%s), SHA-256 %s",
            document_id,
            "silence" if by_silence else "PPT",
            final.sha256,
        )
        return final

    async def _adopt(
        self, room: Room, actor: Principal | None, *, by_silence: bool, as_is: Collection[str]
    ) -> FinalText:
        document_id = room.document_id
        actor_id = actor.user_id if actor is not None else None
        now = self.now()
        status = document_status(room.doc)
        if by_silence and status is DocumentStatus.DRAFT:
            # Stored as under silence but not yet so in the text (a crash between the two writes):
            # the procedure ran, so it adopts.
            status = DocumentStatus.UNDER_SILENCE
        rules.adopt(status, by_silence=by_silence)
        _check_versions(room.doc, as_is)
        await revising.renumber(room, actor_id)  # the final text carries plain numbers, no bis/ter
        final = rules.final_text(final_paragraphs(room.doc))
        changes = []
        for paragraph in final_paragraphs(room.doc):
            meta = paragraph_meta(room.doc, paragraph.id)
            before = paragraph_state(meta)
            changes.append(
                ParagraphChange(paragraph.id, label_of(meta, paragraph.id), before, ADOPTED_PARAGRAPH)
            )
        reason = "silence procedure ended unbroken" if by_silence else "adopted by the Presidency Pro-Tempore"

        def record(session: Session) -> None:
            silence = running_silence(session, document_id)
            if by_silence and (silence is None or not rules.is_due(silence.deadline, now)):
                raise Conflict("no silence procedure of this document has reached its deadline")
            if silence is not None:
                finish_silence(session, silence, SilenceState.ADOPTED, actor_id, now)
            record_paragraph_changes(
                session, document_id, actor_id, changes, cause="adoption", reason=reason, now=now
            )
            record_adoption(
                session, document_id, actor_id, final, now, silence_id=silence.id if silence else None
            )
            for language in sorted(as_is):
                audit(
                    session,
                    actor_id,
                    "adoption.version_as_is",
                    f"document/{document_id}",
                    f"the {language} version is adopted as it is, stale translations included",
                )

        await self.in_session(record)

        mark = Change(actor.name if actor else None, actor.delegation_code if actor else None, reason, now)

        def write(doc: Doc[Any]) -> None:
            write_paragraphs(doc, [(change.paragraph_id, change.after) for change in changes], mark)
            write_document_status(doc, DocumentStatus.ADOPTED)

        await room.edit(write, consensus_sender(actor))
        seq, state = await room.snapshot()
        archived = (seq, revising.archived_doc(state))

        def archive(session: Session) -> None:
            store_final_state(session, document_id, state)
            revising.make(session, document_id, archived, actor_id, at=now, final=True)

        await self.in_session(archive)
        return final

    async def adopt_due(self) -> list[int]:
        """Adopt every document whose silence procedure's deadline has passed; returns their ids."""
        now = self.now()
        due = await self.in_session(lambda session: due_silences(session, now))
        adopted = []
        for document_id in due:
            try:
                await self.adopt(document_id, None, by_silence=True)
            except Conflict as exc:
                await self._settle(document_id, exc.message)
                continue
            adopted.append(document_id)
        return adopted

    async def _settle(self, document_id: int, why: str) -> None:
        # A due procedure that cannot adopt (the document was adopted meanwhile) must not be due again.
        now = self.now()

        def close(session: Session) -> None:
            silence = running_silence(session, document_id)
            if silence is not None and rules.is_due(silence.deadline, now):
                finish_silence(session, silence, SilenceState.CANCELLED, None, now, reason=why)

        log.warning("silence procedure of document %s closed without adoption: %s", document_id, why)
        await self.in_session(close)


def _check_versions(doc: Doc[Any], as_is: Collection[str]) -> None:
    """Every language version up to date, but those the PPT takes as they are."""
    languages = read_languages(doc)
    check_versions_current(stale_list(doc), languages.versions if languages else (), as_is)
