"""schemathesis against /api/openapi.json on a real server, as every role and as a browser session with its
form token: no 5xx, every answer conforms to its documented status codes, content type and schema, and
nothing a role may not do succeeds. A modest, derandomized number of examples here; `make fuzz` runs more
(CONSENSO_FUZZ_EXAMPLES, random)."""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from auth.credentials import create_script_token, open_session
from auth.policy import Action, authorize
from auth.principal import Principal
from drafting.catalogue import user_by_email
from drafting.database import make_engine
from server.api.openapi import document
from server.app import create_app
from server.scopes import document_scope, negotiation_scope_by_id
from server.security.csrf import HEADER, token_for_session
from server.settings import Settings
from server.signin.identify import SESSION_COOKIE
from tests.support.server import LiveServer

EXAMPLES = int(os.environ.get("CONSENSO_FUZZ_EXAMPLES", "6"))
RANDOM = os.environ.get("CONSENSO_FUZZ_RANDOM") == "1"
ROLES = {
    "delegate": "delegate.gtm@demo.consenso",
    "head": "head.mex@demo.consenso",
    "ppt": "ppt@demo.consenso",
    "secretariat": "secretariat@demo.consenso",
    "observer": "observer.iom@demo.consenso",
    "admin": "admin@demo.consenso",
    "cookie session": "delegate.mex@demo.consenso",
}
ANSWERS: dict[str, Counter[int]] = defaultdict(Counter)  # role → answers by class (2 for 2xx …)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]

schema = schemathesis.openapi.from_dict(
    document(create_app(Settings(demo=True, database_url="sqlite://")).routes)
)
# `make test` generates examples and fuzzes; `make fuzz` adds the coverage phase's boundary cases.
schema.config.phases.update(phases=["examples", "fuzzing"] + (["coverage"] if RANDOM else []))


@dataclass
class Target:
    server: LiveServer
    engine: Engine


@pytest.fixture(scope="module")
def target(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    workdir: Path = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{workdir / 'consenso.db'}"
    server = LiveServer(url, workdir)
    server.cli("db", "upgrade")
    server.cli("demo")
    server.start()
    engine = make_engine(url)
    try:
        yield Target(server, engine)
    finally:
        server.stop()
        engine.dispose()


def credentials(target: Target, role: str) -> tuple[dict[str, str], Principal]:
    """Fresh credentials for `role` (a fuzzed request may have revoked the last ones)."""
    with Session(target.engine) as session, session.begin():
        user = user_by_email(session, ROLES[role])
        principal = Principal.of(user)
        if role != "cookie session":
            return {"Authorization": f"Bearer {create_script_token(session, user)}"}, principal
        secret = open_session(session, user, signed_in_via="demo")
    headers = {
        "Cookie": f"{SESSION_COOKIE}={secret}",
        HEADER: token_for_session(secret),
        "Origin": target.server.url,
    }
    return headers, principal


def may(target: Target, principal: Principal, case: Any) -> bool:
    action = case.operation.definition.raw.get("x-policy-action")
    if action is None:
        return True
    parameters = case.path_parameters or {}
    with Session(target.engine) as session:
        if "document_id" in parameters:
            scope = document_scope(session, int(parameters["document_id"]))
        elif "negotiation_id" in parameters:
            scope = negotiation_scope_by_id(session, int(parameters["negotiation_id"]))
        else:
            scope = None
    return bool(authorize(principal, Action(action), scope))


@pytest.mark.parametrize("role", ROLES)
@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    derandomize=not RANDOM,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_as_every_role(target: Target, role: str, case: Any) -> None:
    headers, principal = credentials(target, role)
    response = case.call(base_url=target.server.url, headers=headers, timeout=30)
    ANSWERS[role][response.status_code // 100] += 1
    case.validate_response(response, checks=CHECKS)
    if 200 <= response.status_code < 300:
        assert may(target, principal, case), (
            f"{role} got {response.status_code} on {case.method} {case.formatted_path}: the policy refuses it"
        )


def test_the_fuzz_got_past_the_door_for_every_role() -> None:
    # Runs after the fuzz above: a fuzz refused at sign-in or validation for everything would prove nothing.
    assert set(ANSWERS) == set(ROLES), f"roles never fuzzed: {set(ROLES) - set(ANSWERS)}"
    for role, answers in ANSWERS.items():
        assert answers[2] >= 10, f"{role} got only {answers[2]} successful answers: {dict(answers)}"
        assert answers[4] > 0, f"{role} was never refused: {dict(answers)}"
