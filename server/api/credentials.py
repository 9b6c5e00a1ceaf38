"""REST for who is calling and their credentials: the caller, their sessions and script tokens, access tokens,
signing out, and the public keys that verify access tokens.

Revoking a session or a credential closes the sync sockets and event streams opened with it: auth notes
the ending in the transaction (server/signin/watch.py). Another's session or token answers as a missing
one does (404): its id tells nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from starlette.responses import JSONResponse, Response

from auth.access_tokens import mint_access_token
from auth.credentials import (
    CredentialInfo,
    close_session,
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
from auth.policy import Action, authorize
from drafting.errors import NotFound
from drafting.kinds import Role
from drafting.models import User
from server.api.pipeline import Call, endpoint, require
from server.api.schema import ANY_OBJECT, BOOLEAN, INTEGER, STRING, Id, array, enum, nullable, obj
from server.errors import PolicyRefusal
from server.security import csrf
from server.signin.identify import SESSION_COOKIE

ME = obj(
    id=INTEGER,
    name=STRING,
    email=STRING,
    role=enum(Role),
    delegation=nullable(STRING),
    csrf_token=nullable(STRING),
)
CREDENTIAL = {
    "type": "object",
    "properties": {
        "id": INTEGER,
        "created_at": STRING,
        "expires_at": nullable(STRING),
        "revoked": BOOLEAN,
        "active": BOOLEAN,
        "signed_in_via": nullable(STRING),
        "user_agent": nullable(STRING),
        "current": BOOLEAN,
    },
    "required": ["id", "created_at", "expires_at", "revoked", "active"],
}
ACCESS_TOKEN = obj(access_token=STRING, token_type=STRING, expires_in=INTEGER)


@dataclass(frozen=True)
class TokensQuery:
    user: Id | None = None  # another user's tokens (the right to manage users)


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


@endpoint(
    "GET",
    "/api/me",
    Action.OWN_CREDENTIALS,
    "Who the caller is, and the form token for cookie writes",
    response=ME,
)
async def me(call: Call) -> dict[str, Any]:
    principal = call.principal
    return {
        "id": principal.user_id,
        "name": principal.name,
        "email": principal.email,
        "role": principal.role.value,
        "delegation": principal.delegation_code,
        "csrf_token": csrf.token_for(call.request),
    }


@endpoint("POST", "/api/signout", None, "End the browser session, if there is one", response=None, status=204)
async def sign_out(call: Call) -> Response:
    secret = call.request.cookies.get(SESSION_COOKIE)
    if secret:
        await call.read(lambda session: close_session(session, secret))
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@endpoint(
    "GET", "/.well-known/jwks.json", None, "The public keys that verify access tokens", response=ANY_OBJECT
)
async def jwks(call: Call) -> Response:
    keys = await call.read(public_jwks)
    return JSONResponse(keys, headers={"Cache-Control": "public, max-age=300"})


@endpoint(
    "GET",
    "/api/me/sessions",
    Action.OWN_CREDENTIALS,
    "The caller's browser sessions",
    response=array(CREDENTIAL),
)
async def list_sessions(call: Call) -> list[dict[str, Any]]:
    caller = call.caller
    assert caller is not None
    current = caller.credential_id if caller.minter is CredentialKind.SESSION else None
    infos = await call.read(lambda session: sessions_of(session, caller.principal.user_id))
    return [_described(info, current) for info in infos]


@endpoint(
    "DELETE",
    "/api/me/sessions/{session_id}",
    Action.OWN_CREDENTIALS,
    "End one of the caller's sessions; its sync sockets close",
    status=204,
)
async def delete_session(call: Call) -> None:
    session_id: int = call.path["session_id"]
    user_id = call.principal.user_id

    def work(session: Session) -> bool:
        if session_owner(session, session_id) != user_id:
            return False
        revoke_session(session, session_id)
        return True

    if not await call.read(work):
        raise NotFound("session", session_id)


@endpoint(
    "GET",
    "/api/tokens",
    Action.OWN_CREDENTIALS,
    "The caller's script tokens; ?user=ID lists another user's (the right to manage users)",
    query=TokensQuery,
    response=array(CREDENTIAL),
)
async def list_tokens(call: Call) -> list[dict[str, Any]]:
    query: TokensQuery = call.query
    user_id = query.user or call.principal.user_id
    if user_id != call.principal.user_id:
        require(call.principal, Action.MANAGE_USERS)
    infos = await call.read(lambda session: script_tokens_of(session, user_id))
    return [_described(info) for info in infos]


@endpoint(
    "POST",
    "/api/tokens/access",
    Action.OWN_CREDENTIALS,
    "A short-lived signed access token for the caller, in exchange for a script token or a session",
    response=ACCESS_TOKEN,
    errors=(429,),
)
async def create_access_token(call: Call) -> Response:
    caller = call.caller
    assert caller is not None
    if caller.minter is None or caller.credential_id is None:
        raise PolicyRefusal("an access token cannot mint another: use your script token", code="no_minting")
    settings = call.services.settings.tokens
    minter, minter_id, user_id = caller.minter, caller.credential_id, caller.principal.user_id
    token = await call.read(lambda session: mint_access_token(session, user_id, minter, minter_id, settings))
    return JSONResponse(
        {"access_token": token, "token_type": "Bearer", "expires_in": int(settings.ttl.total_seconds())},
        headers={"Cache-Control": "no-store"},
    )


@endpoint(
    "DELETE",
    "/api/tokens/{token_id}",
    Action.OWN_CREDENTIALS,
    "Revoke a script token: one's own, or anyone's with the right to manage users",
    status=204,
    errors=(429,),
)
async def delete_token(call: Call) -> None:
    token_id: int = call.path["token_id"]
    principal = call.principal
    owner = await call.read(lambda session: script_token_owner(session, token_id))
    if owner is None or (owner != principal.user_id and not authorize(principal, Action.MANAGE_USERS)):
        raise NotFound("script token", token_id)  # another's token is not confirmed to exist
    await call.read(lambda session: revoke_script_token(session, token_id))


@endpoint(
    "DELETE",
    "/api/users/{user_id}/credentials",
    Action.MANAGE_USERS,
    "Revoke every session and script token of a user and close their sockets",
    status=204,
)
async def revoke_user(call: Call) -> None:
    user_id: int = call.path["user_id"]

    def work(session: Session) -> bool:
        if session.get(User, user_id) is None:
            return False
        revoke_user_credentials(session, user_id)
        return True

    if not await call.read(work):
        raise NotFound("user", user_id)


endpoints = [
    me,
    sign_out,
    jwks,
    list_sessions,
    delete_session,
    list_tokens,
    create_access_token,
    delete_token,
    revoke_user,
]
