"""The silence procedure's clock, and adoption, which it and the PPT both carry out.

Deadlines are stored (drafting.consensus.records), so the clock survives a restart: a task wakes at the
next deadline and adopts every document whose silence procedure ended unbroken; at start-up it first
catches up on deadlines missed while the server was down. Starting, cancelling or breaking silence
wakes it to look again. `now` is injectable and `tick()` may be called directly, so tests never sleep.

Every consensus change of a document (here and in server/api/rules.py) runs under the document's
lock: the state it decides on, read from the room's `info`, cannot change before it is written.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from drafting.consensus import rules
from drafting.consensus.info import (
    document_status,
    final_paragraphs,
    label_of,
    paragraph_meta,
    paragraph_state,
    write_document_status,
    write_paragraphs,
)
from drafting.consensus.records import (
    ParagraphChange,
    due_silences,
    finish_silence,
    next_deadline,
    record_adoption,
    record_paragraph_changes,
    running_silence,
    store_final_state,
)
from drafting.consensus.rules import ADOPTED_PARAGRAPH, FinalText, SilenceState
from drafting.errors import Conflict
from drafting.kinds import DocumentStatus
from server.notices import Notice
from server.sync.room import Room

if TYPE_CHECKING:
    from server.services import Services

log = logging.getLogger(__name__)

# Sleep at most this long: a clock that jumped, or a deadline written by another instance, is seen
# within the hour even without a wake-up.
LONGEST_SLEEP = 3600.0
RETRY_AFTER_FAILURE = 5.0
SILENCE_HOURS_ENV = "CONSENSO_SILENCE_HOURS"


def utcnow() -> datetime:
    return datetime.now(UTC)


class SilenceClock:
    def __init__(self, services: Services, *, now: Callable[[], datetime] = utcnow) -> None:
        self.services = services
        self.now = now
        self.default_silence = timedelta(hours=services.settings.silence_hours)
        self._locks: dict[int, asyncio.Lock] = {}
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None

    # -- shared by every consensus change ----------------------------------------------------------

    def document_lock(self, document_id: int) -> asyncio.Lock:
        lock = self._locks.get(document_id)
        if lock is None:
            lock = self._locks[document_id] = asyncio.Lock()
        return lock

    async def room(self, document_id: int) -> Room:
        rooms = self.services.rooms
        if rooms is None:
            raise RuntimeError("the services are not started")
        return await rooms.open(document_id)

    def release(self, room: Room) -> None:
        """A room opened for a server edit and nobody in it is unloaded after the idle delay."""
        rooms = self.services.rooms
        if rooms is not None and not room.peers:
            rooms.left(room)

    # -- adoption ----------------------------------------------------------------------------------

    async def adopt(self, document_id: int, actor_id: int | None, *, by_silence: bool = False) -> FinalText:
        """Adopt the document: every paragraph agreed and locked, the whole text frozen, its final
        text and SHA-256 stored. By the PPT (from draft) or by the clock (silence ended unbroken)."""
        async with self.document_lock(document_id):
            room = await self.room(document_id)
            try:
                return await self._adopt(room, actor_id, by_silence=by_silence)
            finally:
                self.release(room)

    async def _adopt(self, room: Room, actor_id: int | None, *, by_silence: bool) -> FinalText:
        document_id = room.document_id
        now = self.now()
        status = document_status(room.doc)
        if by_silence and status is DocumentStatus.DRAFT:
            # Stored as under silence but not yet so in the text (a crash between the two writes):
            # the procedure ran, so it adopts.
            status = DocumentStatus.UNDER_SILENCE
        rules.adopt(status, by_silence=by_silence)
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

        await self.services.in_session(record)

        def write(doc: Any) -> None:
            write_paragraphs(doc, [(change.paragraph_id, change.after) for change in changes])
            write_document_status(doc, DocumentStatus.ADOPTED)

        await room.edit(write)
        state = room.doc.get_update()
        await self.services.in_session(lambda session: store_final_state(session, document_id, state))
        self.services.events.publish(
            document_id,
            Notice("adopted", {"sha256": final.sha256, "by_silence": by_silence, "at": now.isoformat()}),
        )
        log.info("document %s adopted (%s), SHA-256 %s", document_id, reason, final.sha256)
        return final

    # -- the clock ---------------------------------------------------------------------------------

    async def tick(self) -> list[int]:
        """Adopt every document whose silence procedure's deadline has passed; returns their ids."""
        now = self.now()
        due = await self.services.in_session(lambda session: due_silences(session, now))
        adopted = []
        for document_id in due:
            try:
                await self.adopt(document_id, None, by_silence=True)
            except Conflict as exc:
                await self._settle(document_id, str(exc))
                continue
            adopted.append(document_id)
        return adopted

    async def _settle(self, document_id: int, why: str) -> None:
        # A due procedure that cannot adopt (the document was adopted meanwhile) must not be due again.
        def close(session: Session) -> None:
            silence = running_silence(session, document_id)
            if silence is not None and rules.is_due(silence.deadline, self.now()):
                finish_silence(session, silence, SilenceState.CANCELLED, None, self.now(), reason=why)

        log.warning("silence procedure of document %s closed without adoption: %s", document_id, why)
        await self.services.in_session(close)

    def wake(self) -> None:
        """Look at the deadlines again (one was added, cancelled or broken)."""
        if self._wake is not None:
            self._wake.set()

    async def start(self) -> None:
        self._wake = asyncio.Event()
        self._task = asyncio.create_task(self._run(), name="silence clock")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        assert self._wake is not None
        while True:
            self._wake.clear()
            try:
                await self.tick()
                deadline = await self.services.in_session(next_deadline)
                delay = LONGEST_SLEEP
                if deadline is not None:
                    delay = min(LONGEST_SLEEP, rules.seconds_until(deadline, self.now()) + 0.01)
            except Exception:
                # The clock must outlive a failed adoption (storage down): log the cause and retry.
                log.exception("the silence clock failed; retrying in %s s", RETRY_AFTER_FAILURE)
                delay = RETRY_AFTER_FAILURE
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)


# One clock per Services, started and stopped with them (server/services.py).
_clocks: dict[int, SilenceClock] = {}


def clock_of(services: Services) -> SilenceClock:
    """The clock of these services (created, not running, if start() was not called)."""
    clock = _clocks.get(id(services))
    if clock is None or clock.services is not services:
        clock = _clocks[id(services)] = SilenceClock(services)
    return clock


async def start(services: Services) -> None:
    await clock_of(services).start()


async def stop(services: Services) -> None:
    clock = _clocks.pop(id(services), None)
    if clock is not None:
        await clock.stop()
