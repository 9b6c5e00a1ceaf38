"""Settings: every CONSENSO_* variable checked at start-up, one clear line for a bad value, and the README's
table listing exactly the variables there are."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import pytest

from auth.access_tokens import TokenSettings
from auth.identity import FirstAdmin
from server.settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parents[2]
NAME = re.compile(r"CONSENSO_[A-Z][A-Z0-9_]*[A-Z0-9]")
# What ships and what runs it; tests/ has harness-only names of its own (CONSENSO_TEST_POSTGRES_URL, …).
CODE = ("server", "auth", "drafting", "bench", "Makefile")
ISSUER = "https://login.sre.example"
PROVIDERS = json.dumps(
    [
        {
            "name": "sre",
            "discovery_url": f"{ISSUER}/.well-known/openid-configuration",
            "client_id": "consenso",
            "client_secret": "s3cr3t",
        }
    ]
)


class Recording(dict[str, str]):
    """An environment that remembers every name asked for."""

    def __init__(self, values: Mapping[str, str] | None = None) -> None:
        super().__init__(values or {})
        self.asked: set[str] = set()

    def get(self, key: str, default: object = None) -> str | None:  # type: ignore[override]
        self.asked.add(key)
        return super().get(key, default)  # type: ignore[arg-type]


def names_in_code() -> set[str]:
    found: set[str] = set()
    for place in CODE:
        path = ROOT / place
        files = [path] if path.is_file() else [p for p in path.rglob("*") if p.suffix in (".py", ".md")]
        for file in files:
            found |= set(NAME.findall(file.read_text(encoding="utf-8")))
    return found


def _table_names(heading: str) -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split(heading, 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    return {
        match for line in section.splitlines() if line.startswith("| `") for match in NAME.findall(line[:60])
    }


def names_in_readme_table() -> set[str]:
    return _table_names("## Settings (environment)")


def names_of_the_tools() -> set[str]:
    """Variables of the test and benchmark tools, which the service itself never reads."""
    return _table_names("### The tools' own variables")


def test_the_readme_table_lists_every_variable_the_code_names_and_no_other() -> None:
    in_code, in_table = names_in_code(), names_in_readme_table() | names_of_the_tools()
    assert not names_in_readme_table() & names_of_the_tools(), "a variable is both a setting and a tool's"
    assert in_code - in_table == set(), "named in the code, missing from the README's settings table"
    assert in_table - in_code == set(), "in the README's settings table, named nowhere in the code"


def test_settings_read_exactly_the_variables_of_the_table() -> None:
    env = Recording()
    Settings.from_env(env)
    assert env.asked == names_in_readme_table()


def test_unset_variables_take_the_defaults_of_the_table() -> None:
    settings = Settings.from_env({}, port=8123)
    assert settings.allowed_origins == {"http://127.0.0.1:8123", "http://localhost:8123"}
    assert (settings.max_message_bytes, settings.max_body_bytes) == (1024 * 1024, 1024 * 1024)
    assert settings.tokens == TokenSettings("urn:consenso", timedelta(seconds=300))
    assert settings.credential_check_seconds == 5.0
    assert settings.guard and not settings.production and not settings.demo
    assert settings.oidc_providers == {} and settings.first_admin is None


def test_good_values_are_read() -> None:
    settings = Settings.from_env(
        {
            "CONSENSO_DATABASE_URL": "postgresql+psycopg://consenso@db/consenso",
            "CONSENSO_SQLITE_SYNCHRONOUS": "normal",
            "CONSENSO_ALLOWED_ORIGINS": "https://consenso.rcm.example/, https://other.example:8443",
            "CONSENSO_PUBLIC_URL": "https://consenso.rcm.example/",
            "CONSENSO_MAX_BODY_BYTES": "2048",
            "CONSENSO_CREDENTIAL_CHECK_SECONDS": "0.5",
            "CONSENSO_PRODUCTION": "1",
            "CONSENSO_REDIS_URL": "redis://cache:6379/0",
            "CONSENSO_INSTANCE_ID": "consenso-2",
            "CONSENSO_LEASE_SECONDS": "4.5",
            "CONSENSO_OIDC_PROVIDERS": PROVIDERS,
            "CONSENSO_FIRST_ADMIN": f"{ISSUER} 4711",
            "CONSENSO_TOKEN_ISSUER": "https://consenso.rcm.example",
            "CONSENSO_ACCESS_TOKEN_SECONDS": "60",
        }
    )
    assert settings.sqlite_synchronous == "NORMAL"
    assert settings.allowed_origins == {"https://consenso.rcm.example", "https://other.example:8443"}
    assert settings.public_url == "https://consenso.rcm.example"
    assert (settings.max_body_bytes, settings.credential_check_seconds) == (2048, 0.5)
    assert settings.production and settings.secure_cookies
    assert list(settings.oidc_providers) == ["sre"]
    assert settings.first_admin == FirstAdmin(ISSUER, "4711")
    assert settings.tokens.audience == "https://consenso.rcm.example/api"
    assert settings.tokens.ttl == timedelta(seconds=60)
    assert (settings.instance_id, settings.lease_seconds, settings.redis_prefix) == (
        "consenso-2",
        4.5,
        "consenso",
    )


def test_several_instances_need_redis_and_postgresql() -> None:
    with pytest.raises(SettingsError, match="CONSENSO_INSTANCE_ID needs CONSENSO_REDIS_URL"):
        Settings.from_env({"CONSENSO_INSTANCE_ID": "a", "CONSENSO_REDIS_URL": "redis://cache:6379/0"})
    with pytest.raises(SettingsError, match="CONSENSO_INSTANCE_ID needs CONSENSO_REDIS_URL"):
        Settings.from_env({"CONSENSO_INSTANCE_ID": "a", "CONSENSO_DATABASE_URL": "postgresql+psycopg://db/c"})


BAD = [
    ("CONSENSO_DATABASE_URL", "consenso.db", "SQLAlchemy URL"),
    ("CONSENSO_DATABASE_URL", "mysql://db/consenso", "sqlite:// or postgresql"),
    ("CONSENSO_SQLITE_SYNCHRONOUS", "sometimes", "OFF, NORMAL, FULL, EXTRA"),
    ("CONSENSO_PRODUCTION", "maybe", "1 or 0"),
    ("CONSENSO_ALLOWED_ORIGINS", "https://consenso.example/app", "http(s)://host[:port]"),
    ("CONSENSO_ALLOWED_ORIGINS", "consenso.example", "http(s)://host[:port]"),
    ("CONSENSO_ALLOWED_ORIGINS", "https://consenso.example:port", "not a URL"),
    ("CONSENSO_PUBLIC_URL", "consenso.example", "http(s) URL"),
    ("CONSENSO_MAX_MESSAGE_BYTES", "1MB", "whole number"),
    ("CONSENSO_MAX_BODY_BYTES", "0", "whole number from 1"),
    ("CONSENSO_SEND_QUEUE_MESSAGES", "-1", "whole number from 1"),
    ("CONSENSO_KEEPALIVE_SECONDS", "1.5", "whole number"),
    ("CONSENSO_ROOM_IDLE_SECONDS", "ten", "whole number"),
    ("CONSENSO_CHECKPOINT_EVERY", "0", "whole number"),
    ("CONSENSO_CREDENTIAL_CHECK_SECONDS", "nan", "number of seconds"),
    ("CONSENSO_CREDENTIAL_CHECK_SECONDS", "0", "number of seconds"),
    ("CONSENSO_DEMO", "2", "1 or 0"),
    ("CONSENSO_SILENCE_HOURS", "99999999999999", "whole number from 1 to 8784"),
    ("CONSENSO_LANGUAGES", "es,English", "lowercase codes separated by commas"),
    ("CONSENSO_REDIS_URL", "cache:6379", "redis://"),
    ("CONSENSO_INSTANCE_ID", "a b", "letters, digits"),
    ("CONSENSO_REDIS_PREFIX", "x" * 101, "up to 100"),
    ("CONSENSO_LEASE_SECONDS", "0", "number of seconds"),
    ("CONSENSO_OIDC_PROVIDERS", "{not json", "JSON"),
    ("CONSENSO_OIDC_PROVIDERS", PROVIDERS.replace('"consenso"', "7"), "must be strings"),
    ("CONSENSO_FIRST_ADMIN", ISSUER, "issuer URL, one space, and the subject"),
    ("CONSENSO_TOKEN_ISSUER", "consenso", "urn: or an http(s) URL"),
    ("CONSENSO_ACCESS_TOKEN_SECONDS", "86401", "whole number from 1 to 86400"),
    ("CONSENSO_BENCHMARK_WITHOUT_GUARD", "off please", "1 or 0"),
    ("CONSENSO_SEND_QUEUE_BYTES", "4MB", "whole number"),
    ("CONSENSO_SYNC_MESSAGES_PER_SECOND", "0", "whole number from 1"),
    ("CONSENSO_SYNC_BYTES_PER_SECOND", "-5", "whole number from 1"),
    ("CONSENSO_PRESENCE_STATE_BYTES", "99999999999", "whole number from 1"),
    ("CONSENSO_PRESENCE_CLIENTS_PER_CONNECTION", "65", "whole number from 1 to 64"),
    ("CONSENSO_PRESENCE_INTERVAL_MS", "fast", "whole number"),
    ("CONSENSO_MAX_PARAGRAPH_CHARS", "0", "whole number from 1"),
    ("CONSENSO_MAX_PARAGRAPHS", "1e3", "whole number"),
    ("CONSENSO_MAX_FORMATTING_CHARS", "-1", "whole number from 1"),
]


@pytest.mark.parametrize(("name", "value", "expected"), BAD, ids=[f"{n}={v[:20]}" for n, v, _ in BAD])
def test_a_bad_value_is_refused_in_one_line_naming_the_variable(name: str, value: str, expected: str) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env({name: value})
    message = str(refused.value)
    assert message.startswith(f"{name}: ") and expected in message
    assert "\n" not in message and "s3cr3t" not in message


def test_every_variable_of_the_table_has_a_bad_value_tried() -> None:
    assert {name for name, _, _ in BAD} == names_in_readme_table()


@pytest.mark.parametrize(
    ("env", "names"),
    [
        ({"CONSENSO_PRODUCTION": "1", "CONSENSO_DEMO": "1"}, ("CONSENSO_DEMO", "CONSENSO_PRODUCTION")),
        (
            {"CONSENSO_PRODUCTION": "1", "CONSENSO_BENCHMARK_WITHOUT_GUARD": "1"},
            ("CONSENSO_BENCHMARK_WITHOUT_GUARD", "CONSENSO_PRODUCTION"),
        ),
        (
            {"CONSENSO_OIDC_PROVIDERS": PROVIDERS, "CONSENSO_FIRST_ADMIN": "https://elsewhere.example 1"},
            ("CONSENSO_FIRST_ADMIN", "CONSENSO_OIDC_PROVIDERS"),
        ),
    ],
)
def test_settings_that_cannot_go_together_are_refused(env: dict[str, str], names: tuple[str, ...]) -> None:
    with pytest.raises(SettingsError) as refused:
        Settings.from_env(env)
    assert all(name in str(refused.value) for name in names)


def test_the_guard_cannot_be_switched_off_in_production_however_settings_are_made() -> None:
    with pytest.raises(SettingsError, match="CONSENSO_BENCHMARK_WITHOUT_GUARD"):
        Settings(production=True, guard=False)
    assert not Settings(guard=False).guard  # outside production the benchmark may measure it


def serve(tmp_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`consenso serve` with `env`; a server that starts instead of refusing fails the test."""
    command = [sys.executable, "-m", "server", "serve", "--port", "0"]
    full_env = {"PATH": "/usr/bin:/bin", "CONSENSO_DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}", **env}
    try:
        return subprocess.run(command, env=full_env, cwd=ROOT, capture_output=True, text=True, timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"consenso serve started with {env} instead of refusing to")


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        (
            {"CONSENSO_PRODUCTION": "1", "CONSENSO_BENCHMARK_WITHOUT_GUARD": "1"},
            "CONSENSO_BENCHMARK_WITHOUT_GUARD",
        ),
        ({"CONSENSO_FIRST_ADMIN": "admin@sem.rcm"}, "CONSENSO_FIRST_ADMIN"),
        ({"CONSENSO_ACCESS_TOKEN_SECONDS": "five minutes"}, "CONSENSO_ACCESS_TOKEN_SECONDS"),
    ],
)
def test_serve_refuses_to_start_with_one_line(tmp_path: Path, env: dict[str, str], variable: str) -> None:
    done = serve(tmp_path, env)
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith(f"consenso: {variable}")
