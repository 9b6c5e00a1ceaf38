"""Demo sign-in: pick one of the demo users, no password. Mounted only when CONSENSO_DEMO=1, which
production settings refuse."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.responses import Response

from auth.credentials import open_session
from drafting.demo import USERS
from drafting.errors import NotFound
from drafting.kinds import Role
from drafting.models import User
from server.api.pipeline import Call, endpoint
from server.api.schema import INTEGER, STRING, Id, array, enum, nullable, obj
from server.signin.identify import set_session_cookie

DEMO_EMAILS = [email for email, *_ in USERS]
DEMO_USER = obj(id=INTEGER, name=STRING, email=STRING, role=enum(Role), delegation=nullable(STRING))


@dataclass(frozen=True)
class DemoChoice:
    user_id: Id


def _demo_users(session: Session) -> list[User]:
    users = session.scalars(select(User).where(User.email.in_(DEMO_EMAILS), User.active.is_(True)))
    return sorted(users, key=lambda user: DEMO_EMAILS.index(user.email))


@endpoint(
    "GET",
    "/api/demo/users",
    None,
    "The demo users one may sign in as (demo mode only)",
    response=array(DEMO_USER),
)
async def demo_users(call: Call) -> list[dict[str, Any]]:
    def work(session: Session) -> list[dict[str, Any]]:
        return [
            {
                "id": u.id,
                "name": u.name,
                "email": u.email,
                "role": u.role.value,
                "delegation": u.delegation.code if u.delegation else None,
            }
            for u in _demo_users(session)
        ]

    return await call.read(work)


@endpoint(
    "POST",
    "/api/demo/signin",
    None,
    "Sign in as a demo user (demo mode only): sets the session cookie",
    body=DemoChoice,
    status=204,
    errors=(404,),
)
async def demo_sign_in(call: Call) -> Response:
    user_id: int = call.body.user_id
    user_agent = call.request.headers.get("user-agent")

    def work(session: Session) -> str | None:
        user = next((u for u in _demo_users(session) if u.id == user_id), None)
        if user is None:
            return None
        return open_session(session, user, signed_in_via="demo", user_agent=user_agent)

    secret = await call.read(work)
    if secret is None:
        raise NotFound("demo user", user_id)
    response = Response(status_code=204)
    set_session_cookie(response, secret, call.services.settings)
    return response


endpoints = [demo_users, demo_sign_in]
