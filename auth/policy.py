"""Who may do what: pure functions over a principal and what they act on. The single source of truth.

This is the first slice (reading and editing a draft); the identity and roles work extends it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from auth.principal import Principal
from drafting.kinds import Role

STAFF = frozenset({Role.SECRETARIAT, Role.ADMIN})
TEXT_EDITORS = frozenset({Role.DELEGATE, Role.HEAD, Role.PPT})


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: str

    def __bool__(self) -> bool:
        return self.allowed


def takes_part(principal: Principal, participants: Collection[int]) -> bool:
    return principal.delegation_id is not None and principal.delegation_id in participants


def may_read_document(principal: Principal, participants: Collection[int]) -> Decision:
    if principal.role in STAFF:
        return Decision(True, "staff read every negotiation")
    if takes_part(principal, participants):
        return Decision(True, "participants read their negotiation's documents")
    return Decision(False, "only participating delegations may read this negotiation's documents")


def may_edit_text(principal: Principal, participants: Collection[int]) -> Decision:
    if principal.role not in TEXT_EDITORS:
        return Decision(False, f"the {principal.role.value} role reads the text but does not edit it")
    if not takes_part(principal, participants):
        return Decision(False, "only participating delegations may edit this negotiation's documents")
    return Decision(True, "delegations edit unlocked text")


def may_restructure(principal: Principal, participants: Collection[int]) -> Decision:
    """Insert, move and delete paragraphs: the PPT's moderators only."""
    if principal.role is not Role.PPT:
        return Decision(False, "only the Presidency Pro-Tempore inserts, moves and deletes paragraphs")
    if not takes_part(principal, participants):
        return Decision(False, "only participating delegations may edit this negotiation's documents")
    return Decision(True, "the PPT restructures the text")
