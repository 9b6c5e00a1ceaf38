"""A Consenso server under test: its database, its process, and what it costs the machine.

``Fixture.prepare()`` builds a database once through the ``consenso`` CLI (migrations, demo users, a
negotiation, one 50-paragraph draft, a bearer token). ``Fixture.start(env)`` copies that database into a
fresh directory and runs ``consenso serve`` on a free loopback port with extra environment variables,
so one setting can be toggled per run. Storage is the server's default: SQLite in WAL mode,
synchronous FULL.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CONSENSO = ROOT / ".venv" / "bin" / "consenso"
EDITOR_EMAIL = "delegate.mex@demo.consenso"
PARAGRAPHS = 50
TICKS = os.sysconf("SC_CLK_TCK")


def draft_text(paragraphs: int = PARAGRAPHS) -> str:
    """A realistic draft: the demo declaration's paragraphs, cycled and numbered up to `paragraphs`."""
    texts = ROOT / "drafting" / "demo_texts"
    blocks = []
    for name in ("declaration.txt", "plan_of_action.txt"):
        raw = (texts / name).read_text(encoding="utf-8")
        blocks += [" ".join(b.split()) for b in raw.split("\n\n") if len(b.split()) > 8]
    chosen = [f"{blocks[i % len(blocks)]} ({i + 1})" for i in range(paragraphs)]
    return "\n\n".join(chosen) + "\n"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Fixture:
    root: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="bench-")))
    document_id: int = 0
    negotiation_id: int = 0
    token: str = ""

    @property
    def template(self) -> Path:
        return self.root / "template" / "consenso.db"

    def cli(self, *args: str, db: Path | None = None, env: dict[str, str] | None = None) -> str:
        full_env = {**os.environ, **(env or {}), "CONSENSO_DATABASE_URL": f"sqlite:///{db or self.template}"}
        done = subprocess.run(
            [str(CONSENSO), *args], env=full_env, capture_output=True, text=True, check=False, timeout=120
        )
        if done.returncode != 0:
            raise RuntimeError(f"consenso {' '.join(args)} failed ({done.returncode}): {done.stderr.strip()}")
        return done.stdout.strip()

    def prepare(self) -> None:
        self.template.parent.mkdir(parents=True)
        self.cli("db", "upgrade")
        self.cli("demo")
        self.negotiation_id = int(
            self.cli("negotiation", "create", "--title", "Benchmark negotiation", "--chair", "MEX").split()[
                -1
            ]
        )
        draft = self.root / "draft.txt"
        draft.write_text(draft_text(), encoding="utf-8")
        self.document_id = self.create_document("Benchmark declaration", draft)
        self.token = self.cli("token", "create", EDITOR_EMAIL).split()[-1]

    def create_document(self, title: str, source: Path, db: Path | None = None) -> int:
        out = self.cli(
            "document", "create", "--negotiation", str(self.negotiation_id),
            "--kind", "declaration", "--title", title, "--from", str(source), db=db,
        )  # fmt: skip
        return int(out.split()[-1])

    def fresh_database(self, name: str) -> Path:
        """A copy of the template database for one run."""
        run_dir = self.root / name
        run_dir.mkdir()
        for suffix in ("", "-wal", "-shm"):
            source = Path(str(self.template) + suffix)
            if source.exists():
                shutil.copy(source, run_dir / (source.name))
        return run_dir / self.template.name

    def start(self, name: str, env: dict[str, str] | None = None) -> ServerProcess:
        db = self.fresh_database(name)
        return ServerProcess.spawn(db, env or {})

    def cleanup(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    port: int
    db: Path
    log: Path

    @classmethod
    def spawn(cls, db: Path, env: dict[str, str]) -> ServerProcess:
        port = free_port()
        log = db.parent / "server.log"
        full_env = {**os.environ, **env, "CONSENSO_DATABASE_URL": f"sqlite:///{db}"}
        command = [str(CONSENSO)]
        if any(key.startswith("BENCH_") for key in env):  # experiment knobs: see bench/launch.py
            command = [str(ROOT / ".venv" / "bin" / "python"), "-m", "bench.launch"]
        with open(log, "wb") as out:
            process = subprocess.Popen(
                [*command, "serve", "--host", "127.0.0.1", "--port", str(port)],
                env=full_env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        server = cls(process, port, db, log)
        server.wait_ready()
        return server

    def wait_ready(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"server exited ({self.process.returncode}): {self.log.read_text()[-2000:]}"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("server did not start listening")

    def url(self, document_id: int) -> str:
        return f"ws://127.0.0.1:{self.port}/sync/{document_id}"

    def pids(self) -> list[int]:
        """The server process and its descendants (a supervisor may run the app in a child)."""
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            for task in Path(f"/proc/{pid}/task").glob("*/children"):
                try:
                    todo += [int(child) for child in task.read_text().split()]
                except OSError:
                    continue
        return found

    def rss_mb(self) -> float:
        return status_mb(self.pids(), "VmRSS")

    def peak_rss_mb(self) -> float:
        return status_mb(self.pids(), "VmHWM")

    def cpu_seconds(self) -> float:
        return cpu_seconds(self.pids())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def cpu_seconds(pids: list[int]) -> float:
    """User and system CPU seconds of these processes so far."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / TICKS
    return total


def status_mb(pids: list[int], key: str) -> float:
    """A memory figure of /proc/PID/status (VmRSS, VmHWM) summed over these processes, in MB."""
    return sum(_status_kb(pid, key) for pid in pids) / 1024


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0
