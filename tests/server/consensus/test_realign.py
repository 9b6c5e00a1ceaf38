"""A lock recorded in the database but not yet mirrored into `info` (a crash in between) holds anyway:
the room realigns `info` with the records as it opens."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.orm import Session

from drafting.consensus.records import ParagraphChange, record_paragraph_changes, set_document_status
from drafting.consensus.rules import ParagraphState
from drafting.kinds import DocumentStatus, ParagraphStatus
from drafting.layout import read_document_info, read_paragraphs
from drafting.store import Store
from tests.server.conftest import App
from tests.server.test_sync_socket import DELEGATE_GTM, connect, send_updates, text_of, until


def test_a_recorded_lock_holds_even_if_info_missed_it(app: App) -> None:
    paragraph = read_paragraphs(Store(app.engine).load(1).to_doc())[1]
    locked = ParagraphState(ParagraphStatus.AGREED_AD_REF, True)
    with Session(app.engine) as session, session.begin():
        change = ParagraphChange(
            paragraph.id, paragraph.label, ParagraphState(ParagraphStatus.OPEN, False), locked
        )
        now = datetime.now(UTC)
        record_paragraph_changes(session, 1, None, [change], cause="status", reason="", now=now)
    # Opens the room. Its first answer is the stored state (docs/decisions/0042), so the edit below may
    # leave before the realigned `info` arrives: it waits for the realignment and is refused all the same.
    socket, client = connect(app, DELEGATE_GTM)
    client.text(paragraph.id).insert(0, "Cambio tardío 🕰️ ")
    send_updates(socket, client)
    until(socket, client, lambda _m: bool(client.denied))
    until(socket, client, lambda _m: text_of(client, 1) == paragraph.text)
    until(socket, client, lambda _m: client.info[paragraph.id]["locked"] is True)
    assert client.info[paragraph.id]["status"] == "agreed_ad_ref"
    assert read_paragraphs(Store(app.engine).load(1).to_doc())[1].text == paragraph.text


def test_a_recorded_document_status_is_mirrored(app: App) -> None:
    with Session(app.engine) as session, session.begin():
        set_document_status(session, 2, DocumentStatus.UNDER_SILENCE)
    socket, client = connect(app, DELEGATE_GTM, document_id=2)
    until(socket, client, lambda _m: client.info["document"]["status"] == "under_silence")
    assert read_document_info(Store(app.engine).load(2).to_doc())["status"] == "under_silence"
