"""Demo sign-in: pick one of the demo users, no password. Mounted only when CONSENSO_DEMO=1, which
production settings refuse."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from auth.credentials import open_session
from drafting.demo import USERS
from drafting.models import User
from server.api.documents import services_of
from server.errors import Refused
from server.routing import public
from server.signin.identify import set_session_cookie

DEMO_EMAILS = [email for email, *_ in USERS]


def _demo_users(session: Session) -> list[User]:
    users = session.scalars(select(User).where(User.email.in_(DEMO_EMAILS), User.active.is_(True)))
    return sorted(users, key=lambda user: DEMO_EMAILS.index(user.email))


@public
async def demo_users(request: Request) -> JSONResponse:
    def work(session: Session) -> list[dict[str, object]]:
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

    return JSONResponse(await services_of(request).in_session(work))


@public
async def demo_sign_in(request: Request) -> Response:
    try:
        body = json.loads(await request.body())
        user_id = int(body["user_id"])
    except (ValueError, KeyError, TypeError) as exc:
        raise Refused(400, 'send JSON like {"user_id": 1} naming one of the demo users') from exc

    def work(session: Session) -> str | None:
        user = next((u for u in _demo_users(session) if u.id == user_id), None)
        return (
            open_session(session, user, signed_in_via="demo", user_agent=request.headers.get("user-agent"))
            if user is not None
            else None
        )

    services = services_of(request)
    secret = await services.in_session(work)
    if secret is None:
        raise Refused(404, "no demo user with that id; pick one from /api/demo/users")
    response = Response(status_code=204)
    set_session_cookie(response, secret, services.settings)
    return response


routes = [
    Route("/api/demo/users", demo_users),
    Route("/api/demo/signin", demo_sign_in, methods=["POST"]),
]
