"""Who is asking: the signed-in user as the policy sees them."""

from __future__ import annotations

from dataclasses import dataclass

from drafting.kinds import Role
from drafting.models import User


@dataclass(frozen=True)
class Principal:
    user_id: int
    email: str
    name: str
    role: Role
    delegation_id: int | None
    delegation_code: str | None

    @classmethod
    def of(cls, user: User) -> Principal:
        delegation = user.delegation
        return cls(
            user_id=user.id,
            email=user.email,
            name=user.name,
            role=user.role,
            delegation_id=delegation.id if delegation else None,
            delegation_code=delegation.code if delegation else None,
        )
