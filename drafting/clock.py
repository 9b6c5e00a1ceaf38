"""Moments are UTC everywhere: one helper for now, and one for a moment a database gave back."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)


def as_utc(moment: datetime) -> datetime:
    """A moment in UTC; a database that drops the zone (SQLite) gives moments back naive, in UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
