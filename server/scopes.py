"""What the policy needs to know about a document or a negotiation: its participants, its chair, and
whether observers may comment. Read in one transaction; NotFound if it does not exist."""

from __future__ import annotations

from sqlalchemy.orm import Session

from auth.policy import Scope
from drafting import comments
from drafting.catalogue import document_by_id, negotiation_by_id
from drafting.models import Negotiation


def negotiation_scope(negotiation: Negotiation, *, observers_may_comment: bool = False) -> Scope:
    return Scope(
        participants=frozenset(d.id for d in negotiation.participants),
        chair_id=negotiation.chair_id,
        observers_may_comment=observers_may_comment,
    )


def document_scope(session: Session, document_id: int) -> Scope:
    document = document_by_id(session, document_id)
    flag = comments.observers_may_comment(session, document_id)
    return negotiation_scope(document.negotiation, observers_may_comment=flag)


def negotiation_scope_by_id(session: Session, negotiation_id: int) -> Scope:
    return negotiation_scope(negotiation_by_id(session, negotiation_id))
