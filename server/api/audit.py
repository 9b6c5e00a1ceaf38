"""REST for the audit trail (the Secretariat): a negotiation's acts, or the installation's (sign-ins, users
and their roles), filtered, with whether the chain still verifies; exported as JSON Lines or CSV with the
hashes; and a document's edits summarised per user and minute from its update log."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from auth.policy import Action
from drafting import audit
from drafting.activity import edits_by_minute
from drafting.audit import ACTION_LIMIT, SUBJECT_LIMIT, Filter
from drafting.models import Delegation, User
from server.api.exports import attachment
from server.api.pipeline import DOCUMENT, Call, Endpoint, endpoint
from server.api.schema import ANY_OBJECT, BOOLEAN, STRING, Bounds, Id, array, obj

NEGOTIATION_AUDIT = "/api/negotiations/{negotiation_id}/audit"
Limit = Annotated[int, Bounds(minimum=1, maximum=100_000)]


@dataclass(frozen=True)
class AuditQuery:
    actor: Id | None = None
    action: Annotated[str, Bounds(min_length=1, max_length=ACTION_LIMIT)] | None = (
        None  # "paragraph_": prefix
    )
    subject: Annotated[str, Bounds(min_length=1, max_length=SUBJECT_LIMIT)] | None = None  # and under it
    since: datetime | None = None
    until: datetime | None = None
    limit: Limit = 1000


def _filter(call: Call, negotiation_id: int | None) -> Filter:
    query = call.query
    return Filter(
        negotiation_id=negotiation_id,
        installation=negotiation_id is None,
        actor_id=query.actor,
        action=query.action,
        subject=query.subject,
        since=query.since,
        until=query.until,
        limit=query.limit,
    )


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    """Who each actor is, as a reader knows them: "Name · DELEGATION"."""
    users: list[User] = list(session.scalars(select(User).where(User.id.in_(ids)))) if ids else []
    return {
        u.id: " · ".join(filter(None, [u.name, u.delegation.code if u.delegation else None])) for u in users
    }


TRAIL = obj(chain=STRING, intact=BOOLEAN, breaks=array(STRING), entries=array(ANY_OBJECT))


async def _trail(call: Call, negotiation_id: int | None) -> dict[str, Any]:
    chosen = _filter(call, negotiation_id)

    def work(session: Session) -> dict[str, Any]:
        breaks = audit.verify(session, negotiation_id)
        found = audit.entries(session, chosen)
        names = _names(session, {e.actor_id for e in found if e.actor_id is not None})
        return {
            "chain": audit.chain_of(negotiation_id),
            "intact": not breaks,
            "breaks": [str(b) for b in breaks],
            "entries": [{**audit.entry_json(e), "actor": names.get(e.actor_id or 0)} for e in found],
        }

    return await call.read(work)


@endpoint(
    "GET",
    NEGOTIATION_AUDIT,
    Action.READ_AUDIT,
    "The negotiation's audit trail, filtered by actor, action (or prefix such as paragraph_), subject (and "
    "what is under it) and time; and whether its hash chain still verifies",
    query=AuditQuery,
    response=TRAIL,
)
async def negotiation_audit(call: Call) -> dict[str, Any]:
    return await _trail(call, call.path["negotiation_id"])


@endpoint(
    "GET",
    "/api/audit",
    Action.READ_AUDIT,
    "The installation's audit trail: sign-ins, users added and role changes",
    query=AuditQuery,
    response=TRAIL,
)
async def installation_audit(call: Call) -> dict[str, Any]:
    return await _trail(call, None)


def _export(extension: str) -> Endpoint:
    media_type = "text/csv" if extension == "csv" else "application/jsonl"

    async def handler(call: Call) -> Response:
        negotiation_id: int = call.path["negotiation_id"]
        chosen = _filter(call, negotiation_id)

        def work(session: Session) -> str:
            found = audit.entries(session, chosen)
            return audit.export_csv(found) if extension == "csv" else audit.export_jsonl(found)

        text = await call.read(work)
        filename = f"audit-negotiation-{negotiation_id}.{extension}"
        return attachment(text, media_type, filename)

    handler.__name__ = handler.__qualname__ = "export_audit_" + extension
    return endpoint(
        "GET",
        NEGOTIATION_AUDIT + "." + extension,
        Action.READ_AUDIT,
        f"Download the filtered audit trail as {'CSV' if extension == 'csv' else 'JSON Lines'}, with hashes",
        query=AuditQuery,
        response=STRING,
        media_type=media_type,
    )(handler)


@endpoint(
    "GET",
    DOCUMENT + "/edits",
    Action.READ_AUDIT,
    "The document's edits summarised per user and minute (from its hash-chained update log): updates, "
    "characters inserted and deleted, with the user's name and the delegation's code",
    response=array(ANY_OBJECT),
)
async def edits(call: Call) -> list[dict[str, Any]]:
    store, document_id = call.services.store, call.document_id
    lines = await asyncio.to_thread(
        lambda: [line.as_json() for line in edits_by_minute(store.log(document_id, links=False))]
    )

    def names(session: Session) -> tuple[dict[int, str], dict[int, str]]:
        users = {line["user_id"] for line in lines if line["user_id"] is not None}
        delegations = {line["delegation_id"] for line in lines if line["delegation_id"] is not None}
        named = session.execute(select(User.id, User.name).where(User.id.in_(users)))
        coded = session.execute(select(Delegation.id, Delegation.code).where(Delegation.id.in_(delegations)))
        return {row.id: row.name for row in named}, {row.id: row.code for row in coded}

    people, codes = await call.read(names)
    return [
        line | {"user": people.get(line["user_id"]), "delegation": codes.get(line["delegation_id"])}
        for line in lines
    ]


endpoints = [negotiation_audit, _export("csv"), _export("jsonl"), installation_audit, edits]
