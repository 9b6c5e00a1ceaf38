"""Fixtures for the interop tests: stock yjs clients in Node and a pycrdt client, against `live_server`."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.interop.interop_node import missing_toolchain
from tests.interop.interop_peers import Draft, Peers


@pytest.fixture(autouse=True)
def _node_toolchain() -> None:
    reason = missing_toolchain()
    if reason is None:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI=true: the interop tests must run)")
    pytest.skip(reason)


@pytest.fixture
def peers(live_server: Any) -> Iterator[Peers]:
    peers = Peers(live_server)
    yield peers
    peers.close_all()


@pytest.fixture
def create_draft(
    live_server: Any, peers: Peers, tmp_path_factory: pytest.TempPathFactory
) -> Callable[[list[str]], Draft]:
    """Creates a declaration with these paragraphs in a new negotiation chaired by Mexico."""

    def create(paragraphs: list[str]) -> Draft:
        source = tmp_path_factory.mktemp("draft") / "draft.txt"
        source.write_text("\n\n".join(paragraphs), encoding="utf-8")
        negotiation = live_server.cli(
            "negotiation", "create", "--title", "Interoperabilidad", "--chair", "MEX"
        )
        document_id = live_server.cli(
            "document", "create", "--negotiation", negotiation, "--kind", "declaration",
            "--title", "Declaración de prueba", "--from", str(source),
        )  # fmt: skip
        imported = peers.document(document_id)["paragraphs"]
        assert [p["text"] for p in imported] == paragraphs, "the server imported other paragraphs"
        return Draft(document_id, [p["id"] for p in imported])

    return create
