"""REST for the document at any stored moment: the time slider's ticks (every update of the log, when and
by whom) and the text as it was at one of them, with who wrote each part of it (authorship)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Annotated, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from auth.policy import Action
from drafting import history
from drafting.authorship import AuthoredSpan, by_delegation
from drafting.authorship_index import attributed_at
from drafting.errors import InvalidInput
from drafting.models import Delegation
from drafting.rendered import as_json, render
from server.api.pipeline import DOCUMENT, Call, endpoint
from server.api.schema import ANY_OBJECT, INTEGER, MAX_ID, Bounds, Count, array, obj

Limit = Annotated[int, Bounds(minimum=1, maximum=history.TIMELINE_LIMIT)]
Seq = Annotated[int, Bounds(minimum=1, maximum=MAX_ID)]


@dataclass(frozen=True)
class Ticks:
    after: Count = 0
    limit: Limit = 1000


class Authorship(Enum):
    WITH = "with"
    WITHOUT = "without"  # only the text: quicker on a long history (the slider shows it, then the colours)


@dataclass(frozen=True)
class When:
    seq: Seq | None = None  # an update of the log
    at: datetime | None = None  # or a moment: the last update committed by then
    authorship: Authorship = Authorship.WITH


@endpoint(
    "GET",
    DOCUMENT + "/timeline",
    Action.READ,
    "The time slider's ticks: the log's updates after `after`, oldest first, each with its moment and sender",
    query=Ticks,
    response=obj(last_seq=INTEGER, moments=array(ANY_OBJECT)),
)
async def timeline(call: Call) -> dict[str, Any]:
    store, document_id, query = call.services.store, call.document_id, call.query

    def work() -> dict[str, Any]:
        moments = history.timeline(store, document_id, after=query.after, limit=query.limit)
        return {"last_seq": store.last_seq(document_id), "moments": [m.as_json() for m in moments]}

    return await asyncio.to_thread(work)


def delegation_codes(session: Session) -> dict[str, str]:
    return {str(row.id): row.code for row in session.execute(select(Delegation.id, Delegation.code))}


@endpoint(
    "GET",
    DOCUMENT + "/history",
    Action.READ,
    "The document as it was at update `seq` (or at the moment `at`): its text with labels and statuses, "
    "who wrote each part of it (spans in UTF-16 units, by delegation; none with authorship=without), and "
    "that update's moment and sender",
    query=When,
    response=obj(
        seq=INTEGER,
        moment=ANY_OBJECT,
        text=ANY_OBJECT,
        authorship=array(ANY_OBJECT),
        by_delegation=ANY_OBJECT,
        delegations=ANY_OBJECT,
    ),
)
async def document_at(call: Call) -> dict[str, Any]:
    store, document_id, query = call.services.store, call.document_id, call.query
    if (query.seq is None) == (query.at is None):
        raise InvalidInput("name one update (seq) or one moment (at), not both nor neither", field="seq")

    def work() -> dict[str, Any]:
        seq = query.seq if query.seq is not None else history.seq_at(store, document_id, query.at)
        if seq == 0:
            raise InvalidInput(
                "the document did not exist yet at that moment: choose a later one",
                code="before_first_change",
                field="at",
            )
        spans: list[AuthoredSpan] = []
        if query.authorship is Authorship.WITHOUT:
            rendered = history.text_at(store, document_id, seq)
        else:
            doc, spans = attributed_at(store, document_id, seq)
            rendered = render(doc)
        totals = by_delegation(spans)
        [moment] = history.timeline(store, document_id, after=seq - 1, limit=1)
        return {
            "seq": seq,
            "moment": moment.as_json(),
            "text": as_json(rendered),
            "authorship": [span.as_json() for span in spans],
            "by_delegation": {
                str(key) if key is not None else "server": units for key, units in totals.items()
            },
        }

    found = await asyncio.to_thread(work)
    found["delegations"] = await call.read(delegation_codes)
    return found


endpoints = [timeline, document_at]
