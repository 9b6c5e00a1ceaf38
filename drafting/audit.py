"""The audit trail: every act of a negotiation, append-only and hash-chained.

Each negotiation has its own chain (acts without one, such as sign-ins and role changes, go to the
installation's): an entry's hash covers its chain, its number in it, its moment, actor, action, subject
and detail, and the previous entry's hash. Entries are chained as they are inserted, whichever way they
are added, under the row lock of the chain's head (`AuditHead`): concurrent writers of one chain wait for
each other instead of forking it, and a unique `previous` refuses a fork outright (docs/decisions/0021).
Entries are never updated or deleted; `verify` recomputes every link and says which entry is broken.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, event, insert, inspect, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, UOWTransaction

from drafting.chain import Break, genesis, link, missing, moment
from drafting.clock import utcnow
from drafting.errors import Conflict, InvalidInput
from drafting.models import AuditEntry, AuditHead, Document, User

INSTALLATION = "installation"
ACTION_LIMIT = 80
SUBJECT_LIMIT = 200
_DOCUMENT_SUBJECT = re.compile(r"^document/(\d+)(?:/|$)")
_NEGOTIATION_SUBJECT = re.compile(r"^negotiation/(\d+)(?:/|$)")


def chain_of(negotiation_id: int | None) -> str:
    return f"negotiation/{negotiation_id}" if negotiation_id is not None else INSTALLATION


def chain_genesis(chain: str) -> str:
    return genesis(f"audit/{chain}")


def entry_hash(entry: AuditEntry) -> str:
    """The hash an entry must carry: its fields and the previous entry's hash."""
    return link(
        entry.previous or "",
        {
            "chain": chain_of(entry.negotiation_id),
            "seq": entry.seq,
            "at": moment(entry.at),
            "actor_id": entry.actor_id,
            "action": entry.action,
            "subject": entry.subject,
            "detail": entry.detail,
        },
    )


def record(
    session: Session,
    actor_id: int | None,
    action: str,
    subject: str,
    detail: str = "",
    *,
    negotiation_id: int | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append one act to its chain, in the session's transaction; returns the chained entry.

    The chain is the negotiation's: `negotiation_id`, or the one a `document/ID…` or `negotiation/ID…`
    subject names; otherwise the installation's. The head of the chain stays locked until the session
    commits, so keep the transaction short.
    """
    if not action or len(action) > ACTION_LIMIT:
        raise InvalidInput(f"an audited action is named in 1 to {ACTION_LIMIT} characters")
    if len(subject) > SUBJECT_LIMIT:
        raise InvalidInput(f"an audited subject has at most {SUBJECT_LIMIT} characters")
    entry = AuditEntry(
        actor_id=actor_id,
        action=action,
        subject=subject,
        detail=detail,
        negotiation_id=negotiation_id,
        at=at or utcnow(),
    )
    session.add(entry)
    session.flush()
    return entry


@event.listens_for(AuditEntry, "before_insert")
def _chain(_mapper: Any, connection: Connection, entry: AuditEntry) -> None:
    if entry.negotiation_id is None:
        entry.negotiation_id = _negotiation_named(connection, entry.subject)
    at = entry.at or utcnow()
    entry.at = at.astimezone(UTC) if at.tzinfo else at.replace(tzinfo=UTC)
    entry.detail = entry.detail or ""
    chain = chain_of(entry.negotiation_id)
    _ensure_head(connection, chain)
    # The update takes the head's row lock (PostgreSQL) or the database's write lock (SQLite) first;
    # the select after it sees the newest committed link.
    connection.execute(
        update(AuditHead).where(AuditHead.chain == chain).values(entries=AuditHead.entries + 1)
    )
    entries, last_hash = connection.execute(
        select(AuditHead.entries, AuditHead.last_hash).where(AuditHead.chain == chain)
    ).one()
    entry.seq = entries
    entry.previous = last_hash
    entry.hash = entry_hash(entry)
    connection.execute(update(AuditHead).where(AuditHead.chain == chain).values(last_hash=entry.hash))


def role_detail(user: User) -> str:
    delegation = user.delegation.code if user.delegation is not None else None
    return f"{user.email}: {user.role.value}" + (f" of {delegation}" if delegation else "")


@event.listens_for(Session, "before_flush")
def _role_changes(session: Session, _flush: UOWTransaction, _instances: Any) -> None:
    """A change of a user's role or delegation, whoever makes it, is recorded in the same transaction."""
    for user in [row for row in session.dirty if isinstance(row, User)]:
        state = inspect(user)
        changed = [state.attrs[name].history for name in ("role", "delegation_id", "delegation")]
        if any(history.has_changes() for history in changed):
            actor_id = session.info.get("actor_id")
            entry = AuditEntry(actor_id=actor_id, action="role_changed", subject=f"user/{user.id}")
            entry.detail = role_detail(user)
            session.add(entry)


@event.listens_for(AuditEntry, "before_update")
@event.listens_for(AuditEntry, "before_delete")
def _entries_are_immutable(_mapper: Any, _connection: Any, entry: AuditEntry) -> None:
    raise Conflict(f"audit entry {entry.id} is part of the record and cannot be altered")


def _negotiation_named(connection: Connection, subject: str) -> int | None:
    def negotiation_of(document_id: int) -> int | None:
        return connection.scalar(select(Document.negotiation_id).where(Document.id == document_id))

    return negotiation_in(subject, negotiation_of)


def negotiation_in(subject: str, negotiation_of: Callable[[int], int | None]) -> int | None:
    """The negotiation a subject belongs to: `negotiation/ID…`, or `document/ID…` through its document."""
    if match := _NEGOTIATION_SUBJECT.match(subject):
        return int(match.group(1))
    if match := _DOCUMENT_SUBJECT.match(subject):
        return negotiation_of(int(match.group(1)))
    return None


def _ensure_head(connection: Connection, chain: str) -> None:
    values = {"chain": chain, "entries": 0, "last_hash": chain_genesis(chain)}
    if connection.dialect.name == "postgresql":
        connection.execute(postgresql.insert(AuditHead).values(values).on_conflict_do_nothing())
    elif connection.dialect.name == "sqlite":
        connection.execute(sqlite.insert(AuditHead).values(values).on_conflict_do_nothing())
    elif connection.scalar(select(AuditHead.chain).where(AuditHead.chain == chain)) is None:
        connection.execute(insert(AuditHead).values(values))


# -- verification -----------------------------------------------------------------------------------


def verify_entries(chain: str, entries: Sequence[AuditEntry], head: str | None) -> list[Break]:
    """Every break in one chain's entries (in their order), and against its head's last hash if known."""
    breaks = []
    expected, number = chain_genesis(chain), 1
    for entry in entries:
        item = f"audit entry {entry.id} (number {entry.seq})"
        if entry.hash is None:
            breaks.append(Break(chain, item, "it is not chained (no hash)"))
            continue
        if entry.seq is None or entry.seq < number:
            breaks.append(Break(chain, item, f"it should be number {number}"))
        elif entry.seq > number:
            breaks.append(Break(chain, item, missing("entry", number, entry.seq - 1) + " before it"))
        if entry.previous != expected:
            breaks.append(Break(chain, item, "the entry before it was changed or removed"))
        if entry_hash(entry) != entry.hash:
            breaks.append(Break(chain, item, "its content no longer matches its hash"))
        expected, number = entry.hash, max(number, entry.seq or 0) + 1
    if head is not None and head != expected:
        breaks.append(Break(chain, "", "its newest entries were removed (the chain's head names another)"))
    return breaks


def verify(session: Session, negotiation_id: int | None = None, *, every_chain: bool = False) -> list[Break]:
    """Recompute the chain of a negotiation (or the installation's, or every chain); [] when intact."""
    heads = {head.chain: head.last_hash for head in session.scalars(select(AuditHead))}
    if every_chain:
        recorded = session.scalars(select(AuditEntry.negotiation_id).distinct())
        chains = sorted(set(heads) | {chain_of(negotiation_id) for negotiation_id in recorded})
    else:
        chains = [chain_of(negotiation_id)]
    breaks = []
    for chain in chains:
        breaks += verify_entries(chain, _chain_entries(session, chain), heads.get(chain))
    return breaks


def _chain_entries(session: Session, chain: str) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.seq, AuditEntry.id)
    if chain == INSTALLATION:
        query = query.where(AuditEntry.negotiation_id.is_(None))
    else:
        query = query.where(AuditEntry.negotiation_id == int(chain.split("/", 1)[1]))
    return list(session.scalars(query))


# -- reading, filtering and exporting ---------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    negotiation_id: int | None = None
    installation: bool = False  # the installation's chain instead of a negotiation's
    actor_id: int | None = None
    action: str | None = None  # an action, or a prefix ending in "_" ("paragraph_")
    subject: str | None = None  # a subject, or everything under it ("document/3" includes its paragraphs)
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 1000


def entries(session: Session, chosen: Filter = Filter()) -> list[AuditEntry]:
    query = select(AuditEntry).order_by(AuditEntry.negotiation_id, AuditEntry.seq, AuditEntry.id)
    if chosen.installation:
        query = query.where(AuditEntry.negotiation_id.is_(None))
    elif chosen.negotiation_id is not None:
        query = query.where(AuditEntry.negotiation_id == chosen.negotiation_id)
    if chosen.actor_id is not None:
        query = query.where(AuditEntry.actor_id == chosen.actor_id)
    if chosen.action:
        if chosen.action.endswith("_"):
            query = query.where(AuditEntry.action.startswith(chosen.action, autoescape=True))
        else:
            query = query.where(AuditEntry.action == chosen.action)
    if chosen.subject:
        query = query.where(
            (AuditEntry.subject == chosen.subject)
            | AuditEntry.subject.startswith(chosen.subject.rstrip("/") + "/", autoescape=True)
        )
    if chosen.since is not None:
        query = query.where(AuditEntry.at >= chosen.since)
    if chosen.until is not None:
        query = query.where(AuditEntry.at < chosen.until)
    return list(session.scalars(query.limit(max(1, min(chosen.limit, 100_000)))))


def entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "id": entry.id,
        "chain": chain_of(entry.negotiation_id),
        "seq": entry.seq,
        "at": moment(entry.at),
        "actor_id": entry.actor_id,
        "action": entry.action,
        "subject": entry.subject,
        "detail": entry.detail,
        "previous": entry.previous,
        "hash": entry.hash,
    }


def export_jsonl(found: Iterable[AuditEntry]) -> str:
    """One JSON object per line, with the hashes: a reader can recompute every link."""
    return "".join(json.dumps(entry_json(e), ensure_ascii=False, sort_keys=True) + "\n" for e in found)


def export_csv(found: Iterable[AuditEntry]) -> str:
    columns = ["id", "chain", "seq", "at", "actor_id", "action", "subject", "detail", "previous", "hash"]
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    for entry in found:
        writer.writerow(entry_json(entry))
    return out.getvalue()
