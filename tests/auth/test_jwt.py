"""Access tokens: every claim that matters is checked, and only our own published keys verify."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from joserfc import jwt
from joserfc.jwk import OKPKey, RSAKey
from joserfc.jws import JWSRegistry
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from auth.access_tokens import (
    InvalidAccessToken,
    MalformedAccessToken,
    TokenSettings,
    decode_access_token,
    encode_access_token,
    mint_access_token,
    principal_for_access_token,
    read_access_token,
)
from auth.credentials import create_script_token, open_session, revoke_script_token, session_row
from auth.endings import CredentialKind
from auth.keys import signing_key
from drafting.catalogue import add_user
from drafting.kinds import Role
from drafting.models import User

NOW = datetime.now(UTC).replace(microsecond=0)
SETTINGS = TokenSettings(issuer="https://consenso.example", ttl=timedelta(minutes=5))
KEY = OKPKey.generate_key("Ed25519", parameters={"kid": "k1", "alg": "Ed25519"})


def keys(kid: str) -> OKPKey | None:
    return KEY if kid == "k1" else None


def token(now: datetime = NOW, settings: TokenSettings = SETTINGS, key: OKPKey = KEY) -> str:
    return encode_access_token(
        key, user_id=7, minter=CredentialKind.SCRIPT_TOKEN, minter_id=3, settings=settings, now=now
    )


def forged(claims: dict[str, Any], header: dict[str, Any] | None = None, key: Any = KEY) -> str:
    base = {
        "iss": SETTINGS.issuer,
        "aud": SETTINGS.audience,
        "sub": "7",
        "iat": int(NOW.timestamp()),
        "nbf": int(NOW.timestamp()),
        "exp": int(NOW.timestamp()) + 300,
        "jti": "a" * 22,
        "cred": "tok:3",
    }
    signed_claims = {k: v for k, v in (base | claims).items() if v is not None}
    header = header or {"alg": "Ed25519", "kid": "k1"}
    return jwt.encode(header, signed_claims, key, registry=JWSRegistry(algorithms=[header["alg"]]))


def test_a_token_we_minted_reads_back() -> None:
    claims = decode_access_token(token(), keys, SETTINGS, NOW + timedelta(minutes=1))
    assert (claims.user_id, claims.minter, claims.minter_id) == (7, CredentialKind.SCRIPT_TOKEN, 3)
    assert len(claims.jti) >= 16
    assert claims.expires_at == NOW + timedelta(minutes=5)


def test_the_header_names_the_key_and_the_algorithm() -> None:
    header = json.loads(base64.urlsafe_b64decode(token().split(".")[0] + "=="))
    assert header == {"typ": "JWT", "alg": "Ed25519", "kid": "k1"}


def test_two_tokens_never_share_a_jti() -> None:
    first = decode_access_token(token(), keys, SETTINGS, NOW)
    second = decode_access_token(token(), keys, SETTINGS, NOW)
    assert first.jti != second.jti


@pytest.mark.parametrize(
    ("claims", "claim"),
    [
        ({"exp": int(NOW.timestamp()) - 60}, "exp"),
        ({"nbf": int(NOW.timestamp()) + 600}, "nbf"),
        ({"iat": int(NOW.timestamp()) + 600}, "iat"),
        ({"aud": "https://elsewhere.example/api"}, "aud"),
        ({"iss": "https://elsewhere.example"}, "iss"),
        ({"jti": None}, "jti"),
        ({"jti": "short"}, "jti"),
        ({"exp": None}, "exp"),
        ({"nbf": None}, "nbf"),
        ({"aud": None}, "aud"),
        ({"cred": "xyz:1"}, "cred"),
        ({"exp": int(NOW.timestamp()) + 86400}, "exp"),
    ],
    ids=lambda value: str(value) if isinstance(value, str) else None,
)
def test_a_wrong_claim_is_refused(claims: dict[str, Any], claim: str) -> None:
    with pytest.raises(InvalidAccessToken) as refused:
        decode_access_token(forged(claims), keys, SETTINGS, NOW)
    assert claim in refused.value.claim


def test_an_expired_token_is_refused_after_the_leeway() -> None:
    decode_access_token(token(), keys, SETTINGS, NOW + timedelta(minutes=5, seconds=10))
    with pytest.raises(InvalidAccessToken, match="expired"):
        decode_access_token(token(), keys, SETTINGS, NOW + timedelta(minutes=6))


def test_a_token_signed_by_an_unknown_key_is_refused() -> None:
    stranger = OKPKey.generate_key("Ed25519", parameters={"kid": "k1"})
    with pytest.raises(MalformedAccessToken):
        decode_access_token(token(key=stranger), keys, SETTINGS, NOW)
    unknown_kid = OKPKey.generate_key("Ed25519", parameters={"kid": "k9"})
    with pytest.raises(MalformedAccessToken, match="kid"):
        decode_access_token(token(key=unknown_kid), keys, SETTINGS, NOW)


def test_a_token_without_a_kid_is_refused() -> None:
    with pytest.raises(MalformedAccessToken):
        decode_access_token(forged({}, header={"alg": "Ed25519"}), keys, SETTINGS, NOW)


def test_other_algorithms_are_refused_before_any_key_is_tried() -> None:
    rsa = RSAKey.generate_key(2048, parameters={"kid": "k1"})
    with pytest.raises(MalformedAccessToken):
        decode_access_token(forged({}, header={"alg": "RS256", "kid": "k1"}, key=rsa), keys, SETTINGS, NOW)
    unsigned = token().rsplit(".", 1)[0].replace(token().split(".")[0], _b64({"alg": "none", "kid": "k1"}))
    with pytest.raises(MalformedAccessToken):
        decode_access_token(unsigned + ".", keys, SETTINGS, NOW)


def test_a_tampered_payload_is_refused() -> None:
    header, _, signature = token().split(".")
    payload = _b64(
        {"iss": SETTINGS.issuer, "aud": SETTINGS.audience, "sub": "1", "jti": "b" * 22, "cred": "tok:3"}
        | {"iat": int(NOW.timestamp()), "nbf": int(NOW.timestamp()), "exp": int(NOW.timestamp()) + 60}
    )
    with pytest.raises(MalformedAccessToken):
        decode_access_token(f"{header}.{payload}.{signature}", keys, SETTINGS, NOW)


@pytest.mark.parametrize("garbage", ["", "eyJ", "eyJa.b.c", "a.b.c", "cst_nothing"])
def test_garbage_is_refused(garbage: str) -> None:
    with pytest.raises(MalformedAccessToken):
        decode_access_token(garbage, keys, SETTINGS, NOW)


def _b64(value: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


@pytest.fixture
def user(engine: Engine) -> int:
    with Session(engine) as session, session.begin():
        return add_user(session, "secretaria@sem.rcm", "Secretaría Técnica", Role.SECRETARIAT).id


def test_a_stored_key_signs_and_the_minting_credential_must_live(engine: Engine, user: int) -> None:
    with Session(engine) as session, session.begin():
        owner = session.get(User, user)
        assert owner is not None
        script = create_script_token(session, owner)
        row_id = session_row_id_of_script(session, script)
        access = mint_access_token(session, user, CredentialKind.SCRIPT_TOKEN, row_id, SETTINGS)
        assert read_access_token(session, access, SETTINGS).user_id == user
        principal = principal_for_access_token(session, access, SETTINGS)
        assert principal is not None and principal.user_id == user
        header = json.loads(base64.urlsafe_b64decode(access.split(".")[0] + "=="))
        assert header["kid"] == signing_key(session).kid
        revoke_script_token(session, row_id)
        with pytest.raises(InvalidAccessToken, match="revoked"):
            read_access_token(session, access, SETTINGS)
        assert principal_for_access_token(session, access, SETTINGS) is None


def test_a_token_naming_someone_elses_credential_is_refused(engine: Engine, user: int) -> None:
    with Session(engine) as session, session.begin():
        other = add_user(session, "otro@sem.rcm", "Otro", Role.SECRETARIAT)
        secret = open_session(session, other)
        other_session = session_row(session, secret)
        assert other_session is not None
        access = mint_access_token(session, user, CredentialKind.SESSION, other_session.id, SETTINGS)
        with pytest.raises(InvalidAccessToken, match="revoked"):
            read_access_token(session, access, SETTINGS)


def test_a_deactivated_user_s_token_lets_nobody_in(engine: Engine, user: int) -> None:
    with Session(engine) as session, session.begin():
        owner = session.get(User, user)
        assert owner is not None
        secret = open_session(session, owner)
        row = session_row(session, secret)
        assert row is not None
        access = mint_access_token(session, user, CredentialKind.SESSION, row.id, SETTINGS)
        owner.active = False
        session.flush()
        assert principal_for_access_token(session, access, SETTINGS) is None


def session_row_id_of_script(session: Session, script: str) -> int:
    from auth.credentials import script_token_row

    row = script_token_row(session, script)
    assert row is not None
    return row.id
