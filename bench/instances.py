"""`--only instances`: the keystroke run with its sockets spread by HAProxy over several instances.

`--instances N` (3) `consenso serve` processes, each with CONSENSO_INSTANCE_ID, share a fresh PostgreSQL
database and the machine's Redis behind deploy/haproxy.cfg (tests/support/instances.py starts them the
way tests/deploy does); the typists and the observers connect to HAProxy, so a keystroke usually crosses
instances (forwarded to the document's writer, committed, relayed back). Server CPU and memory are the
instances' and HAProxy's together. Needs PostgreSQL (BENCH_POSTGRES_URL, by default the tests' server),
Redis (BENCH_REDIS_URL) and /usr/sbin/haproxy.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import redis
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from bench import keystrokes
from bench.server import EDITOR_EMAIL, cpu_seconds, draft_text, status_mb
from tests.support.instances import HAPROXY, Deployment

POSTGRES_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


class Unavailable(Exception):
    """PostgreSQL, Redis or haproxy is missing here."""


@dataclass
class Spread:
    """The deployment as keystrokes.run sees a server: one address, the CPU and memory of all of it."""

    deployment: Deployment

    def url(self, document_id: int) -> str:
        return f"{self.deployment.ws_url}/{document_id}"

    def pids(self) -> list[int]:
        processes = [i.process for i in self.deployment.instances] + [self.deployment.haproxy]
        return [p.pid for p in processes if p is not None]

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pids())

    def rss_mb(self) -> float:
        return status_mb(self.pids(), "VmRSS")

    def peak_rss_mb(self) -> float:
        return status_mb(self.pids(), "VmHWM")


def run(config: keystrokes.RunConfig, count: int) -> keystrokes.RunResult:
    if shutil.which(HAPROXY) is None:
        raise Unavailable(f"{HAPROXY} is not installed")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        raise Unavailable(f"Redis is not reachable at {REDIS_URL}: {exc}") from exc
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    name = "consenso_bench_" + secrets.token_hex(4)
    prefix = "consenso-bench-" + secrets.token_hex(4)
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        raise Unavailable(f"PostgreSQL is not reachable at {POSTGRES_URL}: {exc.orig}") from exc
    workdir = Path(tempfile.mkdtemp(prefix="bench-instances-"))
    url = admin.url.set(database=name).render_as_string(hide_password=False)
    deployment = Deployment(url, workdir, REDIS_URL, prefix, count=count, lease_seconds=6)
    try:
        deployment.cli("db", "upgrade")
        deployment.cli("demo")
        negotiation = deployment.cli(
            "negotiation", "create", "--title", "Benchmark", "--chair", "MEX"
        ).split()[-1]
        draft = workdir / "draft.txt"
        draft.write_text(draft_text(), encoding="utf-8")
        document_id = int(
            deployment.cli(
                "document", "create", "--negotiation", negotiation, "--kind", "declaration",
                "--title", "Benchmark declaration", "--from", str(draft),
            ).split()[-1]
        )  # fmt: skip
        token = deployment.cli("token", "create", EDITOR_EMAIL).split()[-1]
        deployment.start()
        return keystrokes.run(Spread(deployment), document_id, token, config, workdir)  # type: ignore[arg-type]
    finally:
        deployment.stop()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
        client = redis.Redis.from_url(REDIS_URL)
        for key in client.scan_iter(f"{prefix}:*"):
            client.delete(key)
        client.close()
        shutil.rmtree(workdir, ignore_errors=True)
