"""A hand-written yjs client in Node attacks a locked paragraph, `info` and the structure of the draft.

Whatever it sends, the locked text, `info` and the order end unchanged on the server, in the database
after a restart and in a second stock client; its allowed edit of an unlocked paragraph survives; it is
told why with the y-protocols permission-denied message.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.interop.interop_peers import ATTACKED_PARAGRAPHS, DELEGATE_GTM, HEAD_MEX, Peers

pytestmark = pytest.mark.node

PARAGRAPHS = ATTACKED_PARAGRAPHS
MARKER = "«enmienda-legítima ✅»"


def test_a_raw_yjs_client_cannot_change_a_locked_paragraph_info_or_order(
    live_server: Any, create_draft: Any, peers: Peers
) -> None:
    draft = create_draft(PARAGRAPHS)
    locked, unlocked = draft.paragraph_ids[1], draft.paragraph_ids[2]
    assert peers.lock(draft.id, locked)["locked"] is True

    attacker = peers.attacker(draft.id, DELEGATE_GTM)  # may edit text, may not restructure
    before = attacker.request("wait_synced")
    assert before["info"][locked]["locked"] is True, "the lock reached the client live"
    assert before["order"] == draft.paragraph_ids

    tried = attacker.request("attack", locked=locked, unlocked=unlocked, marker=MARKER)["tried"]
    assert len(tried) == 9
    expected = {
        "order": draft.paragraph_ids,
        "texts": {locked: PARAGRAPHS[1], draft.paragraph_ids[0]: PARAGRAPHS[0]},
        "contains": {unlocked: MARKER},
    }
    after = attacker.request("wait_state", expected=expected, timeout=15)
    assert after["texts"][unlocked] == f"{MARKER}-bis {PARAGRAPHS[2]} {MARKER}"
    assert after["info"] == before["info"], "info written by a client was put back"
    assert after["keys"] == sorted(draft.paragraph_ids), "no paragraph added or removed"
    assert after["deltas"][locked] == [{"insert": PARAGRAPHS[1]}], "no formatting left on the locked text"
    denied = attacker.request("wait_denied", count=1)["denied"]
    reasons = " ".join(denied)
    assert "is locked" in reasons
    assert "info" in reasons
    assert "add, remove or reorder" in reasons

    def check_replica(state: dict[str, Any]) -> None:
        assert state["order"] == draft.paragraph_ids
        assert state["texts"][locked] == PARAGRAPHS[1]
        assert state["deltas"][locked] == [{"insert": PARAGRAPHS[1]}]
        assert state["texts"][unlocked] == after["texts"][unlocked]
        assert state["info"] == before["info"]
        assert state["keys"] == sorted(draft.paragraph_ids)

    def check_server() -> None:
        shown = peers.document(draft.id)
        assert shown["status"] == "draft"
        assert [p["id"] for p in shown["paragraphs"]] == draft.paragraph_ids
        by_id = {p["id"]: p for p in shown["paragraphs"]}
        assert (by_id[locked]["text"], by_id[locked]["locked"], by_id[locked]["status"]) == (
            PARAGRAPHS[1],
            True,
            "open",
        )
        assert by_id[unlocked]["text"] == after["texts"][unlocked]

    # A second stock client, the server, and both again after a restart (what the database holds).
    witness = peers.attacker(draft.id, HEAD_MEX)
    witness.request("wait_synced")
    check_replica(witness.request("wait_state", expected=expected | {"texts": {locked: PARAGRAPHS[1]}}))
    stock = peers.node(draft.id, HEAD_MEX)
    stock.wait_synced()
    assert stock.order() == draft.paragraph_ids
    assert stock.text(locked) == PARAGRAPHS[1]
    check_server()

    peers.close_all()
    live_server.restart()
    check_server()
    witness = peers.attacker(draft.id, HEAD_MEX)
    witness.request("wait_synced")
    check_replica(witness.request("snapshot"))
