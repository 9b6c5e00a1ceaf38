"""Stock yjs clients (y-websocket in Node) and a pycrdt client co-edit one paragraph through the server."""

from __future__ import annotations

import pytest

from tests.interop.interop_node import utf16_index
from tests.interop.interop_peers import DELEGATE_GTM, HEAD_MEX, PPT, Peers

pytestmark = pytest.mark.node

BASE = "Migración segura, ordenada y regular."


def insert(text: str, index: int, addition: str) -> str:
    return text[:index] + addition + text[index:]


def test_concurrent_edits_converge_across_a_restart(live_server, create_draft, peers: Peers) -> None:
    draft = create_draft([BASE, "Segundo párrafo, sin cambios."])
    paragraph = draft.paragraph_ids[0]
    mex, gtm = peers.node(draft.id, HEAD_MEX), peers.node(draft.id, DELEGATE_GTM)
    for node in (mex, gtm):
        node.wait_synced()
        assert node.order() == draft.paragraph_ids
    ppt = peers.pycrdt(draft.id, PPT)

    # Three edits at distinct places, each made before its author can have seen the others.
    middle = BASE.index("segura")
    mex.send("insert", paragraph=paragraph, index=0, text="niñas y niños 👧🏽 ")
    gtm.send("insert", paragraph=paragraph, text=" Migración ✅")
    ppt.insert(paragraph, middle, "(ordenada 🌎) ")
    mex.reply(), gtm.reply()
    expected = "niñas y niños 👧🏽 " + insert(BASE, middle, "(ordenada 🌎) ") + " Migración ✅"
    for node in (mex, gtm):
        node.wait_text(paragraph, equals=expected)
    ppt.wait_text(paragraph, equals=expected)

    syncs = {node: node.status()["syncs"] for node in (mex, gtm)}
    live_server.restart()
    for node, count in syncs.items():
        node.wait_synced(min_syncs=count + 1)  # y-websocket reconnects by itself
    ppt.connect()
    assert ppt.text(paragraph) == expected, "the restarted server lost text"

    after_emoji = expected.index("👧🏽") + len("👧🏽")
    mex.insert(paragraph, utf16_index(expected, after_emoji), "✔")
    gtm.insert(paragraph, None, " Niñez 🇲🇽🇬🇹")
    ppt.insert(paragraph, 0, "¡Sí! ")
    expected = "¡Sí! " + insert(expected, after_emoji, "✔") + " Niñez 🇲🇽🇬🇹"
    for node in (mex, gtm):
        node.wait_text(paragraph, equals=expected)
    ppt.wait_text(paragraph, equals=expected)

    # Nobody left to resend it: what comes back after a restart is what the server stored.
    peers.close_all()
    live_server.restart()
    stored = {p["id"]: p["text"] for p in peers.document(draft.id)["paragraphs"]}
    assert stored == {
        draft.paragraph_ids[0]: expected,
        draft.paragraph_ids[1]: "Segundo párrafo, sin cambios.",
    }
    fresh = peers.node(draft.id, HEAD_MEX)
    fresh.wait_synced()
    assert fresh.text(paragraph) == expected


def test_offline_edits_merge_when_the_client_reconnects(create_draft, peers: Peers) -> None:
    draft = create_draft([BASE])
    paragraph = draft.paragraph_ids[0]
    mex, gtm = peers.node(draft.id, HEAD_MEX), peers.node(draft.id, DELEGATE_GTM)
    mex.wait_synced()
    gtm.wait_synced()

    mex.request("disconnect")
    mex.insert(paragraph, None, " Sin conexión: niñas y niños 👧🏽.")
    gtm.insert(paragraph, 0, "En línea: ")
    mex.request("connect")
    expected = "En línea: " + BASE + " Sin conexión: niñas y niños 👧🏽."
    mex.wait_text(paragraph, equals=expected)
    gtm.wait_text(paragraph, equals=expected)
    assert peers.pycrdt(draft.id, PPT).text(paragraph) == expected
