"""A restarted server, stopped gracefully or killed, serves the same paragraphs: same ids, labels, text."""

from __future__ import annotations

import pytest

from tests.interop.interop_node import utf16_index
from tests.interop.interop_peers import DELEGATE_GTM, HEAD_MEX, PPT, Peers

pytestmark = pytest.mark.node

PARAGRAPHS = [
    "Reconociendo la contribución de las personas migrantes al desarrollo.",
    "Proteger a niñas y niños 👧🏽 en situación de migración.",
    "Fortalecer la cooperación regional.",
]


@pytest.mark.parametrize("stop", ["restart", "kill"])
def test_restarted_server_keeps_paragraph_ids_and_text(live_server, create_draft, peers: Peers, stop) -> None:
    draft = create_draft(PARAGRAPHS)
    before = peers.document(draft.id)["paragraphs"]
    editor = peers.node(draft.id, HEAD_MEX)
    editor.wait_synced()
    assert editor.order() == draft.paragraph_ids

    second = draft.paragraph_ids[1]
    after_emoji = PARAGRAPHS[1].index("👧🏽") + len("👧🏽")
    edited = editor.insert(second, utf16_index(PARAGRAPHS[1], after_emoji), " y adolescentes 🧒")
    assert edited == PARAGRAPHS[1][:after_emoji] + " y adolescentes 🧒" + PARAGRAPHS[1][after_emoji:]
    peers.pycrdt(draft.id, PPT).wait_text(second, edited)  # the server has it
    peers.close_all()

    if stop == "restart":
        live_server.restart()
    else:
        live_server.kill()
        live_server.start()

    expected = [PARAGRAPHS[0], edited, PARAGRAPHS[2]]
    after = peers.document(draft.id)["paragraphs"]
    assert [(p["id"], p["label"]) for p in after] == [(p["id"], p["label"]) for p in before]
    assert [p["text"] for p in after] == expected
    reader = peers.node(draft.id, DELEGATE_GTM)
    reader.wait_synced()
    assert reader.order() == draft.paragraph_ids
    assert [reader.text(paragraph) for paragraph in draft.paragraph_ids] == expected
