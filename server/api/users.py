"""REST for the Secretariat's and the administrator's register of users: list, add, and change a user's
name, role, delegation or access. A change of role, delegation or access closes the user's sync sockets
and event streams (auth/endings.py, docs/decisions/0010) and is recorded in the installation's audit trail
(a new user, role or delegation by drafting itself, naming the actor the pipeline gives).
Only an administrator grants or removes the admin role; nobody changes their own access."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from sqlalchemy.orm import Session

from auth.endings import access_changed
from auth.policy import Action, may_change_account
from auth.principal import Principal
from drafting import audit
from drafting.catalogue import add_user, change_user, user_by_id, users
from drafting.kinds import Role
from drafting.models import User
from server.api.negotiations import DelegationCode
from server.api.pipeline import Call, endpoint
from server.api.schema import BOOLEAN, INTEGER, STRING, Bounds, Name, array, enum, nullable, obj
from server.errors import PolicyRefusal

USERS = "/api/users"
USER = obj(
    id=INTEGER,
    email=STRING,
    name=STRING,
    role=enum(Role),
    delegation=nullable(STRING),
    active=BOOLEAN,
    linked=BOOLEAN,  # tied to an identity provider's account (consenso user link)
)
Email = Annotated[
    str, Bounds(min_length=3, max_length=320, pattern=r"[^@\s]+@[^@\s]+", description="an e-mail address")
]


@dataclass(frozen=True)
class NewUser:
    email: Email
    name: Name
    role: Role
    delegation: DelegationCode | None = None  # negotiators and observers need one; staff have none


@dataclass(frozen=True)
class UserChange:
    name: Name | None = None
    role: Role | None = None
    delegation: DelegationCode | None = None
    active: bool | None = None


def user_json(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "email": user.email,
        "name": user.name,
        "role": user.role.value,
        "delegation": user.delegation.code if user.delegation else None,
        "active": user.active,
        "linked": user.subject is not None,
    }


def _access(user: User) -> str:
    delegation = user.delegation.code if user.delegation else "no delegation"
    return f"{user.role.value}, {delegation}" + ("" if user.active else ", disabled")


def _allowed(principal: Principal, user_id: int, current: Role, new: Role, access: bool) -> None:
    decision = may_change_account(principal, user_id, current, new, access)
    if not decision:
        raise PolicyRefusal(decision.rule + ".", action=Action.MANAGE_USERS.value)


@endpoint("GET", USERS, Action.MANAGE_USERS, "Every user, by e-mail address", response=array(USER))
async def list_users(call: Call) -> list[dict[str, Any]]:
    return await call.read(lambda session: [user_json(u) for u in users(session)])


@endpoint(
    "POST",
    USERS,
    Action.MANAGE_USERS,
    "Add a user with a role (and the delegation negotiators and observers belong to)",
    body=NewUser,
    response=USER,
    status=201,
    errors=(404, 409),  # 404: a delegation not registered
)
async def create_user(call: Call) -> dict[str, Any]:
    body: NewUser = call.body
    principal = call.principal
    _allowed(principal, 0, body.role, body.role, access=False)

    def work(session: Session, _actor: User) -> dict[str, Any]:
        return user_json(
            add_user(session, body.email, body.name, body.role, body.delegation)
        )  # audited there

    return await call.write(work)


@endpoint(
    "PATCH",
    USERS + "/{user_id}",
    Action.MANAGE_USERS,
    "Change a user's name, role, delegation or access; a change of access closes what they have open",
    body=UserChange,
    response=USER,
    errors=(409,),
)
async def edit_user(call: Call) -> dict[str, Any]:
    body: UserChange = call.body
    user_id: int = call.path["user_id"]
    principal = call.principal

    def work(session: Session, actor: User) -> dict[str, Any]:
        user = user_by_id(session, user_id)
        before_role, before, was_active = user.role, _access(user), user.active
        changed = change_user(
            session, user, name=body.name, role=body.role, delegation=body.delegation, active=body.active
        )
        _allowed(principal, user.id, before_role, user.role, changed)  # refused: all is rolled back
        if changed:
            # The audit trail records a new role or delegation itself (drafting/audit.py); access here.
            access_changed(session, user.id)
            if user.active is not was_active:
                action = "user_enabled" if user.active else "user_disabled"
                audit.record(session, actor.id, action, f"user/{user.id}", f"{before} → {_access(user)}")
        return user_json(user)

    return await call.write(work)


endpoints = [list_users, create_user, edit_user]
