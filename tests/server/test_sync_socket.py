"""The sync socket through the ASGI app: handshake, live edits, refusals and bad input."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest
from pycrdt import Text
from sqlalchemy.orm import Session
from starlette.testclient import WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from drafting.catalogue import create_document, create_negotiation
from drafting.kinds import DocumentKind, ParagraphKind
from drafting.layout import read_paragraphs
from drafting.store import Store
from server.sync.protocol import (
    AwarenessEntry,
    AwarenessMessage,
    SyncMessage,
    SyncType,
    decode_awareness,
    encode_awareness,
    encode_awareness_entries,
    encode_sync,
)
from tests.drafting import raw_updates as raw
from tests.server.conftest import App
from tests.support.yclient import YClient

Y_PY_SEGFAULT = bytes.fromhex("01020200448e5acf2403a924e94e3f")
HEAD_MEX = "head.mex@demo.consenso"
DELEGATE_GTM = "delegate.gtm@demo.consenso"
OBSERVER = "observer.iom@demo.consenso"
PPT = "ppt@demo.consenso"


def connect(app: App, email: str, document_id: int = 1) -> tuple[WebSocketTestSession, YClient]:
    socket = app.socket(f"/sync/{document_id}", app.bearer(email))
    client = YClient()
    socket.send_bytes(client.step1())
    until(socket, client, lambda m: isinstance(m, SyncMessage) and m.kind is SyncType.STEP2)
    return socket, client


def until(socket: WebSocketTestSession, client: YClient, condition, limit: int = 200) -> None:  # type: ignore[no-untyped-def]
    """Read frames until `condition(message)` holds (bounded by a count, not a clock)."""
    for _ in range(limit):
        message = client.receive(socket.receive_bytes(), reply=socket.send_bytes)
        if condition(message):
            return
    raise AssertionError("condition not met within the frames received")


def send_updates(socket: WebSocketTestSession, client: YClient) -> None:
    for frame in client.take_updates():
        socket.send_bytes(frame)


def text_of(client: YClient, index: int) -> str:
    return str(client.text(client.order[index]))


def test_a_client_receives_the_document_on_connect(app: App) -> None:
    socket, client = connect(app, HEAD_MEX)
    paragraphs = [str(client.text(pid)) for pid in client.order]
    assert any(p.startswith("Taking into account") for p in paragraphs)
    assert client.info["document"]["title"] == "Declaration of the XX Vice-Ministerial Meeting"
    socket.close()


def test_an_edit_reaches_the_other_clients_and_is_stored(app: App) -> None:
    socket_a, a = connect(app, HEAD_MEX)
    socket_b, b = connect(app, DELEGATE_GTM)
    a.text(a.order[1]).insert(0, "Migración 🌎 ")
    send_updates(socket_a, a)
    until(socket_b, b, lambda _m: text_of(b, 1).startswith("Migración 🌎 "))
    until(socket_a, a, lambda m: isinstance(m, SyncMessage) and m.kind is SyncType.UPDATE)
    stored = Store(app.engine).load(1).to_doc()
    assert read_paragraphs(stored)[1].text.startswith("Migración 🌎 ")
    socket_a.close()
    socket_b.close()


def test_the_ppt_inserting_a_paragraph_gets_a_bis_label_from_the_server(app: App) -> None:
    socket, client = connect(app, PPT)
    after = client.order[1]
    label = client.info[after]["label"]
    with client.doc.transaction():
        client.paragraphs["p00000000be01"] = Text("Reconociendo el aporte de la sociedad civil 🤝")
        client.order.insert(2, "p00000000be01")
    send_updates(socket, client)
    until(socket, client, lambda _m: "p00000000be01" in client.info)
    assert client.info["p00000000be01"]["label"] == f"{label}bis"
    assert client.info["p00000000be01"]["locked"] is False
    socket.close()


@pytest.mark.parametrize(
    ("path", "headers"),
    [
        ("/sync/1", {}),
        ("/sync/1", {"Authorization": "Bearer cst_not-a-token"}),
        ("/sync/1", {"Authorization": "Basic dXNlcjpwYXNz"}),
        ("/sync/999", None),
        ("/sync/abc", None),
    ],
)
def test_a_socket_without_valid_credentials_or_document_is_refused_before_accept(
    app: App, path: str, headers: dict[str, str] | None
) -> None:
    with pytest.raises(WebSocketDisconnect) as refused:
        app.socket(path, app.bearer(HEAD_MEX) if headers is None else headers)
    assert refused.value.code == 1008


def test_a_token_in_the_query_string_is_not_accepted(app: App) -> None:
    token = app.token(HEAD_MEX)
    with pytest.raises(WebSocketDisconnect):
        app.socket(f"/sync/1?token={token}")


def test_a_session_cookie_counts_only_from_an_allowed_origin(app: App) -> None:
    users = app.client.get("/api/demo/users").json()
    user_id = next(u["id"] for u in users if u["email"] == HEAD_MEX)
    signed = app.client.post(
        "/api/demo/signin", json={"user_id": user_id}, headers={"Origin": "http://testserver"}
    )
    assert signed.status_code == 204
    with pytest.raises(WebSocketDisconnect):
        app.socket("/sync/1", {"Origin": "https://evil.example"})
    with app.client.websocket_connect("/sync/1", headers={"Origin": "http://testserver"}) as socket:
        assert isinstance(YClient().receive(socket.receive_bytes()), SyncMessage)


def test_a_delegation_outside_the_negotiation_is_refused(app: App) -> None:
    with Session(app.engine) as session, session.begin():
        negotiation = create_negotiation(session, "Reunión bilateral", "MEX", ["MEX", "CAN"])
        document = create_document(
            session, negotiation.id, DocumentKind.DECLARATION, "Privada", [(ParagraphKind.OPERATIVE, "Texto")]
        )
        document_id = document.id
    with pytest.raises(WebSocketDisconnect):
        app.socket(f"/sync/{document_id}", app.bearer(DELEGATE_GTM))


@pytest.mark.parametrize(
    ("frame", "code"),
    [
        pytest.param(Y_PY_SEGFAULT, 1007, id="y-py-segfault-bytes-as-frame"),
        pytest.param(encode_sync(SyncType.UPDATE, Y_PY_SEGFAULT), 1007, id="y-py-segfault-bytes-as-update"),
        pytest.param(encode_sync(SyncType.STEP2, b"\xff\xff\xff"), 1007, id="undecodable-step2"),
        pytest.param(bytes([0, 2, 0x85]), 1007, id="truncated-varint"),
        pytest.param(
            bytes([0, 2, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]), 1007, id="overlong-varint"
        ),
        pytest.param(bytes([0, 2, 10, 1, 2]), 1007, id="length-past-the-end"),
        pytest.param(bytes([7]), 1003, id="unknown-message-type"),
        pytest.param(bytes([0, 5, 0]), 1003, id="unknown-sync-type"),
        pytest.param(bytes(70 * 1024), 1009, id="oversized-frame"),
        pytest.param(encode_awareness(b"\x01\x05\x01\x03{x}"), 1007, id="awareness-state-not-json"),
    ],
)
def test_bad_input_closes_only_that_socket_with_the_fitting_code(app: App, frame: bytes, code: int) -> None:
    bystander, watcher = connect(app, DELEGATE_GTM)
    with app.client.websocket_connect("/sync/1", headers=app.bearer(HEAD_MEX)) as attacker:
        attacker.receive_bytes()  # the server's sync step 1
        attacker.send_bytes(frame)
        closed = attacker.receive()
        assert closed == {"type": "websocket.close", "code": code, "reason": closed["reason"]}
        assert closed["reason"]
    # The document and the other connections carry on.
    editor, client = connect(app, HEAD_MEX)
    client.text(client.order[0]).insert(0, "Sigue 👍 ")
    send_updates(editor, client)
    until(bystander, watcher, lambda _m: text_of(watcher, 0).startswith("Sigue 👍 "))
    editor.close()
    bystander.close()


def test_an_update_the_engine_applies_only_in_part_closes_with_1007_and_leaves_nothing(app: App) -> None:
    bystander, watcher = connect(app, DELEGATE_GTM)
    attacker, client = connect(app, HEAD_MEX)
    client.text(client.order[0]).insert(0, "A")  # the attacker's character (its client id, clock 0)
    send_updates(attacker, client)
    until(bystander, watcher, lambda _m: text_of(watcher, 0).startswith("A"))
    own = client.doc.client_id
    attacker.send_bytes(encode_sync(SyncType.UPDATE, raw.partly_applicable(own + 1, (own, 0))))
    closed = next(m for m in (attacker.receive() for _ in range(50)) if m["type"] == "websocket.close")
    assert closed["code"] == 1007 and "malformed" in closed["reason"]
    # The document carries on, and holds nothing of the refused update.
    editor, other = connect(app, HEAD_MEX)
    other.text(other.order[0]).insert(0, "Sigue ")
    send_updates(editor, other)
    until(bystander, watcher, lambda _m: text_of(watcher, 0).startswith("Sigue A"))
    late, newcomer = connect(app, DELEGATE_GTM)
    assert "junk" not in list(newcomer.doc.keys())
    assert text_of(newcomer, 0).startswith("Sigue A")
    for socket in (late, editor, bystander):
        socket.close()


def test_a_text_frame_is_refused_with_1003(app: App) -> None:
    with app.client.websocket_connect("/sync/1", headers=app.bearer(HEAD_MEX)) as socket:
        socket.receive_bytes()
        socket.send_text("hola")
        assert socket.receive()["code"] == 1003


def test_an_observer_reads_but_its_edits_never_reach_the_document(app: App) -> None:
    socket_o, observer = connect(app, OBSERVER)
    socket_d, delegate = connect(app, DELEGATE_GTM)
    before = text_of(observer, 0)
    observer.text(observer.order[0]).insert(0, "Intrusión ")
    send_updates(socket_o, observer)
    until(socket_o, observer, lambda _m: bool(observer.denied))
    assert "may not edit the text" in observer.denied[0]
    # The server compensated: the observer's own copy is back to the agreed text.
    until(socket_o, observer, lambda _m: text_of(observer, 0) == before)
    # A later edit by a delegate arrives; the observer's never did.
    delegate.text(delegate.order[1]).insert(0, "Legítimo ")
    send_updates(socket_d, delegate)
    until(socket_d, delegate, lambda _m: text_of(delegate, 1).startswith("Legítimo "))
    assert text_of(delegate, 0) == before
    assert read_paragraphs(Store(app.engine).load(1).to_doc())[0].text == before


def test_a_delegate_cannot_restructure_the_text(app: App) -> None:
    socket, client = connect(app, HEAD_MEX)
    order_before = list(client.order)
    with client.doc.transaction():
        client.paragraphs["pintruder0001"] = Text("Nuevo párrafo 🚫")
        client.order.insert(0, "pintruder0001")
    send_updates(socket, client)
    until(socket, client, lambda _m: bool(client.denied))
    until(socket, client, lambda _m: list(client.order) == order_before)
    assert [p.id for p in read_paragraphs(Store(app.engine).load(1).to_doc())] == order_before


def awareness_of(message: object) -> dict[int, object]:
    if not isinstance(message, AwarenessMessage):
        return {}
    return {e.client_id: json.loads(e.state) for e in decode_awareness(message.payload)}


def send_awareness(socket: WebSocketTestSession, *entries: tuple[int, int, object]) -> None:
    encoded = [AwarenessEntry(c, k, json.dumps(state, ensure_ascii=False)) for c, k, state in entries]
    socket.send_bytes(encode_awareness(encode_awareness_entries(encoded)))


def test_presence_is_stamped_with_the_signed_in_user_and_cleared_when_its_owner_leaves(app: App) -> None:
    socket_a, a = connect(app, HEAD_MEX)
    socket_b, b = connect(app, DELEGATE_GTM)
    forged = {"user": {"name": "Guatemala", "delegation": "GTM"}, "color": "#ee6352", "cursor": {"anchor": 3}}
    send_awareness(socket_a, (4242, 1, forged))
    seen: dict[int, object] = {}
    until(socket_b, b, lambda m: bool(seen.update(awareness_of(m)) or 4242 in seen))
    assert seen[4242] == {
        "user": {"id": 2, "name": "Andrés Ramírez (Head, Mexico)", "delegation": "MEX", "role": "head"},
        "color": "#ee6352",
        "cursor": {"anchor": 3},
    }
    until(socket_a, a, lambda m: 4242 in awareness_of(m))  # A is told its own stamped state too
    # B re-sends A's state (stock clients do) and tries to clear it: neither reaches anyone.
    send_awareness(socket_b, (4242, 1, forged), (4242, 2, None), (77, 1, {"color": "#000"}))
    seen.clear()
    until(socket_a, a, lambda m: bool(seen.update(awareness_of(m)) or 77 in seen))
    assert 4242 not in seen
    socket_b.close()  # B leaves: only its own id is cleared
    seen.clear()
    until(socket_a, a, lambda m: bool(seen.update(awareness_of(m)) or 77 in seen))
    assert seen == {77: None}
    socket_c, c = connect(app, OBSERVER)
    socket_c.send_bytes(bytes((3,)))  # query awareness: A's state is still there, B's is gone
    seen.clear()
    until(socket_c, c, lambda m: bool(seen.update(awareness_of(m)) or 4242 in seen))
    assert 77 not in seen
    socket_a.close()
    seen.clear()
    until(socket_c, c, lambda m: bool(seen.update(awareness_of(m)) or 4242 in seen))
    assert seen == {4242: None}
    socket_c.close()


@pytest.fixture
def budgeted_app(app: App) -> App:
    """The app with a small per-connection budget: 50 messages per second, so 100 at once."""
    services = app.client.app.state.services  # type: ignore[attr-defined]
    services.settings = replace(services.settings, sync_messages_per_second=50)
    return app


def test_a_flood_waits_within_its_budget_while_another_connection_is_served_and_nothing_is_lost(
    budgeted_app: App,
) -> None:
    app = budgeted_app
    socket_f, flooder = connect(app, HEAD_MEX)
    socket_o, other = connect(app, DELEGATE_GTM)
    socket_w, watcher = connect(app, PPT)
    flood = 200  # 100 within the burst, then 100 more at 50 a second
    for n in range(flood):
        flooder.text(flooder.order[2]).insert(0, f"[{n}]")
    started = time.monotonic()
    send_updates(socket_f, flooder)
    other.text(other.order[0]).insert(0, "Pasa primero ")
    send_updates(socket_o, other)
    until(socket_w, watcher, lambda _m: text_of(watcher, 0).startswith("Pasa primero "), limit=1000)
    assert f"[{flood - 1}]" not in text_of(watcher, 2), "the flood was handled before the other's edit"
    until(socket_w, watcher, lambda _m: text_of(watcher, 2).startswith(f"[{flood - 1}]"), limit=1000)
    # A lower bound, not a timing guess: 100 messages beyond the burst cannot pass faster at 50 a second.
    assert time.monotonic() - started >= 1.9
    assert all(f"[{n}]" in text_of(watcher, 2) for n in range(flood))
    stored = read_paragraphs(Store(app.engine).load(1).to_doc())[2].text
    assert all(f"[{n}]" in stored for n in range(flood))
