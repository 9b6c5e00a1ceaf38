"""The historical memory's acts on a live document: a named revision made by the Secretariat or the PPT,
and a paragraph or a whole revision restored as a new change on top (never rewriting history), through the
room and the one consensus rule."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from auth.principal import Principal
from drafting import audit, restoring, revisions
from drafting.kinds import UpdateOrigin
from drafting.layout_contract import check_paragraph_length
from drafting.senders import Sender
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


async def restore(
    workflow: ConsensusWorkflow, document_id: int, number: int, paragraph_id: str | None, actor: Principal
) -> dict[str, Any]:
    """Bring back revision `number`'s text (or one paragraph of it) as a new change on top, if the
    consensus rule lets every step through; nothing is written otherwise."""
    async with workflow.locked_room(document_id) as room:
        revision = await workflow.in_session(
            lambda session: revisions.rendered_of(revisions.revision_by_number(session, document_id, number))
        )
        plan = restoring.plan_restore(room.doc, revision, paragraph_id)  # no await between plan and edit
        for text in [restored for _id, _before, restored in plan.edits] + [r.text for r in plan.reinsertions]:
            check_paragraph_length(
                text,
                workflow.layout,
                "a paragraph of that revision",
                "it is longer than a paragraph may now be, so it cannot come back as it was",
            )
        new_ids: list[dict[str, str]] = []
        if not plan.empty:
            sender = Sender.server(UpdateOrigin.RESTORE, actor.user_id)
            await room.edit(lambda doc: new_ids.append(restoring.apply_restore(doc, plan)), sender)
        name = await workflow.in_session(
            lambda session: _audited(session, document_id, number, paragraph_id, plan, actor)
        )
    answer = {
        "revision": number,
        "name": name,
        "paragraph_id": paragraph_id,
        "edited": [edit[0] for edit in plan.edits],
        "deleted": plan.deletions,
        "reinserted": new_ids[0] if new_ids else {},
        "changed": not plan.empty,
    }
    if not plan.empty:
        workflow.publish(document_id, "structure", {"event": "restored", **answer, "by": by(actor)})
    return answer


def _audited(
    session: Session,
    document_id: int,
    number: int,
    paragraph_id: str | None,
    plan: restoring.RestorePlan,
    actor: Principal,
) -> str:
    revision = revisions.revision_by_number(session, document_id, number)
    what = f"paragraph {paragraph_id}" if paragraph_id else "the whole text"
    detail = (
        f"{what} of {revision.name}: {len(plan.edits)} edited, {len(plan.deletions)} deleted, "
        f"{len(plan.reinsertions)} brought back"
    )
    subject = f"document/{document_id}" + (f"/paragraph/{paragraph_id}" if paragraph_id else "")
    audit.record(session, actor.user_id, "revision_restored", subject, detail)
    return revision.name
