"""Drive a stock yjs + y-websocket client in Node (client.mjs), one JSON line per command.

Positions passed to and from Node count UTF-16 units, as yjs does.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
SCRIPT = HERE / "client.mjs"
ATTACKER = HERE / "attacker.mjs"  # a hand-written client that tries what the server refuses
# Extra seconds the Python side waits beyond a command's own timeout in Node.
MARGIN = 5.0


def missing_toolchain() -> str | None:
    """Why the Node clients cannot run here, or None when they can."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not (HERE / "node_modules" / "y-websocket").is_dir():
        return "tests/interop/node_modules is missing: run `npm ci --prefix tests/interop`"
    return None


def utf16_index(text: str, index: int) -> int:
    """The yjs position of the code point `index` of `text`."""
    return len(text[:index].encode("utf-16-le")) // 2


class NodeClientError(AssertionError):
    """A command failed in the Node client, or the client died."""


class NodeClient:
    def __init__(self, name: str, ws_url: str, document_id: str, token: str, script: Path = SCRIPT) -> None:
        self.name = name
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 (read on failure, closed in close())
        self._process = subprocess.Popen(
            ["node", str(script), ws_url, document_id],
            cwd=HERE,
            env={**os.environ, "CONSENSO_TOKEN": token},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            encoding="utf-8",
        )
        self._replies: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read_replies, daemon=True)
        self._reader.start()

    def _read_replies(self) -> None:
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._replies.put(line)
        self._replies.put(None)

    def stderr(self) -> str:
        self._stderr.seek(0)
        return self._stderr.read().decode("utf-8", "replace").strip()

    def _fail(self, message: str) -> NodeClientError:
        log = self.stderr()
        return NodeClientError(
            f"node client {self.name}: {message}" + (f"\n--- its stderr:\n{log}" if log else "")
        )

    def send(self, op: str, **fields: Any) -> None:
        """Send a command without waiting for its reply (collect it with reply())."""
        assert self._process.stdin is not None
        try:
            self._process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
            self._process.stdin.flush()
        except BrokenPipeError as exc:
            raise self._fail(f"died before {op}") from exc

    def reply(self, timeout: float = 10.0) -> dict[str, Any]:
        try:
            line = self._replies.get(timeout=timeout + MARGIN)
        except queue.Empty:
            raise self._fail(f"no reply within {timeout + MARGIN}s") from None
        if line is None:
            raise self._fail(f"exited with status {self._process.wait()}")
        answer: dict[str, Any] = json.loads(line)
        if not answer.pop("ok"):
            raise self._fail(answer["error"])
        return answer

    def request(self, op: str, timeout: float = 10.0, **fields: Any) -> dict[str, Any]:
        self.send(op, timeout=timeout, **fields)
        return self.reply(timeout)

    def wait_synced(self, min_syncs: int = 1, timeout: float = 15.0) -> dict[str, Any]:
        """Wait until connected and synced for at least the `min_syncs`-th time; returns the status."""
        return self.request("wait_synced", min_syncs=min_syncs, timeout=timeout)

    def status(self) -> dict[str, Any]:
        return self.request("status")

    def wait_closed(self, timeout: float = 15.0) -> dict[str, Any]:
        """Wait until the server ends the connection for good; the status, with `ended` {code, reason}
        and `should_connect` (whether y-websocket would still reconnect)."""
        return self.request("wait_closed", timeout=timeout)

    def order(self) -> list[str]:
        order: list[str] = self.request("order")["order"]
        return order

    def text(self, paragraph: str) -> str:
        text: str = self.request("text", paragraph=paragraph)["text"]
        return text

    def insert(self, paragraph: str, index: int | None, text: str) -> str:
        """Insert at a UTF-16 `index` (None: at the end); returns the paragraph's local text."""
        fields: dict[str, Any] = {"paragraph": paragraph, "text": text}
        if index is not None:
            fields["index"] = index
        local: str = self.request("insert", **fields)["text"]
        return local

    def wait_text(
        self,
        paragraph: str,
        *,
        equals: str | None = None,
        contains: tuple[str, ...] = (),
        timeout: float = 15.0,
    ) -> str:
        fields: dict[str, Any] = {"paragraph": paragraph, "contains": list(contains)}
        if equals is not None:
            fields["equals"] = equals
        text: str = self.request("wait_text", timeout=timeout, **fields)["text"]
        return text

    def close(self) -> None:
        """End the process (closing stdin ends it; kill if it lingers) and release its pipes."""
        if self._process.poll() is None:
            try:
                assert self._process.stdin is not None
                self._process.stdin.close()
                self._process.wait(timeout=5)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self._process.kill()
                self._process.wait()
        if self._process.stdin is not None and not self._process.stdin.closed:
            self._process.stdin.close()
        self._reader.join(timeout=5)  # it reaches end of file once the process is gone
        if self._process.stdout is not None:
            self._process.stdout.close()
        self._stderr.close()
