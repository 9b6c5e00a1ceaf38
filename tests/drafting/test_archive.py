"""Archive bundles: export, verify every hash, import into a fresh database with the same hashes and
texts; damage and tampering refused, saying what is wrong, and nothing half-imported."""

from __future__ import annotations

import base64
import hashlib
import io
import json
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, func, select, text
from sqlalchemy.orm import Session

from drafting import audit, history
from drafting.archive import export_bundle, read_bundle, verify_bundle
from drafting.archive_import import import_bundle
from drafting.catalogue import add_delegation, add_user, create_document, create_negotiation
from drafting.comments import add_comment
from drafting.consensus.info import final_paragraphs
from drafting.consensus.records import record_adoption
from drafting.consensus.rules import final_text
from drafting.database import make_engine, upgrade
from drafting.deliberation_models import Comment
from drafting.errors import BundleRefused
from drafting.kinds import (
    AmendmentKind,
    DelegationKind,
    DocumentKind,
    ParagraphKind,
    Role,
    Stance,
    Visibility,
)
from drafting.languages import Languages
from drafting.layout import bind, read_paragraphs
from drafting.models import AuditEntry, Negotiation, User
from drafting.positions import Proposal, submit
from drafting.rendered import render
from drafting.revisions import make_revision, revisions_of, verify_revisions
from drafting.senders import Sender
from drafting.store import PendingUpdate, Store

AT = datetime(2015, 11, 11, 9, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Archived:
    negotiation_id: int
    document_id: int


def negotiate(engine: Engine) -> Archived:
    """A small negotiation with one of everything a bundle carries."""
    with Session(engine) as session, session.begin():
        add_delegation(session, "MEX", "México", DelegationKind.MEMBER_STATE)
        add_delegation(session, "GTM", "Guatemala", DelegationKind.MEMBER_STATE)
        add_delegation(session, "IOM", "OIM", DelegationKind.INTERNATIONAL_ORGANIZATION)
        negotiation = create_negotiation(session, "Reunión Viceministerial 🌎", "MEX", ["MEX", "GTM"])
        ppt = add_user(session, "ppt@mex.example", "Presidencia", Role.PPT, "MEX")
        head = add_user(session, "jefa@gtm.example", "Jefa GTM", Role.HEAD, "GTM")
        add_user(session, "nadie@iom.example", "Observer", Role.OBSERVER, "IOM")  # not in this negotiation
        document = create_document(
            session,
            negotiation.id,
            DocumentKind.DECLARATION,
            "Declaración",
            [
                (ParagraphKind.PREAMBULAR, "Reconociendo la contribución de las personas migrantes;"),
                (ParagraphKind.OPERATIVE, "Acuerdan fortalecer la cooperación [regional];"),
            ],
            created_by=ppt.id,
            languages=Languages("es", ("en",)),
            versions={
                "en": [
                    "Recognizing the contribution of migrants;",
                    "Agree to strengthen [regional] cooperation;",
                ]
            },
        )
        ids = Archived(negotiation.id, document.id)
        ppt_id, head_id, gtm = ppt.id, head.id, head.delegation_id
    store = Store(engine)
    doc = store.load(ids.document_id).to_doc()
    for seq, words in ((2, " y segura"), (3, " 👍🏽")):
        before = doc.get_state()
        text_ = bind(doc)[1][read_paragraphs(doc)[1].id]
        text_ += words
        store.commit(
            [PendingUpdate(ids.document_id, seq, doc.get_update(before), Sender.participant(head_id, gtm))]
        )
    with Session(engine) as session, session.begin():
        ppt = session.get(User, ppt_id)
        head = session.get(User, head_id)
        assert ppt is not None and head is not None
        paragraph = read_paragraphs(doc)[1].id
        add_comment(
            session,
            doc,
            ids.document_id,
            head,
            paragraph,
            "¿Y la protección? 🌎",
            Visibility.PARTICIPANTS,
            (0, 8),
        )
        submit(
            session,
            doc,
            ids.document_id,
            paragraph,
            head,
            0,
            Proposal(Stance.AMEND, AmendmentKind.REPLACE, "Acuerdan fortalecer la cooperación;"),
        )
        make_revision(session, ids.document_id, doc, 1, made_by=ppt.id, at=AT)
        make_revision(session, ids.document_id, doc, 3, made_by=ppt.id, at=AT + timedelta(days=1))
        audit.record(session, ppt.id, "revision_made", f"document/{ids.document_id}", "Rev.1")
        final = final_text(final_paragraphs(doc))
        record_adoption(session, ids.document_id, ppt.id, final, AT + timedelta(days=2))
        make_revision(session, ids.document_id, doc, 3, made_by=ppt.id, at=AT + timedelta(days=2), final=True)
        audit.record(
            session, ppt.id, "sign_in", f"user/{ppt.id}", "not the negotiation's: installation chain"
        )
    return ids


@pytest.fixture
def archived(engine: Engine) -> Archived:
    return negotiate(engine)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """Another installation: a fresh, migrated database."""
    if request.param == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'other.db'}")
    else:
        admin = create_engine(request.getfixturevalue("postgres_database"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS other_installation WITH (FORCE)"))
            connection.execute(text("CREATE DATABASE other_installation"))
        engine = make_engine(
            admin.url.set(database="other_installation").render_as_string(hide_password=False)
        )
        admin.dispose()
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture
def sqlite_target(tmp_path: Path) -> Iterator[Engine]:
    engine = make_engine(f"sqlite:///{tmp_path / 'refusing.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def snapshot(engine: Engine, ids: Archived) -> dict[str, Any]:
    """The hashes and texts an installation holds for the negotiation."""
    store = Store(engine)
    with Session(engine) as session:
        return {
            "revisions": [(r.name, r.sha256, r.text) for r in revisions_of(session, ids.document_id)],
            "audit": [
                e.hash for e in audit.entries(session, audit.Filter(negotiation_id=ids.negotiation_id))
            ],
            "log": [row.digest for row in store.log(ids.document_id)],
            "text": render(store.load(ids.document_id).to_doc()),
            "comments": [c.body for c in session.scalars(select(Comment))],
            "adopted": session.execute(text("SELECT sha256, final_text FROM adoptions")).all(),
            "senders": [row.sender for row in store.log(ids.document_id)],
        }


def test_export_verify_and_import_into_another_installation(
    engine: Engine, archived: Archived, target: Engine
) -> None:
    bundle = export_bundle(engine, archived.negotiation_id)
    assert verify_bundle(bundle) == []
    names = zipfile.ZipFile(io.BytesIO(bundle)).namelist()
    assert {
        "manifest.json",
        "tables/document_updates.json",
        f"final/document-{archived.document_id}.json",
    } <= set(names)
    assert f"exports/document-{archived.document_id}/02-final-text.docx" in names
    assert f"exports/document-{archived.document_id}/01-rev-1.akn.xml" in names
    for language_member in ("02-final-text.en.docx", "02-final-text.es-en.docx"):  # a version, and both
        assert f"exports/document-{archived.document_id}/{language_member}" in names
    imported = import_bundle(target, bundle)
    assert (imported.negotiation_id, imported.documents) == (archived.negotiation_id, [archived.document_id])
    assert snapshot(target, archived) == snapshot(engine, archived)
    with Session(target) as session:
        assert verify_revisions(session, archived.document_id) == []
        assert audit.verify(session, archived.negotiation_id) == []
        assert session.scalar(select(func.count()).select_from(User)) == 2  # the observer stayed home
        # The target's own ids and chains go on after the imported ones.
        audit.record(session, None, "archive_imported", f"negotiation/{archived.negotiation_id}", "")
        session.commit()
        assert audit.verify(session, archived.negotiation_id) == []
    assert Store(target).verify_log(archived.document_id) == []
    assert history.text_at(Store(target), archived.document_id, 2) == history.text_at(
        Store(engine), archived.document_id, 2
    )
    with Session(target) as session, session.begin():
        add_delegation(session, "PAN", "Panamá", DelegationKind.MEMBER_STATE)
        assert create_negotiation(session, "Otra", "PAN").id > archived.negotiation_id


def test_importing_twice_is_refused_and_changes_nothing(
    engine: Engine, archived: Archived, sqlite_target: Engine
) -> None:
    bundle = export_bundle(engine, archived.negotiation_id)
    import_bundle(sqlite_target, bundle)
    before = snapshot(sqlite_target, archived)
    with pytest.raises(BundleRefused, match="already exists here") as refused:
        import_bundle(sqlite_target, bundle)
    assert f"negotiations {archived.negotiation_id} already exists here" in refused.value.problems
    assert snapshot(sqlite_target, archived) == before


def test_a_clashing_identity_refuses_the_whole_bundle(
    engine: Engine, archived: Archived, sqlite_target: Engine
) -> None:
    bundle = export_bundle(engine, archived.negotiation_id)
    with Session(sqlite_target) as session, session.begin():
        add_delegation(session, "GTM", "Guatemala", DelegationKind.MEMBER_STATE)  # id 1 here, 2 there
    with pytest.raises(BundleRefused) as refused:
        import_bundle(sqlite_target, bundle)
    assert "delegations 1 is GTM here but MEX in the bundle" in refused.value.problems
    with Session(sqlite_target) as session:
        assert session.scalar(select(func.count()).select_from(Negotiation)) == 0
        assert session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def rewrite(
    bundle: bytes, member: str, change: Callable[[Any], None], *, manifest_too: bool = False
) -> bytes:
    """The bundle with one table's JSON changed (and, to hide it, the manifest's hash of it)."""
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    value = json.loads(members[member])
    change(value)
    members[member] = json.dumps(value, ensure_ascii=False).encode()
    if manifest_too:
        manifest = json.loads(members["manifest.json"])
        manifest["members"][member] = hashlib.sha256(members[member]).hexdigest()
        members["manifest.json"] = json.dumps(manifest).encode()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def flip_base64(value: dict[str, str]) -> None:
    data = bytearray(base64.b64decode(value["b64"]))
    data[len(data) // 2] ^= 1
    value["b64"] = base64.b64encode(bytes(data)).decode()


TAMPERINGS = [
    (
        "tables/document_updates.json",
        lambda rows: flip_base64(rows[1]["data"]),
        "document/{d}/log: update 2: its bytes or sender",
    ),
    (
        "tables/document_updates.json",
        lambda rows: rows[2].__setitem__("user_id", None),
        "document/{d}/log: update 3: its bytes or sender",
    ),
    (
        "tables/revisions.json",
        lambda rows: rows[1].__setitem__("text", rows[1]["text"].replace("segura", "seguro")),
        "document/{d}/revisions: revision Rev.1 (number 1): its content no longer matches its SHA-256",
    ),
    (
        "tables/revisions.json",
        lambda rows: flip_base64(rows[0]["state"]),
        "document/{d}/revisions: revision Zero draft (number 0): its content no longer matches",
    ),
    (
        "tables/audit_entries.json",
        lambda rows: rows[0].__setitem__("detail", rows[0]["detail"] + "!"),
        "negotiation/{n}: audit entry",
    ),
    (
        "tables/adoptions.json",
        lambda rows: rows[0].__setitem__("final_text", rows[0]["final_text"].replace("Acuerdan", "Acuerda")),
        "document/{d}/adoption: the adopted text: it no longer matches its SHA-256",
    ),
]


@pytest.mark.parametrize(("member", "change", "expected"), TAMPERINGS)
def test_a_tampered_bundle_is_refused_saying_what_is_wrong(
    engine: Engine,
    archived: Archived,
    sqlite_target: Engine,
    member: str,
    change: Callable[[Any], None],
    expected: str,
) -> None:
    bundle = export_bundle(engine, archived.negotiation_id)
    expected = expected.format(d=archived.document_id, n=archived.negotiation_id)
    for hidden in (False, True):
        tampered = rewrite(bundle, member, change, manifest_too=hidden)
        problems = [str(b) for b in verify_bundle(tampered)]
        assert any(p.startswith(expected) for p in problems), problems
        assert any(member in p for p in problems) is not hidden
        with pytest.raises(BundleRefused):
            import_bundle(sqlite_target, tampered)
    with Session(sqlite_target) as session:
        assert session.scalar(select(func.count()).select_from(Negotiation)) == 0


def test_a_damaged_bundle_is_refused(engine: Engine, archived: Archived, sqlite_target: Engine) -> None:
    bundle = export_bundle(engine, archived.negotiation_id)
    assert str(verify_bundle(bundle[: len(bundle) // 2])[0]).startswith("bundle: not a readable ZIP file")
    assert str(verify_bundle(b"PK\x03\x04 not really")[0]).startswith("bundle: not a readable ZIP file")
    with zipfile.ZipFile(io.BytesIO(bundle)) as archive:
        members = {name: archive.read(name) for name in archive.namelist() if name != "manifest.json"}
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    with pytest.raises(BundleRefused, match=r"no manifest\.json"):
        import_bundle(sqlite_target, out.getvalue())
    removed = rewrite(bundle, "tables/audit_entries.json", lambda rows: rows.pop(0))
    assert "(number 2): entry 1 is missing before it" in " ".join(str(b) for b in verify_bundle(removed))
    assert read_bundle(bundle).negotiation_id == archived.negotiation_id
