"""A consensus act that decides from the text holds it until its own freeze is written: an edit that
arrives while adoption or the start of a silence procedure is being recorded is compensated, so the
text adopted and hashed is the text frozen."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from pycrdt import Doc
from sqlalchemy.orm import Session

from drafting.consensus.records import adoption_of
from drafting.errors import Conflict
from drafting.guard import Rights, Verdict
from drafting.layout import bind, read_paragraphs
from drafting.store import Store
from server.consensus import workflow as workflow_module
from server.consensus.workflow import ConsensusWorkflow
from tests.server.api.test_consensus import DOC, document, post
from tests.server.conftest import App

SLIPPED = "SLIPPED IN "


def edit_while_recording(app: App, monkeypatch: pytest.MonkeyPatch, act: str) -> list[Verdict]:
    """While `act` (a function's qualified name) is being recorded, a delegate types into a paragraph."""
    original = ConsensusWorkflow.in_session
    verdicts: list[Verdict] = []

    async def typing_meanwhile(self: ConsensusWorkflow, work: Callable[[Session], Any]) -> Any:
        if act in getattr(work, "__qualname__", "") and not verdicts:
            room = await self._rooms().open(DOC)
            client: Doc[Any] = Doc()
            client.apply_update(room.doc.get_update())
            before = client.get_state()
            order, paragraphs, _ = bind(client)
            paragraphs[str(order[1])].insert(0, SLIPPED)
            rights = Rights(edit_text=True, restructure=False)
            verdicts.append(room.apply_client_update(client.get_update(before), rights))
        return await original(self, work)

    monkeypatch.setattr(ConsensusWorkflow, "in_session", typing_meanwhile)
    return verdicts


def test_an_edit_during_adoption_is_compensated_and_the_adopted_hash_is_of_the_frozen_text(
    app: App, monkeypatch: pytest.MonkeyPatch
) -> None:
    verdicts = edit_while_recording(app, monkeypatch, "_adopt.<locals>.record")
    adopted = post(app, "/adopt")
    assert adopted.status_code == 200, adopted.text
    [verdict] = verdicts
    assert not verdict.accepted and "being adopted" in verdict.refused[0]
    with Session(app.engine) as session:
        final = json.loads(adoption_of(session, DOC).final_text)
    live = read_paragraphs(Store(app.engine).load(DOC).to_doc())
    assert [paragraph["text"] for paragraph in final] == [paragraph.text for paragraph in live]
    assert not any(SLIPPED in paragraph.text for paragraph in live)
    assert document(app)["status"] == "adopted"


def test_an_edit_while_silence_starts_is_compensated(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    before = [paragraph["text"] for paragraph in document(app)["paragraphs"]]
    verdicts = edit_while_recording(app, monkeypatch, "start_silence.<locals>.record")
    started = post(app, "/silence", {})
    assert started.status_code == 201, started.text
    [verdict] = verdicts
    assert not verdict.accepted and "going under silence procedure" in verdict.refused[0]
    assert [paragraph["text"] for paragraph in document(app)["paragraphs"]] == before


def test_the_hold_ends_when_the_act_is_refused(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """An adoption refused after the hold began leaves the text as editable as before."""

    def refuse(doc: Doc[Any], as_is: Any) -> None:
        raise Conflict("refused for this test", code="translations_stale")

    monkeypatch.setattr(workflow_module, "_check_versions", refuse)
    assert post(app, "/adopt").status_code == 409
    monkeypatch.undo()
    # Typing while the PPT brackets another paragraph (an act that holds nothing) is accepted again.
    verdicts = edit_while_recording(app, monkeypatch, "change_paragraph.<locals>")
    first = document(app)["paragraphs"][0]["id"]
    assert post(app, f"/paragraphs/{first}/status", {"status": "bracketed"}).status_code == 200
    [verdict] = verdicts
    assert verdict.accepted, verdict.refused
