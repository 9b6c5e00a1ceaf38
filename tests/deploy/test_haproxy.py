"""Three instances behind HAProxy (deploy/haproxy.cfg) with the machine's PostgreSQL and Redis: stock
y-websocket clients type through it, the writer is killed with kill -9, the clients reconnect to the
others, the lease moves, nothing is lost and locks hold (docs/decisions/0043)."""

from __future__ import annotations

import re
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from drafting.layout import read_paragraphs
from drafting.store import Store
from tests.conftest import REDIS_URL, skip_unless_ci
from tests.interop.interop_node import missing_toolchain
from tests.interop.interop_peers import DELEGATE_GTM, HEAD_MEX, PPT, Peers
from tests.support.instances import HAPROXY, Deployment

pytestmark = [pytest.mark.node, pytest.mark.postgres]

PARAGRAPHS = [
    "Texto acordado: niñas y niños migrantes 👧🏽.",
    "Fortalecer la cooperación regional.",
    "Promover el retorno digno.",
]
BATCHES_BEFORE_KILL = 10
BATCHES_AFTER_KILL = 10


@pytest.fixture
def deployment(postgres_engine: Engine, redis_prefix: str, tmp_path: Path) -> Iterator[Deployment]:
    for missing in (missing_toolchain(), None if shutil.which(HAPROXY) else f"{HAPROXY} is not installed"):
        if missing:
            skip_unless_ci(missing)
    url = postgres_engine.url.render_as_string(hide_password=False)
    deployed = Deployment(url, tmp_path, REDIS_URL, redis_prefix)
    deployed.cli("demo")
    deployed.start()
    try:
        yield deployed
    finally:
        deployed.stop()


def create_draft(deployment: Deployment, peers: Peers, tmp_path: Path) -> tuple[str, list[str]]:
    source = tmp_path / "draft.txt"
    source.write_text("\n\n".join(PARAGRAPHS), encoding="utf-8")
    negotiation = deployment.cli("negotiation", "create", "--title", "Varias instancias", "--chair", "MEX")
    document_id = deployment.cli(
        "document", "create", "--negotiation", negotiation, "--kind", "declaration",
        "--title", "Declaración", "--from", str(source),
    )  # fmt: skip
    return document_id, [p["id"] for p in peers.document(document_id)["paragraphs"]]


def wait_until(condition: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.1)  # polling a condition (the database says who writes)


def last_marker(prefix: str, text: str) -> int:
    return max((int(n) for n in re.findall(rf"«{prefix}(\d+)»", text)), default=0)


def markers(prefix: str, batches: int) -> list[str]:
    return [f"«{prefix}{n}»" for n in range(batches)]


def test_kill_9_of_the_writer_while_stock_clients_type(
    deployment: Deployment, tmp_path: Path, postgres_engine: Engine
) -> None:
    peers = Peers(deployment)
    try:
        document_id, (agreed, *typed) = create_draft(deployment, peers, tmp_path)
        assert peers.lock(document_id, agreed)["locked"] is True
        typists = {"M": peers.node(document_id, HEAD_MEX), "G": peers.node(document_id, DELEGATE_GTM)}
        paragraph_of = dict(zip(typists, typed, strict=True))  # each its own, so markers never interleave
        for prefix, typist in typists.items():
            typist.wait_synced()
            typist.request("type_start", paragraph=paragraph_of[prefix], prefix=prefix, interval_ms=10)
        watcher = peers.node(document_id, PPT)
        watcher.wait_synced()
        for prefix, paragraph in paragraph_of.items():
            watcher.wait_text(paragraph, contains=f"«{prefix}{BATCHES_BEFORE_KILL}»", timeout=60)

        writer = deployment.writer_of(document_id)
        assert writer is not None
        deployment.instance(writer).kill()  # kill -9, the typists still typing

        # Its lease runs out and another instance takes it; through HAProxy the clients reach the others.
        wait_until(lambda: deployment.writer_of(document_id) not in (None, writer), timeout=30)
        survivor = peers.node(document_id, PPT)
        survivor.wait_synced(timeout=30)
        for prefix, paragraph in paragraph_of.items():
            later = f"«{prefix}{last_marker(prefix, survivor.text(paragraph)) + BATCHES_AFTER_KILL}»"
            survivor.wait_text(paragraph, contains=later, timeout=60)

        # The lock holds on the new writer: an edit of the agreed paragraph is undone and refused.
        attacker = peers.node(document_id, HEAD_MEX)
        attacker.wait_synced(timeout=30)
        attacker.insert(agreed, 0, "«ataque»")
        survivor.wait_text(agreed, equals=PARAGRAPHS[0], timeout=30)
        attacker.wait_text(agreed, equals=PARAGRAPHS[0], timeout=30)

        expected = {
            paragraph_of[prefix]: markers(prefix, typist.request("type_stop", timeout=30)["batches"])
            for prefix, typist in typists.items()
        }
        reader = peers.node(document_id, DELEGATE_GTM)
        reader.wait_synced(timeout=30)
        for (paragraph, typed_there), base in zip(expected.items(), PARAGRAPHS[1:], strict=True):
            whole = base + "".join(typed_there)  # every keystroke once, in order
            assert reader.wait_text(paragraph, equals=whole, timeout=60) == whole
        assert reader.text(agreed) == PARAGRAPHS[0]

        # And all of it is committed: the log, read directly, holds every marker.
        stored = Store(postgres_engine).load(int(document_id)).to_doc()
        stored_texts = {p.id: p.text for p in read_paragraphs(stored)}
        for paragraph, typed_there in expected.items():
            missing = [m for m in typed_there if m not in stored_texts[paragraph]]
            assert not missing, f"{len(missing)} of {len(typed_there)} markers are not stored: {missing[:10]}"
        assert stored_texts[agreed] == PARAGRAPHS[0]
    finally:
        peers.close_all()
