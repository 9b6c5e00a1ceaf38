"""Settings from CONSENSO_* environment variables, checked once at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field


class SettingsError(Exception):
    pass


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from exc
    if value <= 0:
        raise SettingsError(f"{name} must be positive, not {value}")
    return value


def _flag(env: Mapping[str, str], name: str) -> bool:
    raw = env.get(name, "").strip().lower()
    if raw in ("", "0", "false", "no", "off"):
        return False
    if raw in ("1", "true", "yes", "on"):
        return True
    raise SettingsError(f"{name} must be 1 or 0, not {raw!r}")


@dataclass(frozen=True)
class Settings:
    database_url: str = "sqlite:///consenso.db"
    sqlite_synchronous: str = "FULL"
    allowed_origins: frozenset[str] = field(default_factory=frozenset)
    max_message_bytes: int = 1024 * 1024
    send_queue_messages: int = 1024
    send_queue_bytes: int = 4 * 1024 * 1024
    room_idle_seconds: int = 30
    checkpoint_every: int = 500
    keepalive_seconds: int = 15
    sync_messages_per_second: int = 200
    sync_bytes_per_second: int = 2 * 1024 * 1024
    presence_state_bytes: int = 8 * 1024
    presence_clients_per_connection: int = 4
    presence_interval_ms: int = 50
    demo: bool = False
    production: bool = False
    guard: bool = True  # off only to measure the guard's cost in the benchmark
    redis_url: str | None = None
    silence_hours: int = 72

    @property
    def secure_cookies(self) -> bool:
        return self.production

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, port: int = 8000) -> Settings:
        env = os.environ if env is None else env
        origins = env.get("CONSENSO_ALLOWED_ORIGINS")
        allowed = (
            frozenset(o.strip().rstrip("/") for o in origins.split(",") if o.strip())
            if origins
            else frozenset({f"http://127.0.0.1:{port}", f"http://localhost:{port}"})
        )
        settings = cls(
            database_url=env.get("CONSENSO_DATABASE_URL") or cls.database_url,
            sqlite_synchronous=env.get("CONSENSO_SQLITE_SYNCHRONOUS", "FULL").upper(),
            allowed_origins=allowed,
            max_message_bytes=_int(env, "CONSENSO_MAX_MESSAGE_BYTES", cls.max_message_bytes),
            send_queue_messages=_int(env, "CONSENSO_SEND_QUEUE_MESSAGES", cls.send_queue_messages),
            send_queue_bytes=_int(env, "CONSENSO_SEND_QUEUE_BYTES", cls.send_queue_bytes),
            room_idle_seconds=_int(env, "CONSENSO_ROOM_IDLE_SECONDS", cls.room_idle_seconds),
            checkpoint_every=_int(env, "CONSENSO_CHECKPOINT_EVERY", cls.checkpoint_every),
            keepalive_seconds=_int(env, "CONSENSO_KEEPALIVE_SECONDS", cls.keepalive_seconds),
            sync_messages_per_second=_int(
                env, "CONSENSO_SYNC_MESSAGES_PER_SECOND", cls.sync_messages_per_second
            ),
            sync_bytes_per_second=_int(env, "CONSENSO_SYNC_BYTES_PER_SECOND", cls.sync_bytes_per_second),
            presence_state_bytes=_int(env, "CONSENSO_PRESENCE_STATE_BYTES", cls.presence_state_bytes),
            presence_clients_per_connection=_int(
                env, "CONSENSO_PRESENCE_CLIENTS_PER_CONNECTION", cls.presence_clients_per_connection
            ),
            presence_interval_ms=_int(env, "CONSENSO_PRESENCE_INTERVAL_MS", cls.presence_interval_ms),
            demo=_flag(env, "CONSENSO_DEMO"),
            production=_flag(env, "CONSENSO_PRODUCTION"),
            guard=not _flag(env, "CONSENSO_BENCHMARK_WITHOUT_GUARD"),
            redis_url=env.get("CONSENSO_REDIS_URL") or None,
            silence_hours=_int(env, "CONSENSO_SILENCE_HOURS", cls.silence_hours),
        )
        if settings.production and settings.demo:
            raise SettingsError(
                "CONSENSO_DEMO cannot be on with CONSENSO_PRODUCTION: demo sign-in has no password"
            )
        return settings
