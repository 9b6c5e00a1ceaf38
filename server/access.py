"""How the web layer asks the policy: the scope of a document, and refusals as HTTP errors."""

from __future__ import annotations

from sqlalchemy.orm import Session

from auth.policy import Action, Scope, authorize
from auth.principal import Principal
from drafting.catalogue import document_by_id, negotiation_by_id
from drafting.models import Negotiation
from server.errors import Refused
from server.services import Services


def negotiation_scope(negotiation: Negotiation, *, observers_may_comment: bool = False) -> Scope:
    return Scope(
        participants=frozenset(d.id for d in negotiation.participants),
        chair_id=negotiation.chair_id,
        observers_may_comment=observers_may_comment,
    )


async def document_scope(services: Services, document_id: int) -> Scope:
    def lookup(session: Session) -> Scope:
        return negotiation_scope(document_by_id(session, document_id).negotiation)

    return await services.in_session(lookup)


async def negotiation_scope_by_id(services: Services, negotiation_id: int) -> Scope:
    return await services.in_session(
        lambda session: negotiation_scope(negotiation_by_id(session, negotiation_id))
    )


def require(principal: Principal, action: Action, scope: Scope | None = None) -> None:
    """Raise a 403 naming the rule unless the policy allows it."""
    decision = authorize(principal, action, scope)
    if not decision:
        raise Refused(403, decision.rule)
