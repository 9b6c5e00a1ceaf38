"""REST for the Secretariat's register of delegations: member states, observer states, international
organizations and civil society networks. A delegation's code never changes (positions and URLs name it);
its name and kind may."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from auth.policy import Action
from drafting import audit
from drafting.catalogue import add_delegation, change_delegation, delegation_by_id, delegations
from drafting.kinds import DelegationKind
from drafting.models import Delegation, User
from server.api.negotiations import DelegationCode
from server.api.pipeline import Call, endpoint
from server.api.schema import INTEGER, STRING, Name, array, enum, obj

DELEGATIONS = "/api/delegations"
DELEGATION = obj(id=INTEGER, code=STRING, name=STRING, kind=enum(DelegationKind))


@dataclass(frozen=True)
class NewDelegation:
    code: DelegationCode
    name: Name
    kind: DelegationKind = DelegationKind.MEMBER_STATE


@dataclass(frozen=True)
class DelegationChange:
    name: Name | None = None
    kind: DelegationKind | None = None


def delegation_json(delegation: Delegation) -> dict[str, Any]:
    return {
        "id": delegation.id,
        "code": delegation.code,
        "name": delegation.name,
        "kind": delegation.kind.value,
    }


@endpoint(
    "GET",
    DELEGATIONS,
    Action.BROWSE,  # who takes part is no secret among those who negotiate
    "Every delegation registered, by code",
    response=array(DELEGATION),
)
async def list_delegations(call: Call) -> list[dict[str, Any]]:
    return await call.read(lambda session: [delegation_json(d) for d in delegations(session)])


@endpoint(
    "POST",
    DELEGATIONS,
    Action.MANAGE_DELEGATIONS,
    "Register a delegation: its code (upper-cased), name and kind",
    body=NewDelegation,
    response=DELEGATION,
    status=201,
    errors=(409,),
)
async def create_delegation(call: Call) -> dict[str, Any]:
    body: NewDelegation = call.body

    def work(session: Session, user: User) -> dict[str, Any]:
        delegation = add_delegation(session, body.code, body.name, body.kind)
        detail = f"{delegation.name} ({delegation.kind.value})"
        audit.record(session, user.id, "delegation_added", f"delegation/{delegation.code}", detail)
        return delegation_json(delegation)

    return await call.write(work)


@endpoint(
    "PATCH",
    DELEGATIONS + "/{delegation_id}",
    Action.MANAGE_DELEGATIONS,
    "Rename a delegation or change its kind (a chair stays a member state; observers stay in observer ones)",
    body=DelegationChange,
    response=DELEGATION,
)
async def edit_delegation(call: Call) -> dict[str, Any]:
    body: DelegationChange = call.body
    delegation_id: int = call.path["delegation_id"]

    def work(session: Session, user: User) -> dict[str, Any]:
        delegation = delegation_by_id(session, delegation_id)
        before = f"{delegation.name} ({delegation.kind.value})"
        change_delegation(session, delegation, name=body.name, kind=body.kind)
        after = f"{delegation.name} ({delegation.kind.value})"
        if after != before:
            audit.record(
                session, user.id, "delegation_changed", f"delegation/{delegation.code}", f"{before} → {after}"
            )
        return delegation_json(delegation)

    return await call.write(work)


endpoints = [list_delegations, create_delegation, edit_delegation]
