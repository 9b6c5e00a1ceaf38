"""Sign-in through each organization's identity provider (OpenID Connect).

GET /signin/{provider} sends the browser to the provider with a fresh state, nonce and PKCE verifier,
kept server-side and bound to this browser by a short-lived cookie; GET /signin/{provider}/callback
checks all of them, opens a new session (a fresh cookie id: never one that existed before sign-in) and
goes to the app. Refusals are a page that says what went wrong, never whether an account exists.
"""

from __future__ import annotations

import html
import logging

from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from auth.credentials import close_session, open_session
from auth.identity import (
    NotRegistered,
    new_browser_secret,
    remember_sign_in,
    take_sign_in,
    user_for_identity,
)
from auth.oidc import OidcClient, ProviderUnavailable, SignInError
from server.api.pipeline import Call, endpoint, public, services_of
from server.api.schema import STRING, array, obj
from server.signin.identify import SESSION_COOKIE, set_session_cookie

log = logging.getLogger(__name__)

SIGNIN_COOKIE = "consenso_signin"
SIGNIN_COOKIE_SECONDS = 600


def oidc_clients(request: Request) -> dict[str, OidcClient]:
    """The configured providers (CONSENSO_OIDC_PROVIDERS), built once per app; tests may set their own."""
    state = request.app.state
    clients: dict[str, OidcClient] | None = getattr(state, "oidc_clients", None)
    if clients is None:
        providers = services_of(request).settings.oidc_providers
        clients = {name: OidcClient(config) for name, config in providers.items()}
        state.oidc_clients = clients
    return clients


def _client(request: Request) -> OidcClient:
    client = oidc_clients(request).get(request.path_params["provider"])
    if client is None:
        raise _Refusal(404, "There is no identity provider of that name.")
    return client


def _redirect_uri(request: Request, provider: str) -> str:
    public_url = services_of(request).settings.public_url
    if public_url:
        return f"{public_url}/signin/{provider}/callback"
    return str(request.url_for("signin_callback", provider=provider))


class _Refusal(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def refusal_page(status: int, message: str) -> HTMLResponse:
    body = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Sign-in refused · Consenso'
        '</title><link rel="stylesheet" href="/static/style.css"></head><body><main class="signin-refused">'
        f"<h1>Sign-in refused</h1><p>{html.escape(message)}</p>"
        '<p><a href="/signin">Back to sign-in</a></p></main></body></html>'
    )
    response = HTMLResponse(body, status_code=status)
    response.delete_cookie(SIGNIN_COOKIE, path="/signin")
    return response


@endpoint(
    "GET",
    "/api/signin/providers",
    None,
    "The identity providers the sign-in page offers",
    response=array(obj(name=STRING, title=STRING, url=STRING)),
)
async def providers(call: Call) -> list[dict[str, str]]:
    return [
        {"name": name, "title": client.config.title or name, "url": f"/signin/{name}"}
        for name, client in oidc_clients(call.request).items()
    ]


@public
async def start(request: Request) -> Response:
    try:
        client = _client(request)
        name = client.config.name
        authorization = await client.authorization_request(_redirect_uri(request, name))
    except _Refusal as refusal:
        return refusal_page(refusal.status, refusal.message)
    except SignInError as exc:
        log.warning("sign-in with %s could not start: %s", request.path_params["provider"], exc, exc_info=exc)
        return refusal_page(502, "The identity provider cannot be reached just now. Try again later.")
    browser = request.cookies.get(SIGNIN_COOKIE) or new_browser_secret()
    await services_of(request).in_session(
        lambda session: remember_sign_in(session, browser, name, authorization)
    )
    response = RedirectResponse(authorization.url, status_code=302)
    response.set_cookie(
        SIGNIN_COOKIE,
        browser,
        max_age=SIGNIN_COOKIE_SECONDS,
        httponly=True,
        samesite="lax",  # sent on the provider's top-level redirect back to us
        secure=services_of(request).settings.secure_cookies,
        path="/signin",
    )
    return response


@public
async def callback(request: Request) -> Response:
    services = services_of(request)
    try:
        client = _client(request)
        name = client.config.name
        state = request.query_params.get("state")
        browser = request.cookies.get(SIGNIN_COOKIE)
        pending = (
            await services.in_session(lambda session: take_sign_in(session, state, browser, name))
            if state and browser
            else None
        )
        if pending is None:
            raise _Refusal(
                400,
                "This sign-in was not started in this browser, was already used, or took too long. "
                "Start again.",
            )
        identity = await client.finish(dict(request.query_params), pending)
        first_admin = services.settings.first_admin
        old_secret = request.cookies.get(SESSION_COOKIE)
        user_agent = request.headers.get("user-agent")

        def sign_in(session: Session) -> str:
            user = user_for_identity(session, identity, client.config, first_admin)
            if old_secret:
                close_session(session, old_secret)
            return open_session(session, user, signed_in_via=name, user_agent=user_agent)

        secret = await services.in_session(sign_in)
    except _Refusal as refusal:
        return refusal_page(refusal.status, refusal.message)
    except NotRegistered as exc:
        log.info("sign-in refused: %s has no account", request.path_params["provider"])
        return refusal_page(403, exc.message)
    except ProviderUnavailable as exc:
        log.warning("sign-in with %s failed: %s", request.path_params["provider"], exc, exc_info=exc)
        return refusal_page(502, "The identity provider cannot be reached just now. Try again later.")
    except SignInError as exc:
        log.warning("sign-in with %s refused: %s", request.path_params["provider"], exc, exc_info=exc)
        return refusal_page(400, exc.message)
    response = RedirectResponse("/", status_code=303)
    response.delete_cookie(SIGNIN_COOKIE, path="/signin")
    set_session_cookie(response, secret, services.settings)
    return response


routes: list[BaseRoute] = [
    providers.route,
    Route("/signin/{provider}", start, name="signin_start"),
    Route("/signin/{provider}/callback", callback, name="signin_callback"),
]
