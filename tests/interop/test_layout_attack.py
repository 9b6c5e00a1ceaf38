"""A hand-written yjs client in Node writes what the draft's layout does not allow (issue 8, hole 2).

A root `notas` with 200 KB, a paragraph replaced by a number, a paragraph called `document`, half a million
characters, a Y.Text attribute, an embed, large formatting. A second stock client sees none of it, nor does
the database; the server still serves the document, its compilation and its consensus matrix; the
attacker's allowed edit survives and it is told why the rest did not.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.interop.interop_node import NodeClient
from tests.interop.interop_peers import ATTACKED_PARAGRAPHS, DELEGATE_GTM, HEAD_MEX, PPT, Peers

pytestmark = pytest.mark.node

PARAGRAPHS = ATTACKED_PARAGRAPHS
SECRET = "NOTA-CONFIDENCIAL-del-atacante"
MARKER = "«enmienda-legítima ✅»"


def start(peers: Peers, document_id: str, email: str) -> NodeClient:
    client = peers.attacker(document_id, email)
    client.request("wait_synced")
    return client


def get(live_server: Any, peers: Peers, path: str) -> httpx.Response:
    return httpx.get(
        f"{live_server.url}{path}", headers={"Authorization": f"Bearer {peers.token(PPT)}"}, timeout=10
    )


@pytest.mark.parametrize("email", [DELEGATE_GTM, PPT], ids=["delegate", "ppt"])
def test_a_raw_yjs_client_cannot_write_outside_the_layout(
    live_server: Any, create_draft: Any, peers: Peers, email: str
) -> None:
    draft = create_draft(PARAGRAPHS)
    first, replaced, edited = draft.paragraph_ids
    attacker = start(peers, draft.id, email)

    tried = attacker.request(
        "attack_layout", replaced=replaced, edited=edited, marker=MARKER, secret=SECRET, timeout=15
    )["tried"]
    assert len(tried) == 8
    expected = {
        "order": draft.paragraph_ids,
        "texts": {first: PARAGRAPHS[0], replaced: PARAGRAPHS[1], edited: f"{PARAGRAPHS[2]} {MARKER}"},
        "deltas": {edited: [{"insert": f"{PARAGRAPHS[2]} {MARKER}"}]},
        "without": SECRET,
    }
    after = attacker.request("wait_state", expected=expected, timeout=20)
    assert after["keys"] == sorted(draft.paragraph_ids)
    reasons = " ".join(attacker.request("wait_denied", count=1)["denied"])
    assert "only order, paragraphs and info (and its language versions" in reasons
    assert "must be a Y.Text" in reasons
    assert "longer than 20000 characters" in reasons
    assert "embedded objects" in reasons
    assert ("not a paragraph id" if email == PPT else "may not add, remove or reorder") in reasons

    witness = start(peers, draft.id, HEAD_MEX)
    seen = witness.request("wait_state", expected=expected, timeout=20)
    assert seen["keys"] == sorted(draft.paragraph_ids)
    for replica in (witness, attacker):
        holds = replica.request("holds", secret=SECRET)
        assert not holds["holds"], "the secret is in a replica's state"
        assert holds["notas"] == {}

    def check_server() -> None:
        shown = peers.document(draft.id)
        assert [p["text"] for p in shown["paragraphs"]] == [
            PARAGRAPHS[0],
            PARAGRAPHS[1],
            expected["texts"][edited],
        ]
        for path in ("compilation", "consensus-matrix", "comments"):
            response = get(live_server, peers, f"/api/documents/{draft.id}/{path}")
            assert response.status_code == 200, f"{path}: {response.status_code} {response.text}"

    check_server()
    peers.close_all()
    live_server.restart()
    check_server()
    database = Path(live_server.database_url.removeprefix("sqlite:///"))
    assert SECRET.encode() not in database.read_bytes(), "the secret was stored"
