"""Presence with stock y-websocket clients: stamped by the server, owned by their connection."""

from __future__ import annotations

from typing import Any

import pytest

from tests.interop.interop_peers import DELEGATE_GTM, HEAD_MEX, Peers

pytestmark = pytest.mark.node


def states(answer: dict[str, Any]) -> dict[int, Any]:
    return {int(client): state for client, state in answer["states"]}


def test_stock_clients_see_each_other_stamped_and_a_leaving_client_takes_only_its_own_presence(
    create_draft, peers: Peers
) -> None:
    draft = create_draft(["Presencia de las delegaciones 👋"])
    mex, gtm = peers.node(draft.id, HEAD_MEX), peers.node(draft.id, DELEGATE_GTM)
    mex.wait_synced()
    gtm.wait_synced()
    forged = {"user": {"name": "Guatemala", "delegation": "GTM", "role": "ppt"}, "color": "#ee6352"}
    mex_id = mex.request("presence_set", state=forged)["client"]
    # A stock client's first state has clock 0, which y-protocols ignores in others: set one.
    gtm_id = gtm.request("presence_set", state={"cursor": None})["client"]
    seen_by_gtm = states(
        gtm.request("wait_presence", clients=[mex_id, gtm_id], fields={str(mex_id): {"color": "#ee6352"}})
    )
    assert seen_by_gtm[mex_id]["user"]["delegation"] == "MEX"
    assert seen_by_gtm[mex_id]["user"]["role"] == "head"
    assert seen_by_gtm[mex_id]["user"]["name"].startswith("Andrés")
    seen_by_mex = states(mex.request("wait_presence", clients=[mex_id, gtm_id]))
    assert seen_by_mex[gtm_id]["user"]["delegation"] == "GTM"
    assert set(seen_by_mex[gtm_id]["user"]) == {"id", "name", "delegation", "role"}
    # GTM's client has re-sent MEX's state to the server (stock clients re-send all they receive);
    # when GTM leaves, MEX's presence stays.
    gtm.request("disconnect")
    left = states(mex.request("wait_presence", clients=[mex_id]))
    assert left[mex_id]["color"] == "#ee6352"
    third = peers.node(draft.id, DELEGATE_GTM)
    third.wait_synced()
    third_id = third.request("presence_set", state={"color": "#30bced"})["client"]
    assert (
        states(third.request("wait_presence", clients=[mex_id, third_id]))[mex_id]["user"]["delegation"]
        == "MEX"
    )
