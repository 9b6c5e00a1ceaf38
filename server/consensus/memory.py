"""The historical memory's acts on a live document: a named revision made by the Secretariat or the PPT,
and a paragraph or a whole revision restored as a new change on top (never rewriting history), through the
room and the one consensus rule."""

from __future__ import annotations

from typing import Any

from auth.principal import Principal
from drafting import revisions
from server.consensus.revising import archive, make
from server.consensus.workflow import ConsensusWorkflow, by


async def revise(
    workflow: ConsensusWorkflow, document_id: int, actor: Principal, name: str | None
) -> dict[str, Any]:
    """Make the document's next named revision (the zero draft first, then Rev.1, Rev.2 …)."""
    async with workflow.locked_room(document_id) as room:
        archived = await archive(room, actor.user_id)
        now = workflow.now()
        made = await workflow.in_session(
            lambda session: revisions.revision_json(
                make(session, document_id, archived, actor.user_id, at=now, name=name)
            )
        )
    workflow.publish(document_id, "revision", {**made, "by": by(actor)})
    return made
