"""REST for credentials: the caller's sessions and script tokens, access tokens, and the public signing keys.

Revoking a session or a credential closes the sync sockets and event streams opened with it: auth notes
the ending in the transaction (server/signin/watch.py).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from auth.access_tokens import mint_access_token
from auth.credentials import (
    CredentialInfo,
    revoke_script_token,
    revoke_session,
    revoke_user_credentials,
    script_token_owner,
    script_tokens_of,
    session_owner,
    sessions_of,
)
from auth.endings import CredentialKind
from auth.keys import public_jwks
from auth.policy import Action
from drafting.models import User
from server.access import require
from server.api.documents import services_of
from server.errors import Refused
from server.routing import public, requires
from server.signin.identify import Caller, identify_caller


async def caller_of(request: Request) -> Caller:
    caller = await identify_caller(request, services_of(request))
    if caller is None:
        raise Refused(401, "sign in first: no valid session or bearer token")
    return caller


def _id(request: Request, name: str) -> int:
    try:
        return int(request.path_params[name])
    except ValueError as exc:
        raise Refused(404, f"{name.replace('_', ' ')}s are whole numbers") from exc


def _described(info: CredentialInfo, current_id: int | None = None) -> dict[str, Any]:
    described: dict[str, Any] = {
        "id": info.id,
        "created_at": info.created_at.isoformat(),
        "expires_at": info.expires_at.isoformat() if info.expires_at else None,
        "revoked": info.revoked_at is not None,
        "active": info.active,
    }
    if current_id is not None or info.signed_in_via is not None:
        described |= {
            "signed_in_via": info.signed_in_via,
            "user_agent": info.user_agent,
            "current": info.id == current_id,
        }
    return described


@public
async def jwks(request: Request) -> JSONResponse:
    keys = await services_of(request).in_session(public_jwks)
    return JSONResponse(keys, headers={"Cache-Control": "public, max-age=300"})


@requires(Action.OWN_CREDENTIALS)
async def list_sessions(request: Request) -> JSONResponse:
    caller = await caller_of(request)
    require(caller.principal, Action.OWN_CREDENTIALS)
    current = caller.credential_id if caller.minter is CredentialKind.SESSION else None
    infos = await services_of(request).in_session(
        lambda session: sessions_of(session, caller.principal.user_id)
    )
    return JSONResponse([_described(info, current) for info in infos])


@requires(Action.OWN_CREDENTIALS)
async def delete_session(request: Request) -> Response:
    caller = await caller_of(request)
    require(caller.principal, Action.OWN_CREDENTIALS)
    session_id = _id(request, "session_id")
    services = services_of(request)

    def work(session: Session) -> bool:
        if session_owner(session, session_id) != caller.principal.user_id:
            return False
        revoke_session(session, session_id)
        return True

    if not await services.in_session(work):
        raise Refused(404, "you have no session with that id")
    return Response(status_code=204)


@requires(Action.OWN_CREDENTIALS)
async def list_tokens(request: Request) -> JSONResponse:
    """The caller's script tokens; `?user=ID` lists another user's (manage users)."""
    caller = await caller_of(request)
    require(caller.principal, Action.OWN_CREDENTIALS)
    user_id = caller.principal.user_id
    if "user" in request.query_params:
        try:
            user_id = int(request.query_params["user"])
        except ValueError as exc:
            raise Refused(422, "user must be a user id") from exc
        if user_id != caller.principal.user_id:
            require(caller.principal, Action.MANAGE_USERS)
    infos = await services_of(request).in_session(lambda session: script_tokens_of(session, user_id))
    return JSONResponse([_described(info) for info in infos])


@requires(Action.OWN_CREDENTIALS)
async def delete_token(request: Request) -> Response:
    """Revoke a script token: one's own, or anyone's with the right to manage users."""
    caller = await caller_of(request)
    require(caller.principal, Action.OWN_CREDENTIALS)
    token_id = _id(request, "token_id")
    services = services_of(request)
    owner = await services.in_session(lambda session: script_token_owner(session, token_id))
    if owner is None:
        raise Refused(404, "no script token with that id")
    if owner != caller.principal.user_id:
        require(caller.principal, Action.MANAGE_USERS)
    await services.in_session(lambda session: revoke_script_token(session, token_id))
    return Response(status_code=204)


@requires(Action.OWN_CREDENTIALS)
async def create_access_token(request: Request) -> JSONResponse:
    """A short-lived signed access token for the caller, in exchange for a script token or a session."""
    caller = await caller_of(request)
    require(caller.principal, Action.OWN_CREDENTIALS)
    if caller.minter is None or caller.credential_id is None:
        raise Refused(403, "an access token cannot mint another: use your script token")
    settings = services_of(request).settings.tokens
    minter, minter_id = caller.minter, caller.credential_id
    token = await services_of(request).in_session(
        lambda session: mint_access_token(session, caller.principal.user_id, minter, minter_id, settings)
    )
    return JSONResponse(
        {"access_token": token, "token_type": "Bearer", "expires_in": int(settings.ttl.total_seconds())},
        headers={"Cache-Control": "no-store"},
    )


@requires(Action.MANAGE_USERS)
async def revoke_user(request: Request) -> Response:
    """Revoke every session and script token of a user and close their sockets."""
    caller = await caller_of(request)
    require(caller.principal, Action.MANAGE_USERS)
    user_id = _id(request, "user_id")
    services = services_of(request)

    def work(session: Session) -> bool:
        if session.get(User, user_id) is None:
            return False
        revoke_user_credentials(session, user_id)
        return True

    if not await services.in_session(work):
        raise Refused(404, "no user with that id")
    return Response(status_code=204)


routes: list[BaseRoute] = [
    Route("/.well-known/jwks.json", jwks),
    Route("/api/me/sessions", list_sessions),
    Route("/api/me/sessions/{session_id}", delete_session, methods=["DELETE"]),
    Route("/api/tokens", list_tokens),
    Route("/api/tokens/access", create_access_token, methods=["POST"]),
    Route("/api/tokens/{token_id}", delete_token, methods=["DELETE"]),
    Route("/api/users/{user_id}/credentials", revoke_user, methods=["DELETE"]),
]
