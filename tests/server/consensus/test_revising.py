"""The memory's wiring in the workflow: senders of the server's own edits, the revision made at adoption,
and every act the audit trail must hold."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from drafting import audit
from drafting.authorship_index import authorship_at
from drafting.catalogue import user_by_email
from drafting.consensus.records import Adoption
from drafting.kinds import Role, UpdateOrigin
from drafting.models import Delegation
from drafting.rendered import from_json, render, to_canonical
from drafting.revisions import revisions_of, verify_revisions
from drafting.senders import Sender
from drafting.store import Store
from server.consensus.revising import archived_doc
from tests.server.conftest import ORIGIN, App
from tests.server.consensus.test_text_changes import (
    DOC,
    HEAD_GTM,
    HEAD_MEX,
    PPT,
    amendment,
    incorporate,
    paragraphs,
)


def ids(app: App, *emails: str) -> list[int]:
    with Session(app.engine) as session:
        return [user_by_email(session, email).id for email in emails]


def delegation_id(app: App, code: str) -> int:
    with Session(app.engine) as session:
        return session.scalars(select(Delegation.id).where(Delegation.code == code)).one()


def actions(app: App) -> list[str]:
    with Session(app.engine) as session:
        return [entry.action for entry in audit.entries(session)]


def test_an_incorporated_amendment_is_the_proposing_delegations_and_the_ppts(app: App) -> None:
    pid = paragraphs(app)[3]["id"]
    proposed = paragraphs(app)[3]["text"] + " y regular ✨"
    version_id = amendment(app, HEAD_GTM, pid, "replace", proposed)
    store = Store(app.engine)
    before = store.last_seq(1)
    assert incorporate(app, version_id).status_code == 200
    rows = list(store.log(1, after=before))
    [ppt] = ids(app, PPT)
    gtm = delegation_id(app, "GTM")
    assert rows[0].sender == Sender.amendment(ppt, gtm, version_id)
    spans = [s for s in authorship_at(store, 1, store.last_seq(1)) if s.paragraph_id == pid]
    assert [s.sender.delegation_id for s in spans if s.sender.origin is UpdateOrigin.AMENDMENT] == [gtm]
    assert "amendment_incorporated" in actions(app)


def test_a_status_change_is_the_consensus_acts_on_behalf_of_the_ppt(app: App) -> None:
    pid = paragraphs(app)[1]["id"]
    store = Store(app.engine)
    before = store.last_seq(1)
    locked = app.client.post(
        f"{DOC}/paragraphs/{pid}/lock", json={"reason": "ad ref"}, headers=app.bearer(PPT)
    )
    assert locked.status_code == 200, locked.text
    [row] = list(store.log(1, after=before))
    assert row.sender == Sender.server(UpdateOrigin.CONSENSUS, ids(app, PPT)[0])


def test_adoption_makes_the_final_revision_with_the_adopted_text(app: App) -> None:
    adopted = app.client.post(f"{DOC}/adopt", headers=app.bearer(PPT))
    assert adopted.status_code == 200, adopted.text
    with Session(app.engine) as session:
        [final] = revisions_of(session, 1)
        adoption = session.get(Adoption, 1)
        assert adoption is not None
        assert (final.final, final.name, final.made_by_id) == (True, "Final text", ids(app, PPT)[0])
        assert final.seq == Store(app.engine).last_seq(1)
        assert final.text == to_canonical(render(archived_doc(adoption.final_state or b"")))
        assert from_json(final.text).status.value == "adopted"
        assert verify_revisions(session, 1) == []
        assert audit.verify(session, every_chain=True) == []
    assert {"document_adopted", "revision_made"} <= set(actions(app))


def test_comments_and_positions_are_in_the_audit_trail(app: App) -> None:
    pid = paragraphs(app)[2]["id"]
    started = app.client.post(
        f"{DOC}/comments",
        json={"paragraph_id": pid, "body": "¿Y los niños?", "visibility": "participants"},
        headers=app.bearer(HEAD_MEX),
    )
    assert started.status_code == 201, started.text
    thread: dict[str, Any] = started.json()
    reply = app.client.post(
        f"{DOC}/comments/{thread['id']}/replies", json={"body": "Sí"}, headers=app.bearer(HEAD_GTM)
    )
    assert reply.status_code == 201
    assert (
        app.client.post(f"{DOC}/comments/{thread['id']}/resolve", headers=app.bearer(HEAD_MEX)).status_code
        == 200
    )
    amendment(app, HEAD_GTM, pid, "replace", "Otro texto")
    with Session(app.engine) as session:
        found = audit.entries(session, audit.Filter(action="comment_"))
        assert [e.action for e in found] == ["comment_added", "comment_replied", "comment_resolved"]
        assert found[0].subject == f"document/1/paragraph/{pid}/comment/{thread['id']}"
        assert "¿Y los niños?" not in found[0].detail  # the words stay with the comment
        [submitted] = audit.entries(session, audit.Filter(action="position_submitted"))
        assert submitted.subject == f"document/1/paragraph/{pid}/position/GTM"
        assert submitted.actor_id == ids(app, HEAD_GTM)[0]
        assert audit.verify(session, every_chain=True) == []


def test_sign_ins_and_role_changes_are_recorded_in_the_installations_chain(app: App) -> None:
    [user_id] = ids(app, HEAD_MEX)
    signed_in = app.client.post("/api/demo/signin", json={"user_id": user_id}, headers={"Origin": ORIGIN})
    assert signed_in.status_code == 204, signed_in.text
    with Session(app.engine) as session, session.begin():
        user = user_by_email(session, HEAD_MEX)
        user.role = Role.DELEGATE
    with Session(app.engine) as session:
        found = audit.entries(session, audit.Filter(installation=True))
        signed = [e for e in found if e.action == "signed_in"]
        changed = [e for e in found if e.action == "role_changed"]
        assert signed and signed[-1].detail == "via demo"
        assert [e.detail for e in changed] == [f"{HEAD_MEX}: delegate of MEX"]
        assert audit.verify(session, every_chain=True) == []
