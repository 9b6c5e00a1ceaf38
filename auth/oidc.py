"""Sign-in through an organization's OpenID Connect provider: the authorization code flow with PKCE.

authlib's httpx client builds the authorization request and exchanges the code; joserfc verifies the ID
token. What authlib leaves to us is done here: the RFC 9207 `iss` callback parameter, the nonce, and the
userinfo endpoint when the ID token lacks the claims we show. The state lives server-side
(auth/identity.py); this module does protocol, not storage.

    SignInError
     ├── ProviderUnavailable   discovery, keys or the token endpoint could not be reached or made no sense
     ├── CallbackRefused       the provider's answer is not one we accept (error, wrong iss, no code)
     ├── IdTokenRefused        the ID token's signature or claims are wrong (iss, aud, exp, nonce, …)
     └── NotRegistered         (auth/identity.py) a valid sign-in of someone Consenso does not know
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from joserfc import jwt
from joserfc.errors import ClaimError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet
from joserfc.jws import JWSRegistry

from drafting.clock import utcnow

if TYPE_CHECKING:  # the HTTP clients load with the first sign-in through a provider (docs/decisions/0051)
    import httpx2
    from authlib.integrations.httpx_client import AsyncOAuth2Client

# Signature algorithms we accept from providers: asymmetric only (HS256 would make the client secret a
# signing key, and "none" is no signature).
ASYMMETRIC = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "Ed25519"})
LEEWAY_SECONDS = 60
HTTP_TIMEOUT_SECONDS = 10.0


class SignInError(Exception):
    """A sign-in that cannot go on. `message` is for the person; the cause goes to the log."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ProviderUnavailable(SignInError):
    pass


class CallbackRefused(SignInError):
    pass


class IdTokenRefused(SignInError):
    pass


class OidcConfigError(ValueError):
    pass


DISCOVERY_SUFFIX = "/.well-known/openid-configuration"


@dataclass(frozen=True)
class ProviderConfig:
    """One identity provider, from CONSENSO_OIDC_PROVIDERS."""

    name: str
    discovery_url: str
    client_id: str
    client_secret: str = field(repr=False)
    title: str = ""
    scope: str = "openid email profile"
    # Claims may set role and delegation of a user signing in for the first time.
    prefill_roles: bool = False
    # A verified e-mail may link a first sign-in to a user an administrator added by e-mail.
    link_by_email: bool = False

    @property
    def issuer(self) -> str:
        """The issuer its discovery document must name (OpenID Connect Discovery 4.3)."""
        return self.discovery_url.removesuffix(DISCOVERY_SUFFIX).rstrip("/")


_TEXT_FIELDS = ("name", "discovery_url", "client_id", "client_secret", "title", "scope")
_FLAG_FIELDS = ("prefill_roles", "link_by_email")


def parse_providers(raw: str) -> dict[str, ProviderConfig]:
    """The identity providers of a JSON list of {name, discovery_url, client_id, client_secret, ...}
    (CONSENSO_OIDC_PROVIDERS); OidcConfigError says what is wrong, never a secret."""
    if not raw.strip():
        return {}
    try:
        entries = json.loads(raw)
    except ValueError as exc:
        raise OidcConfigError(f"it is not JSON ({exc})") from exc
    if not isinstance(entries, list):
        raise OidcConfigError("it must be a JSON list of providers")
    providers: dict[str, ProviderConfig] = {}
    for entry in entries:
        config = _provider(entry)
        if config.name in providers:
            raise OidcConfigError(f"two identity providers are named {config.name!r}")
        providers[config.name] = config
    return providers


def _provider(entry: object) -> ProviderConfig:
    if not isinstance(entry, dict):
        raise OidcConfigError("each entry must be an object")
    missing = [k for k in ("name", "discovery_url", "client_id", "client_secret") if not entry.get(k)]
    if missing:
        raise OidcConfigError(f"an identity provider lacks {', '.join(missing)}")
    unknown = set(entry) - set(ProviderConfig.__dataclass_fields__)
    if unknown:
        raise OidcConfigError(f"unknown identity provider settings: {', '.join(sorted(unknown))}")
    wrong = [k for k in _TEXT_FIELDS if k in entry and not isinstance(entry[k], str)]
    wrong += [k for k in _FLAG_FIELDS if k in entry and not isinstance(entry[k], bool)]
    if wrong:
        raise OidcConfigError(f"{', '.join(wrong)} must be strings, and true or false for flags")
    name = entry["name"]
    if not name.replace("-", "").replace("_", "").isalnum():
        raise OidcConfigError(f"identity provider names are words (letters, digits, - and _), not {name!r}")
    url = entry["discovery_url"]
    if not url.startswith(("https://", "http://")) or not url.endswith(DISCOVERY_SUFFIX):
        raise OidcConfigError(f"discovery_url of {name!r} must be the issuer's URL + {DISCOVERY_SUFFIX}")
    return ProviderConfig(**entry)


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    userinfo_endpoint: str | None
    iss_parameter_supported: bool
    algorithms: frozenset[str]

    @classmethod
    def parse(cls, document: Mapping[str, Any], discovery_url: str) -> ProviderMetadata:
        try:
            issuer = str(document["issuer"])
            metadata = cls(
                issuer=issuer,
                authorization_endpoint=str(document["authorization_endpoint"]),
                token_endpoint=str(document["token_endpoint"]),
                jwks_uri=str(document["jwks_uri"]),
                userinfo_endpoint=document.get("userinfo_endpoint"),
                iss_parameter_supported=document.get("authorization_response_iss_parameter_supported")
                is True,
                algorithms=frozenset(document.get("id_token_signing_alg_values_supported") or ["RS256"])
                & ASYMMETRIC,
            )
        except KeyError as exc:
            raise ProviderUnavailable(f"the identity provider's discovery lacks {exc}") from exc
        # OpenID Connect Discovery 4.3: the issuer must be the URL the document was found under.
        if discovery_url.removesuffix(DISCOVERY_SUFFIX).rstrip("/") != issuer.rstrip("/"):
            raise ProviderUnavailable("the identity provider's discovery names another issuer")
        if not metadata.algorithms:
            raise ProviderUnavailable("the identity provider signs ID tokens with no algorithm we accept")
        return metadata


@dataclass(frozen=True)
class AuthorizationRequest:
    """Where to send the browser, and what its callback must match (kept server-side until then)."""

    url: str
    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str


@dataclass(frozen=True)
class Identity:
    """Who signed in, as the provider says. Keyed on (issuer, subject); the rest is description."""

    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str | None
    claims: Mapping[str, Any]


def verify_id_token(
    id_token: str,
    keys: KeySet,
    *,
    issuer: str,
    client_id: str,
    nonce: str,
    algorithms: frozenset[str],
    now: datetime,
) -> dict[str, Any]:
    """The claims of a valid ID token for us (OpenID Connect Core 3.1.3.7), else IdTokenRefused. Pure."""
    try:
        token = jwt.decode(id_token, keys, registry=JWSRegistry(algorithms=sorted(algorithms)))
    except InvalidKeyIdError:
        raise
    except (JoseError, ValueError, KeyError, TypeError) as exc:
        raise IdTokenRefused("the identity provider's ID token is not validly signed") from exc
    registry = jwt.JWTClaimsRegistry(
        now=int(now.timestamp()),
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": client_id},
        sub={"essential": True},
        exp={"essential": True},
        iat={"essential": True},
        nonce={"essential": True, "value": nonce},
    )
    claims = token.claims
    try:
        registry.validate(claims)
    except ClaimError as exc:
        raise IdTokenRefused(f"the identity provider's ID token is refused ({exc.claim})") from exc
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if len(audiences) > 1 and claims.get("azp") != client_id:
        raise IdTokenRefused("the identity provider's ID token is refused (azp)")
    return claims


def _http_failure() -> type[Exception]:
    import httpx2

    return httpx2.HTTPError


def _refusal() -> Any:  # authlib's OAuthError (authlib is untyped)
    from authlib.integrations.base_client import OAuthError

    return OAuthError


class OidcClient:
    """One configured provider: discovery and keys cached, one authorization flow per sign-in."""

    def __init__(self, config: ProviderConfig, transport: httpx2.AsyncBaseTransport | None = None) -> None:
        self.config = config
        self._transport = transport
        self._metadata: ProviderMetadata | None = None
        self._keys: KeySet | None = None

    def _http(self) -> httpx2.AsyncClient:
        import httpx2

        return httpx2.AsyncClient(transport=self._transport, timeout=HTTP_TIMEOUT_SECONDS)

    def _oauth(self, redirect_uri: str) -> AsyncOAuth2Client:
        from authlib.integrations.httpx_client import AsyncOAuth2Client

        return AsyncOAuth2Client(
            client_id=self.config.client_id,
            client_secret=self.config.client_secret,
            scope=self.config.scope,
            redirect_uri=redirect_uri,
            code_challenge_method="S256",
            token_endpoint_auth_method="client_secret_basic",
            transport=self._transport,
            timeout=HTTP_TIMEOUT_SECONDS,
        )

    async def _get_json(self, url: str, **kwargs: Any) -> Any:
        try:
            async with self._http() as http:
                response = await http.get(url, **kwargs)
                response.raise_for_status()
                return response.json()
        except (_http_failure(), ValueError) as exc:
            raise ProviderUnavailable(f"the identity provider {self.config.name} did not answer") from exc

    async def metadata(self) -> ProviderMetadata:
        if self._metadata is None:
            document = await self._get_json(self.config.discovery_url)
            if not isinstance(document, dict):
                raise ProviderUnavailable("the identity provider's discovery is not a JSON object")
            self._metadata = ProviderMetadata.parse(document, self.config.discovery_url)
        return self._metadata

    async def _key_set(self, *, refresh: bool = False) -> KeySet:
        if self._keys is None or refresh:
            document = await self._get_json((await self.metadata()).jwks_uri)
            try:
                self._keys = KeySet.import_key_set(document)
            except (JoseError, ValueError, KeyError, TypeError) as exc:
                raise ProviderUnavailable("the identity provider's keys cannot be read") from exc
        return self._keys

    async def authorization_request(self, redirect_uri: str) -> AuthorizationRequest:
        metadata = await self.metadata()
        state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
        async with self._oauth(redirect_uri) as oauth:
            url, _ = oauth.create_authorization_url(
                metadata.authorization_endpoint, state=state, code_verifier=verifier, nonce=nonce
            )
        return AuthorizationRequest(url, state, nonce, verifier, redirect_uri)

    def check_callback(self, metadata: ProviderMetadata, params: Mapping[str, str]) -> str:
        """The authorization code of a callback from this provider (RFC 9207 `iss` checked first)."""
        iss = params.get("iss")
        if iss is not None and iss != metadata.issuer:
            raise CallbackRefused("this answer comes from another identity provider than the one asked")
        if iss is None and metadata.iss_parameter_supported:
            raise CallbackRefused("the identity provider's answer does not say who sent it (iss)")
        if "error" in params:
            raise CallbackRefused(f"the identity provider refused the sign-in ({params['error']})")
        code = params.get("code")
        if not code:
            raise CallbackRefused("the identity provider's answer has no authorization code")
        return code

    async def finish(
        self, params: Mapping[str, str], request: AuthorizationRequest, now: datetime | None = None
    ) -> Identity:
        """Exchange the callback's code (PKCE) and verify the ID token; ask userinfo if claims lack."""
        metadata = await self.metadata()
        code = self.check_callback(metadata, params)
        async with self._oauth(request.redirect_uri) as oauth:
            try:
                token = await oauth.fetch_token(
                    metadata.token_endpoint,
                    grant_type="authorization_code",
                    code=code,
                    code_verifier=request.code_verifier,
                    redirect_uri=request.redirect_uri,
                )
            except _refusal() as exc:
                raise CallbackRefused(
                    f"the identity provider did not accept the authorization code ({exc.error})"
                ) from exc
            except (_http_failure(), ValueError) as exc:
                raise ProviderUnavailable("the identity provider's token endpoint did not answer") from exc
        id_token = token.get("id_token")
        if not isinstance(id_token, str):
            raise IdTokenRefused("the identity provider sent no ID token")
        claims = await self._verified(id_token, metadata, request.nonce, now or utcnow())
        if (not claims.get("email") or not claims.get("name")) and metadata.userinfo_endpoint:
            claims = {**await self._userinfo(metadata.userinfo_endpoint, token, claims["sub"]), **claims}
        return Identity(
            issuer=claims["iss"],
            subject=claims["sub"],
            email=claims.get("email") or None,
            email_verified=claims.get("email_verified") is True,
            name=claims.get("name") or None,
            claims=claims,
        )

    async def _verified(
        self, id_token: str, metadata: ProviderMetadata, nonce: str, now: datetime
    ) -> dict[str, Any]:
        def verify(keys: KeySet) -> dict[str, Any]:
            return verify_id_token(
                id_token,
                keys,
                issuer=metadata.issuer,
                client_id=self.config.client_id,
                nonce=nonce,
                algorithms=metadata.algorithms,
                now=now,
            )

        try:
            return verify(await self._key_set())
        except InvalidKeyIdError:
            # The provider may have rotated its keys since we fetched them: fetch once more.
            try:
                return verify(await self._key_set(refresh=True))
            except InvalidKeyIdError as exc:
                raise IdTokenRefused("the ID token is signed by a key the provider does not publish") from exc

    async def _userinfo(self, endpoint: str, token: Mapping[str, Any], subject: str) -> dict[str, Any]:
        info = await self._get_json(endpoint, headers={"Authorization": f"Bearer {token['access_token']}"})
        if not isinstance(info, dict):
            raise ProviderUnavailable("the identity provider's userinfo is not a JSON object")
        # OpenID Connect Core 5.3.2: a userinfo answer about someone else must not be used.
        if info.get("sub") != subject:
            raise IdTokenRefused("the identity provider's userinfo is about another subject")
        return {k: v for k, v in info.items() if k in ("email", "email_verified", "name")}
