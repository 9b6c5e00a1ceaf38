"""Committed before broadcast: whatever a client received as a broadcast survives kill -9 of the server."""

from __future__ import annotations

import re

import pytest
from pycrdt import Doc

from tests.interop.interop_peers import DELEGATE_GTM, HEAD_MEX, PPT, Peers

pytestmark = pytest.mark.node

BATCHES_BEFORE_KILL = 60  # keystroke batches each typist gets broadcast before the kill


def test_every_broadcast_insertion_survives_kill_9(live_server, create_draft, peers: Peers) -> None:
    draft = create_draft(["Texto base: niñas y niños migrantes 👧🏽."])
    paragraph = draft.paragraph_ids[0]
    watcher = peers.pycrdt(draft.id, PPT)
    typists = {"M": peers.node(draft.id, HEAD_MEX), "G": peers.node(draft.id, DELEGATE_GTM)}
    for prefix, typist in typists.items():
        typist.wait_synced()
        typist.request("type_start", paragraph=paragraph, prefix=prefix)

    last = [f"«{prefix}{BATCHES_BEFORE_KILL}»" for prefix in typists]
    watcher.wait_for(
        lambda: all(marker in watcher.text(paragraph) for marker in last),
        timeout=60,
        describe=lambda: f"{last} in {watcher.text(paragraph)[-200:]!r}",
    )
    live_server.kill()  # the typists are still typing
    for typist in typists.values():
        typist.close()  # so that none can resend its edits to the restarted server
    watcher.drain()  # what the server sent before it died is a broadcast too
    seen = re.findall(r"«[MG]\d+»", watcher.text(paragraph))
    assert len(seen) > 2 * BATCHES_BEFORE_KILL, f"the watcher saw only {seen}"

    live_server.start()
    stored = peers.pycrdt(draft.id, PPT)
    lost = [marker for marker in seen if marker not in stored.text(paragraph)]
    assert not lost, f"{len(lost)} of {len(seen)} broadcast insertions were lost by kill -9: {lost[:20]}"
    # Nothing else either: merging all the watcher received into what is stored changes nothing. (An
    # update against the stored state vector is not enough: it always carries the whole delete set,
    # and the server's own edits of `info`, such as the versions' stale marks, delete what they replace.)
    merged = Doc()
    merged.apply_update(stored.doc.get_update())
    before = merged.get_update()
    merged.apply_update(watcher.doc.get_update())
    assert merged.get_state() == stored.doc.get_state() and merged.get_update() == before, (
        f"the restarted server lacks part of the {len(watcher.received)} updates "
        "the watcher received as broadcasts"
    )
