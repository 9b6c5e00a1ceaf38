from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from auth.keys import SIGN_FOR, VERIFY_AFTER_RETIREMENT, public_jwks, signing_key, verification_key

START = datetime(2015, 11, 11, 9, 0, tzinfo=UTC)


def test_the_first_worker_makes_a_key_and_every_worker_then_shares_it(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        first = signing_key(session, START)
    with Session(engine) as session, session.begin():
        again = signing_key(session, START + timedelta(hours=1))
    assert first.kid and first.kid == again.kid
    assert first.as_dict(private=True)["d"] == again.as_dict(private=True)["d"]


def test_the_published_set_holds_public_halves_only(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        key = signing_key(session, START)
        published = public_jwks(session, START)
    assert published["keys"] == [key.as_dict(private=False)]
    assert "d" not in published["keys"][0]
    assert published["keys"][0] | {} == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": key.as_dict()["x"],
        "kid": key.kid,
        "alg": "Ed25519",
        "use": "sig",
    }


def test_a_retired_key_verifies_for_a_while_then_is_dropped(engine: Engine) -> None:
    with Session(engine) as session, session.begin():
        old = signing_key(session, START)
        retired = START + SIGN_FOR + timedelta(seconds=1)
        new = signing_key(session, retired)
        assert new.kid != old.kid
        assert verification_key(session, str(old.kid), retired) is not None
        assert {k["kid"] for k in public_jwks(session, retired)["keys"]} == {old.kid, new.kid}
        gone = START + SIGN_FOR + VERIFY_AFTER_RETIREMENT + timedelta(seconds=1)
        assert verification_key(session, str(old.kid), gone) is None
        assert {k["kid"] for k in public_jwks(session, gone)["keys"]} == {new.kid}
        assert verification_key(session, "no-such-kid", retired) is None
