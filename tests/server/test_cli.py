"""The admin tool: prints only what scripts need, and one clear line on error."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from auth.credentials import principal_for_token
from drafting.database import make_engine
from drafting.layout import read_paragraphs
from drafting.store import Store
from server.cli import main
from tests.support.drafts import docx_bytes


@pytest.fixture
def database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("CONSENSO_DATABASE_URL", url)
    assert main(["db", "upgrade"]) == 0
    return url


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_demo_is_idempotent_and_its_users_get_tokens(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["demo"], capsys)[0] == 0
    assert run(["demo"], capsys)[0] == 0
    code, out, err = run(["token", "create", "head.mex@demo.consenso", "--ttl", "600"], capsys)
    assert (code, err) == (0, "")
    token = out.strip()
    assert "\n" not in token and token.startswith("cst_")
    engine = make_engine(database)
    with Session(engine) as session:
        principal = principal_for_token(session, token)
    assert principal is not None and principal.delegation_code == "MEX"


def test_a_whole_negotiation_from_the_command_line(
    database: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(["delegation", "add", "MEX", "México"], capsys)[0] == 0
    assert run(["delegation", "add", "CRI", "Costa Rica"], capsys)[0] == 0
    assert run(["delegation", "add", "ARG", "Argentina", "--observer"], capsys)[0] == 0
    code, out, _ = run(["negotiation", "create", "--title", "XXI Reunión", "--chair", "MEX"], capsys)
    assert code == 0 and out.strip().isdigit()
    negotiation = out.strip()
    source = tmp_path / "borrador.txt"
    source.write_text("Considerando la migración segura 🌎;\n\nAcuerdan fortalecer la cooperación.\n")
    code, out, _ = run(
        [
            "document",
            "create",
            "--negotiation",
            negotiation,
            "--kind",
            "declaration",
            "--title",
            "Declaración",
            "--from",
            str(source),
        ],
        capsys,
    )
    assert code == 0 and out.strip().isdigit()
    paragraphs = read_paragraphs(Store(make_engine(database)).load(int(out)).to_doc())
    assert [(p.label, p.text) for p in paragraphs] == [
        ("PP1", "Considerando la migración segura 🌎;"),
        ("OP1", "Acuerdan fortalecer la cooperación."),
    ]
    code, _, _ = run(
        ["user", "add", "ana@cri.example", "--name", "Ana", "--role", "head", "--delegation", "CRI"], capsys
    )
    assert code == 0
    word = tmp_path / "plan.docx"
    word.write_bytes(
        docx_bytes(("Heading 1", "Gobernanza"), ("Normal", "Encargan a la Secretaría un informe."))
    )
    create = [
        "document",
        "create",
        "--negotiation",
        negotiation,
        "--kind",
        "plan_of_action",
        "--title",
        "Plan",
    ]
    code, out, _ = run([*create, "--from", str(word)], capsys)
    assert code == 0
    paragraphs = read_paragraphs(Store(make_engine(database)).load(int(out)).to_doc())
    assert [(p.kind.value, p.text) for p in paragraphs] == [
        ("heading", "Gobernanza"),
        ("operative", "Encargan a la Secretaría un informe."),
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["negotiation", "create", "--title", "X", "--chair", "ZZZ"], "no delegation 'ZZZ'"),
        (["user", "add", "a@b.c", "--name", "A", "--role", "delegate"], "needs a delegation"),
        (
            ["user", "add", "a@b.c", "--name", "A", "--role", "delegate", "--delegation", "ZZZ"],
            "no delegation",
        ),
        (["token", "create", "nobody@example.org"], "no user"),
        (["token", "create", "head.mex@demo.consenso", "--ttl", "0"], "--ttl"),
        (
            ["document", "create", "--negotiation", "99", "--kind", "declaration", "--title", "T"],
            "no negotiation 99",
        ),
        (
            [
                "document",
                "create",
                "--negotiation",
                "1",
                "--kind",
                "declaration",
                "--title",
                "T",
                "--from",
                "/no/such/file",
            ],
            "cannot read /no/such/file",
        ),
    ],
)
def test_errors_print_one_clear_line_and_exit_non_zero(
    database: str, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    run(["demo"], capsys)
    code, out, err = run(args, capsys)
    assert code == 1
    assert out == ""
    assert err.count("\n") == 1 and message in err


def test_a_duplicate_user_is_refused(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(["demo"], capsys)
    code, _, err = run(["user", "add", "HEAD.MEX@demo.consenso", "--name", "Otro", "--role", "admin"], capsys)
    assert code == 1 and "already exists" in err


def test_tokens_are_listed_without_secrets_and_revoked_by_id(
    database: str, capsys: pytest.CaptureFixture[str]
) -> None:
    run(["demo"], capsys)
    token = run(["token", "create", "head.gtm@demo.consenso"], capsys)[1].strip()
    code, out, _ = run(["token", "list", "head.gtm@demo.consenso"], capsys)
    assert code == 0 and token not in out and "\tlive\t" in out
    token_id = out.split("\t")[0]
    assert run(["token", "revoke", token_id], capsys)[0] == 0
    assert "\trevoked\t" in run(["token", "list", "head.gtm@demo.consenso"], capsys)[1]
    code, _, err = run(["token", "revoke", token_id], capsys)
    assert code == 1 and "no live script token" in err
    with Session(make_engine(database)) as session:
        assert principal_for_token(session, token) is None


def test_a_user_is_linked_to_one_identity(database: str, capsys: pytest.CaptureFixture[str]) -> None:
    run(["demo"], capsys)
    link = [
        "user",
        "link",
        "head.gtm@demo.consenso",
        "--issuer",
        "https://idp.minex.gob.gt",
        "--subject",
        "42",
    ]
    assert run(link, capsys)[0] == 0
    other = [
        "user",
        "link",
        "head.mex@demo.consenso",
        "--issuer",
        "https://idp.minex.gob.gt",
        "--subject",
        "42",
    ]
    code, _, err = run(other, capsys)
    assert code == 1 and "already exists" in err
