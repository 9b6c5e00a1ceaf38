"""Every CONSENSO_* environment variable, read and checked once at start-up (README, "Settings").

A bad value stops `consenso` with one line naming the variable and what it expects, before anything
listens or touches the database; nothing reads the environment after that.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeVar
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from auth.access_tokens import DEFAULT_ISSUER, DEFAULT_TTL, LONGEST_TTL, TokenSettings
from auth.identity import FirstAdmin
from auth.oidc import OidcConfigError, ProviderConfig, parse_providers
from drafting.errors import InvalidInput
from drafting.languages import parse_languages
from drafting.layout_contract import MOST_PARAGRAPH_CHARS, LayoutLimits

T = TypeVar("T")

SYNCHRONOUS_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")
MiB = 1024 * 1024


class SettingsError(Exception):
    """A CONSENSO_* variable with a value we cannot use; the message names it and what it expects."""


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///consenso.db"
    sqlite_synchronous: str = "FULL"
    allowed_origins: frozenset[str] = field(default_factory=frozenset)
    public_url: str | None = None
    max_message_bytes: int = MiB
    max_body_bytes: int = MiB
    send_queue_messages: int = 1024
    send_queue_bytes: int = 4 * 1024 * 1024
    room_idle_seconds: int = 30
    checkpoint_every: int = 500
    keepalive_seconds: int = 15
    # How often every open socket's and stream's credential is checked again in the database.
    credential_check_seconds: float = 5.0
    sync_messages_per_second: int = 200
    sync_bytes_per_second: int = 2 * 1024 * 1024
    presence_state_bytes: int = 8 * 1024
    presence_clients_per_connection: int = 4
    presence_interval_ms: int = 50
    demo: bool = False
    production: bool = False
    guard: bool = True  # off only to measure the guard's cost in the benchmark
    redis_url: str | None = None
    # Set: this process is one of several instances sharing documents through Redis (docs/decisions/0043).
    instance_id: str | None = None
    redis_prefix: str = "consenso"
    lease_seconds: float = 6.0
    silence_hours: int = 72
    tokens: TokenSettings = field(default_factory=TokenSettings)
    oidc_providers: Mapping[str, ProviderConfig] = field(default_factory=dict)
    first_admin: FirstAdmin | None = None
    layout: LayoutLimits = field(default_factory=LayoutLimits)  # what one client update may write
    languages: tuple[str, ...] = ("es", "en")  # the working languages; a new document's source is one

    def __post_init__(self) -> None:
        if self.instance_id is not None and (
            self.redis_url is None or self.database_url.startswith("sqlite")
        ):
            raise SettingsError(
                "CONSENSO_INSTANCE_ID needs CONSENSO_REDIS_URL and a PostgreSQL CONSENSO_DATABASE_URL: "
                "several instances share documents through both"
            )
        if self.production and self.demo:
            raise SettingsError(
                "CONSENSO_DEMO cannot be on with CONSENSO_PRODUCTION: demo sign-in has no password"
            )
        if self.production and not self.guard:
            raise SettingsError(
                "CONSENSO_BENCHMARK_WITHOUT_GUARD cannot be on with CONSENSO_PRODUCTION: without the "
                "guard anyone may rewrite agreed, locked text"
            )
        if self.first_admin is not None and self.oidc_providers:
            issuers = {provider.issuer for provider in self.oidc_providers.values()}
            if self.first_admin.issuer.rstrip("/") not in issuers:
                raise SettingsError(
                    f"CONSENSO_FIRST_ADMIN names the issuer {self.first_admin.issuer!r}, which is no "
                    "provider's in CONSENSO_OIDC_PROVIDERS (their discovery_url without "
                    "/.well-known/openid-configuration)"
                )

    @property
    def secure_cookies(self) -> bool:
        return self.production

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, port: int = 8000) -> Settings:
        read = _Reader(os.environ if env is None else env)
        default = cls()
        return cls(
            database_url=read("CONSENSO_DATABASE_URL", _database_url, default.database_url),
            sqlite_synchronous=read("CONSENSO_SQLITE_SYNCHRONOUS", _synchronous, default.sqlite_synchronous),
            allowed_origins=read(
                "CONSENSO_ALLOWED_ORIGINS",
                _origins,
                frozenset({f"http://127.0.0.1:{port}", f"http://localhost:{port}"}),
            ),
            public_url=read("CONSENSO_PUBLIC_URL", _public_url, None),
            max_message_bytes=read("CONSENSO_MAX_MESSAGE_BYTES", _whole(64 * MiB), default.max_message_bytes),
            max_body_bytes=read("CONSENSO_MAX_BODY_BYTES", _whole(1024 * MiB), default.max_body_bytes),
            send_queue_messages=read(
                "CONSENSO_SEND_QUEUE_MESSAGES", _whole(10**6), default.send_queue_messages
            ),
            send_queue_bytes=read("CONSENSO_SEND_QUEUE_BYTES", _whole(1024 * MiB), default.send_queue_bytes),
            room_idle_seconds=read("CONSENSO_ROOM_IDLE_SECONDS", _whole(86_400), default.room_idle_seconds),
            checkpoint_every=read("CONSENSO_CHECKPOINT_EVERY", _whole(10**6), default.checkpoint_every),
            keepalive_seconds=read("CONSENSO_KEEPALIVE_SECONDS", _whole(3600), default.keepalive_seconds),
            credential_check_seconds=read(
                "CONSENSO_CREDENTIAL_CHECK_SECONDS", _seconds(3600), default.credential_check_seconds
            ),
            sync_messages_per_second=read(
                "CONSENSO_SYNC_MESSAGES_PER_SECOND", _whole(10**7), default.sync_messages_per_second
            ),
            sync_bytes_per_second=read(
                "CONSENSO_SYNC_BYTES_PER_SECOND", _whole(1024 * MiB), default.sync_bytes_per_second
            ),
            presence_state_bytes=read(
                "CONSENSO_PRESENCE_STATE_BYTES", _whole(MiB), default.presence_state_bytes
            ),
            presence_clients_per_connection=read(
                "CONSENSO_PRESENCE_CLIENTS_PER_CONNECTION",
                _whole(64),
                default.presence_clients_per_connection,
            ),
            presence_interval_ms=read(
                "CONSENSO_PRESENCE_INTERVAL_MS", _whole(10_000), default.presence_interval_ms
            ),
            layout=LayoutLimits(
                max_paragraph_chars=read(
                    "CONSENSO_MAX_PARAGRAPH_CHARS",
                    _whole(MOST_PARAGRAPH_CHARS),
                    default.layout.max_paragraph_chars,
                ),
                max_paragraphs=read("CONSENSO_MAX_PARAGRAPHS", _whole(10**5), default.layout.max_paragraphs),
                max_formatting_chars=read(
                    "CONSENSO_MAX_FORMATTING_CHARS", _whole(10**5), default.layout.max_formatting_chars
                ),
            ),
            demo=read("CONSENSO_DEMO", _flag, False),
            production=read("CONSENSO_PRODUCTION", _flag, False),
            guard=not read("CONSENSO_BENCHMARK_WITHOUT_GUARD", _flag, False),
            redis_url=read("CONSENSO_REDIS_URL", _redis_url, None),
            instance_id=read("CONSENSO_INSTANCE_ID", _instance_id, None),
            redis_prefix=read("CONSENSO_REDIS_PREFIX", _instance_id, default.redis_prefix),
            lease_seconds=read("CONSENSO_LEASE_SECONDS", _seconds(600), default.lease_seconds),
            silence_hours=read("CONSENSO_SILENCE_HOURS", _whole(24 * 366), default.silence_hours),
            languages=read("CONSENSO_LANGUAGES", _languages, default.languages),
            tokens=TokenSettings(
                issuer=read("CONSENSO_TOKEN_ISSUER", _issuer, DEFAULT_ISSUER),
                ttl=timedelta(
                    seconds=read(
                        "CONSENSO_ACCESS_TOKEN_SECONDS",
                        _whole(int(LONGEST_TTL.total_seconds())),
                        int(DEFAULT_TTL.total_seconds()),
                    )
                ),
            ),
            oidc_providers=read("CONSENSO_OIDC_PROVIDERS", _providers, {}),
            first_admin=read("CONSENSO_FIRST_ADMIN", FirstAdmin.parse, None),
        )


class _Reader:
    """Reads one variable with its parser; an unset or empty variable takes the default."""

    def __init__(self, env: Mapping[str, str]) -> None:
        self.env = env

    def __call__(self, name: str, parse: Callable[[str], T], default: T) -> T:
        raw = self.env.get(name, "").strip()
        if not raw:
            return default
        try:
            return parse(raw)
        except ValueError as exc:
            # One line, whatever the parser said (a JSON error may quote a multi-line value).
            raise SettingsError(" ".join(f"{name}: {exc}".split())) from exc


def _languages(raw: str) -> tuple[str, ...]:
    try:
        return parse_languages(raw)
    except InvalidInput as exc:
        raise ValueError(exc.message) from None


def _whole(maximum: int) -> Callable[[str], int]:
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"expected a whole number from 1 to {maximum}, not {raw!r}") from None
        if not 1 <= value <= maximum:
            raise ValueError(f"expected a whole number from 1 to {maximum}, not {value}")
        return value

    return parse


def _seconds(maximum: float) -> Callable[[str], float]:
    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(
                f"expected a number of seconds above 0, at most {maximum:g}, not {raw!r}"
            ) from None
        if not 0 < value <= maximum:  # also refuses nan
            raise ValueError(f"expected a number of seconds above 0, at most {maximum:g}, not {raw!r}")
        return value

    return parse


def _flag(raw: str) -> bool:
    value = raw.lower()
    if value in ("0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"expected 1 or 0, not {raw!r}")


def _database_url(raw: str) -> str:
    try:
        url = make_url(raw)
    except ArgumentError:
        raise ValueError(f"expected an SQLAlchemy URL such as sqlite:///consenso.db, not {raw!r}") from None
    if url.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError(f"expected a sqlite:// or postgresql+psycopg:// URL, not a {url.drivername} one")
    return raw


def _synchronous(raw: str) -> str:
    if raw.upper() not in SYNCHRONOUS_MODES:
        raise ValueError(f"expected one of {', '.join(SYNCHRONOUS_MODES)}, not {raw!r}")
    return raw.upper()


def _origin(raw: str) -> str:
    """scheme://host[:port], nothing after it (a browser's Origin header never has a path)."""
    origin = raw.strip().rstrip("/")
    try:
        parts = urlsplit(origin)
        parts.port  # noqa: B018  (raises on a port that is not a number)
    except ValueError:
        raise ValueError(f"{raw!r} is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
        raise ValueError(f"expected http(s)://host[:port] with nothing after it, not {raw!r}")
    return origin


def _origins(raw: str) -> frozenset[str]:
    return frozenset(_origin(part) for part in raw.split(",") if part.strip())


def _public_url(raw: str) -> str:
    try:
        parts = urlsplit(raw)
    except ValueError:
        raise ValueError(f"{raw!r} is not a URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ValueError(f"expected the http(s) URL people open Consenso at, not {raw!r}")
    return raw.rstrip("/")


def _redis_url(raw: str) -> str:
    if urlsplit(raw).scheme not in ("redis", "rediss", "unix"):
        raise ValueError(f"expected a redis://, rediss:// or unix:// URL, not {raw!r}")
    return raw


def _instance_id(raw: str) -> str:
    if len(raw) > 100 or not all(c.isalnum() or c in "-_.:" for c in raw):
        raise ValueError(f"expected up to 100 letters, digits and - _ . : , not {raw!r}")
    return raw


def _issuer(raw: str) -> str:
    if not raw.startswith(("urn:", "https://", "http://")):
        raise ValueError(f"expected a urn: or an http(s) URL, not {raw!r}")
    return raw


def _providers(raw: str) -> dict[str, ProviderConfig]:
    try:
        return parse_providers(raw)
    except OidcConfigError as exc:  # its messages never quote a secret
        raise ValueError(f"expected a JSON list of identity providers (docs/decisions/0005): {exc}") from exc
