"""Several `consenso serve` instances sharing PostgreSQL and Redis behind HAProxy, run from deploy/haproxy.cfg
with its addresses replaced by free ports (tests/deploy, bench)."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select

from drafting.models import DocumentLease
from tests.support.server import ROOT, LiveServer, free_port

HAPROXY = "/usr/sbin/haproxy"
CONFIG = ROOT / "deploy" / "haproxy.cfg"


def haproxy_config(port: int, instance_ports: list[int]) -> str:
    """deploy/haproxy.cfg listening on `port`, its `server` lines pointing at `instance_ports`."""
    config = CONFIG.read_text(encoding="utf-8")
    config = config.replace("bind 127.0.0.1:8000", f"bind 127.0.0.1:{port}")
    servers = re.findall(r"^\s*server consenso\d+ .*$", config, flags=re.MULTILINE)
    first = config.index(servers[0])
    for line in servers:
        config = config.replace(line + "\n", "")
    lines = "".join(f"    server consenso{n} 127.0.0.1:{p} check\n" for n, p in enumerate(instance_ports, 1))
    return config[:first] + lines + config[first:]


class Deployment:
    """`count` instances and HAProxy in front; `url`/`ws_url` are HAProxy's, as a client sees them."""

    def __init__(
        self,
        database_url: str,
        workdir: Path,
        redis_url: str,
        prefix: str,
        *,
        count: int = 3,
        lease_seconds: float = 2,
    ) -> None:
        self.database_url = database_url
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/sync"
        origins = f"{self.url},http://localhost:{self.port}"
        self.instances = [
            LiveServer(
                database_url,
                workdir,
                {
                    "CONSENSO_INSTANCE_ID": f"consenso{n}",
                    "CONSENSO_REDIS_URL": redis_url,
                    "CONSENSO_REDIS_PREFIX": prefix,
                    "CONSENSO_LEASE_SECONDS": str(lease_seconds),
                    "CONSENSO_ALLOWED_ORIGINS": origins,
                },
            )
            for n in range(1, count + 1)
        ]
        self.haproxy: subprocess.Popen[bytes] | None = None
        self.haproxy_log = workdir / "haproxy.log"

    def cli(self, *args: str) -> str:
        return self.instances[0].cli(*args)

    def start(self, timeout: float = 30.0) -> None:
        for instance in self.instances:
            instance.start()
        config = self.workdir / "haproxy.cfg"
        config.write_text(haproxy_config(self.port, [i.port for i in self.instances]), encoding="utf-8")
        with self.haproxy_log.open("ab") as log:
            self.haproxy = subprocess.Popen([HAPROXY, "-db", "-f", str(config)], stdout=log, stderr=log)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.haproxy.poll() is not None:
                raise RuntimeError(f"haproxy exited: {self.haproxy_log.read_text(errors='replace')}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.05)  # polling a condition (the port answering)
        raise RuntimeError("haproxy did not answer in time")

    def stop(self) -> None:
        if self.haproxy is not None:
            self.haproxy.terminate()
            self.haproxy.wait(10)
            self.haproxy = None
        for instance in self.instances:
            instance.stop()

    def writer_of(self, document_id: str) -> str | None:
        """The instance id holding the document's lease, as the database says."""
        engine = create_engine(self.database_url)
        try:
            with engine.connect() as connection:
                holder = connection.scalar(
                    select(DocumentLease.holder).where(DocumentLease.document_id == int(document_id))
                )
        finally:
            engine.dispose()
        return holder

    def instance(self, instance_id: str) -> LiveServer:
        return self.instances[int(instance_id.removeprefix("consenso")) - 1]
