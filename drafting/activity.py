"""Edits summarised per user and minute, derived from the update log (the audit trail's view of typing).

Keystrokes are not audit entries, one per update would drown the record; the log already holds each one
with its sender and moment, and a replay says what each inserted and deleted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from drafting.authorship import Attribution
from drafting.chain import moment
from drafting.kinds import UpdateOrigin
from drafting.log_rows import LoggedUpdate


@dataclass(frozen=True)
class EditMinute:
    minute: datetime  # UTC, the start of the minute
    user_id: int | None
    delegation_id: int | None
    origin: UpdateOrigin | None
    updates: int
    inserted: int  # code points
    deleted: int
    first_seq: int
    last_seq: int

    def as_json(self) -> dict[str, Any]:
        return {
            "minute": moment(self.minute),
            "user_id": self.user_id,
            "delegation_id": self.delegation_id,
            "origin": self.origin.value if self.origin else None,
            "updates": self.updates,
            "inserted": self.inserted,
            "deleted": self.deleted,
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
        }


def _minute(at: datetime) -> datetime:
    utc = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return utc.replace(second=0, microsecond=0)


def edits_by_minute(log: Iterable[LoggedUpdate]) -> list[EditMinute]:
    """One line per minute and sender, in order of time (replay the log from update 1)."""
    attribution = Attribution()
    groups: dict[tuple[datetime, int | None, int | None, UpdateOrigin | None], EditMinute] = {}
    try:
        for row in log:
            inserted, deleted = attribution.apply(row.data, row.sender)
            sender = row.sender
            key = (_minute(row.created_at), sender.user_id, sender.delegation_id, sender.origin)
            known = groups.get(key)
            if known is None:
                groups[key] = EditMinute(*key, 1, inserted, deleted, row.seq, row.seq)
            else:
                groups[key] = EditMinute(
                    *key,
                    known.updates + 1,
                    known.inserted + inserted,
                    known.deleted + deleted,
                    known.first_seq,
                    row.seq,
                )
    finally:
        attribution.close()
    return sorted(groups.values(), key=lambda line: (line.minute, line.first_seq))
