from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from auth.identity import FirstAdmin
from auth.oidc import (
    IdTokenRefused,
    OidcConfigError,
    ProviderMetadata,
    ProviderUnavailable,
    parse_providers,
    verify_id_token,
)

NOW = datetime(2015, 11, 11, 9, 0, tzinfo=UTC)
ISSUER = "https://login.sre.example"
KEY = RSAKey.generate_key(2048, parameters={"kid": "r1"})
GOOD = {"iss": ISSUER, "sub": "s1", "aud": "consenso", "iat": int(NOW.timestamp()), "nonce": "n1"}
GOOD |= {"exp": int(NOW.timestamp()) + 300}


def verify(claims: dict[str, object], key: RSAKey = KEY) -> dict[str, object]:
    token = jwt.encode({"alg": "RS256", "kid": "r1"}, {k: v for k, v in claims.items() if v is not None}, key)
    return verify_id_token(
        token, KeySet([KEY]), issuer=ISSUER, client_id="consenso", nonce="n1",
        algorithms=frozenset({"RS256"}), now=NOW,
    )  # fmt: skip


def test_a_good_id_token_is_accepted() -> None:
    assert verify(GOOD)["sub"] == "s1"


@pytest.mark.parametrize(
    "change",
    [{"exp": int(NOW.timestamp()) - 120}, {"aud": "other"}, {"iss": "https://evil"}, {"nonce": "n2"},
     {"nonce": None}, {"sub": None}, {"iat": None}, {"aud": ["consenso", "other"]}],
)  # fmt: skip
def test_a_wrong_id_token_is_refused(change: dict[str, object]) -> None:
    with pytest.raises(IdTokenRefused):
        verify(GOOD | change)


def test_another_key_is_refused() -> None:
    with pytest.raises(IdTokenRefused):
        verify(GOOD, RSAKey.generate_key(2048, parameters={"kid": "r1"}))


def test_providers_come_from_json() -> None:
    entry = {"name": "mre-mx", "discovery_url": f"{ISSUER}/.well-known/openid-configuration"}
    entry |= {"client_id": "c", "client_secret": "s", "prefill_roles": True}
    providers = parse_providers(json.dumps([entry]))
    assert providers["mre-mx"].prefill_roles and not providers["mre-mx"].link_by_email
    assert providers["mre-mx"].issuer == ISSUER
    assert "client_secret" not in repr(providers["mre-mx"])
    assert parse_providers("") == {}


GOOD_PROVIDER = {"name": "x", "discovery_url": f"{ISSUER}/.well-known/openid-configuration"}
GOOD_PROVIDER |= {"client_id": "c", "client_secret": "s3cr3t"}


@pytest.mark.parametrize(
    "raw",
    ["not json", "{}", "[1]", '[{"name": "x"}]',
     json.dumps([GOOD_PROVIDER | {"colour": "red"}]),
     json.dumps([GOOD_PROVIDER | {"discovery_url": ISSUER}]),
     json.dumps([GOOD_PROVIDER | {"discovery_url": "ftp://x/.well-known/openid-configuration"}]),
     json.dumps([GOOD_PROVIDER | {"link_by_email": "yes"}]),
     json.dumps([GOOD_PROVIDER | {"client_id": 7}]),
     json.dumps([GOOD_PROVIDER | {"name": "a b"}]),
     json.dumps([GOOD_PROVIDER, GOOD_PROVIDER])],
)  # fmt: skip
def test_bad_provider_settings_are_refused_without_quoting_the_secret(raw: str) -> None:
    with pytest.raises(OidcConfigError) as refused:
        parse_providers(raw)
    assert "s3cr3t" not in str(refused.value)


def test_discovery_must_name_its_own_issuer() -> None:
    document = {"issuer": "https://evil.example", "authorization_endpoint": "a", "token_endpoint": "t"}
    document |= {"jwks_uri": "j"}
    with pytest.raises(ProviderUnavailable):
        ProviderMetadata.parse(document, f"{ISSUER}/.well-known/openid-configuration")
    symmetric = document | {"issuer": ISSUER, "id_token_signing_alg_values_supported": ["HS256"]}
    with pytest.raises(ProviderUnavailable):
        ProviderMetadata.parse(symmetric, f"{ISSUER}/.well-known/openid-configuration")


def test_the_first_admin_is_issuer_and_subject() -> None:
    assert FirstAdmin.parse(f" {ISSUER} 1234 ") == FirstAdmin(ISSUER, "1234")
    assert FirstAdmin.parse("") is None
    for wrong in (ISSUER, "1234", f"{ISSUER} 12 34", "login.sre.example 1234"):
        with pytest.raises(ValueError):
            FirstAdmin.parse(wrong)
