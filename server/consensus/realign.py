"""On opening a room: bring the draft's `info` in line with the consensus records.

Status changes are recorded in the database first and mirrored into `info` second; a crash between the
two leaves `info` behind, and `info` is what the guard enforces. Every room is realigned as it opens.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from drafting.consensus.info import realign
from drafting.consensus.records import recorded_states

if TYPE_CHECKING:
    from server.services import Services
    from server.sync.room import Room

log = logging.getLogger(__name__)


async def realign_room(services: Services, room: Room) -> None:
    document_id = room.document_id
    recorded, status = await services.in_session(lambda session: recorded_states(session, document_id))
    wrote: list[bool] = []
    await room.edit(lambda doc: wrote.append(realign(doc, recorded, status)))
    if any(wrote):
        log.warning("document %s: info was behind the consensus records; realigned", document_id)
