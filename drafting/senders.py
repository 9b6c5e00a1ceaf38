"""Who sent an update to the log, and for the server's own edits, what caused them.

Every row of the update log carries a sender: the user and delegation of a participant's update, and for
a server edit its origin (an incorporated amendment names the proposing delegation, the PPT who
incorporated it and the position version). Authorship (drafting.authorship) attributes text from it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from drafting.kinds import UpdateOrigin


@dataclass(frozen=True)
class Sender:
    origin: UpdateOrigin | None = None  # None: not recorded (updates logged before migration 0005)
    user_id: int | None = None
    delegation_id: int | None = None
    position_version_id: int | None = None

    @classmethod
    def participant(cls, user_id: int, delegation_id: int | None) -> Sender:
        """A participant's update over the sync socket."""
        return cls(UpdateOrigin.CLIENT, user_id, delegation_id)

    @classmethod
    def amendment(cls, ppt_user_id: int, proposing_delegation_id: int, version_id: int) -> Sender:
        """The PPT incorporating a delegation's submitted amendment: its words are the delegation's."""
        return cls(UpdateOrigin.AMENDMENT, ppt_user_id, proposing_delegation_id, version_id)

    @classmethod
    def server(cls, origin: UpdateOrigin, user_id: int | None = None) -> Sender:
        """One of the server's own edits, on behalf of `user_id` when a person asked for it."""
        return cls(origin, user_id)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Sender:
        """The sender that `as_json` wrote."""
        origin = data.get("origin")
        return cls(
            UpdateOrigin(origin) if origin is not None else None,
            data.get("user_id"),
            data.get("delegation_id"),
            data.get("position_version_id"),
        )

    def as_json(self) -> dict[str, str | int | None]:
        return {
            "origin": self.origin.value if self.origin else None,
            "user_id": self.user_id,
            "delegation_id": self.delegation_id,
            "position_version_id": self.position_version_id,
        }


UNRECORDED = Sender()
