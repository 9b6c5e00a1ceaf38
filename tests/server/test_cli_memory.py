"""The historical memory from the command line: audit verify and export, document verify, and archive
bundles exported, verified and imported (SQLite to SQLite and to PostgreSQL, the same hashes and texts);
a tampered bundle is refused saying what is wrong, and nothing is half-imported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text, update
from sqlalchemy.orm import Session

from drafting import audit
from drafting.database import make_engine, upgrade
from drafting.models import AuditEntry, DocumentUpdate, Negotiation
from tests.drafting.test_archive import flip_base64, negotiate, rewrite, snapshot
from tests.server.test_cli import run


@pytest.fixture
def source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'source.db'}"
    monkeypatch.setenv("CONSENSO_DATABASE_URL", url)
    return url


def test_audit_verify_finds_a_changed_entry_and_export_writes_the_chain(
    source: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(source)
    upgrade(engine)
    ids = negotiate(engine)
    code, out, err = run(["audit", "verify"], capsys)
    assert (code, err) == (0, "") and out.startswith("audit trail intact:")
    file = tmp_path / "trail.jsonl"
    code, out, _ = run(["audit", "export", str(file), "--negotiation", str(ids.negotiation_id)], capsys)
    lines = [json.loads(line) for line in file.read_text(encoding="utf-8").splitlines()]
    assert code == 0 and out.strip() == f"{file}: {len(lines)} entries"
    with Session(engine) as session:
        chain = audit.entries(session, audit.Filter(negotiation_id=ids.negotiation_id))
        assert [line["hash"] for line in lines] == [e.hash for e in chain]
    code, out, _ = run(["audit", "export", "--installation", "--format", "csv", "--action", "user_"], capsys)
    assert code == 0 and out.splitlines()[0].startswith("id,chain,seq") and "user_added" in out
    with engine.begin() as connection:
        connection.execute(update(AuditEntry).where(AuditEntry.id == chain[1].id).values(detail="otra cosa"))
    code, out, err = run(["audit", "verify"], capsys)
    assert code == 1 and out == ""
    assert f"audit entry {chain[1].id} (number 2): its content no longer matches its hash" in err


def test_document_verify_checks_the_log_revisions_and_adopted_text(
    source: str, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(source)
    upgrade(engine)
    ids = negotiate(engine)
    code, out, err = run(["document", "verify", str(ids.document_id)], capsys)
    assert (code, err) == (0, ""), err
    assert "3 revisions intact" in out and "adopted text SHA-256" in out
    with engine.begin() as connection:
        connection.execute(
            update(DocumentUpdate)
            .where(DocumentUpdate.document_id == ids.document_id, DocumentUpdate.seq == 2)
            .values(data=b"\x00\x00")
        )
    code, _, err = run(["document", "verify", str(ids.document_id)], capsys)
    assert code == 1
    assert f"document/{ids.document_id}/log: update 2: its bytes or sender no longer match its digest" in err
    assert run(["document", "verify", "999"], capsys)[0] == 1


def test_an_archive_goes_to_another_installation_with_the_same_hashes(
    source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(source)
    upgrade(engine)
    ids = negotiate(engine)
    bundle = tmp_path / "rcm.zip"
    code, out, _ = run(["archive", "export", str(ids.negotiation_id), str(bundle)], capsys)
    assert code == 0 and out.startswith(f"{bundle}: ")
    assert run(["archive", "verify", str(bundle)], capsys)[:2] == (0, f"{bundle}: every hash holds\n")
    other = f"sqlite:///{tmp_path / 'other.db'}"
    monkeypatch.setenv("CONSENSO_DATABASE_URL", other)
    assert run(["db", "upgrade"], capsys)[0] == 0
    code, out, err = run(["archive", "import", str(bundle)], capsys)
    assert (code, err) == (0, ""), err
    assert out.startswith(f"imported negotiation {ids.negotiation_id}")
    assert snapshot(make_engine(other), ids) == snapshot(engine, ids)
    code, _, err = run(["archive", "import", str(bundle)], capsys)  # once is enough
    assert code == 1 and "nothing was imported" in err


@pytest.mark.postgres
def test_sqlite_to_postgresql_gives_the_same_hashes_and_texts(
    source: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    postgres_database: str,
    postgres_engine: Engine,  # the session's PostgreSQL database, emptied and migrated for this test
) -> None:
    engine = make_engine(source)
    upgrade(engine)
    ids = negotiate(engine)
    bundle = tmp_path / "rcm.zip"
    assert run(["archive", "export", str(ids.negotiation_id), str(bundle)], capsys)[0] == 0
    monkeypatch.setenv(
        "CONSENSO_DATABASE_URL", postgres_database.replace("postgresql://", "postgresql+psycopg://", 1)
    )
    assert run(["db", "upgrade"], capsys)[0] == 0
    code, _, err = run(["archive", "import", str(bundle)], capsys)
    assert (code, err) == (0, ""), err
    target = make_engine(postgres_database)
    assert snapshot(target, ids) == snapshot(engine, ids)
    monkeypatch.setenv("CONSENSO_DATABASE_URL", postgres_database)
    assert run(["document", "verify", str(ids.document_id)], capsys)[0] == 0
    assert run(["audit", "verify"], capsys)[0] == 0
    target.dispose()


def test_a_tampered_bundle_is_refused_and_nothing_is_imported(
    source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = make_engine(source)
    upgrade(engine)
    ids = negotiate(engine)
    bundle = tmp_path / "rcm.zip"
    assert run(["archive", "export", str(ids.negotiation_id), str(bundle)], capsys)[0] == 0
    tampered = tmp_path / "tampered.zip"

    def change(rows: list[dict[str, object]]) -> None:
        flip_base64(rows[1]["data"])  # type: ignore[arg-type]

    tampered.write_bytes(
        rewrite(bundle.read_bytes(), "tables/document_updates.json", change, manifest_too=True)
    )
    code, _, err = run(["archive", "verify", str(tampered)], capsys)
    assert code == 1 and f"document/{ids.document_id}/log: update 2" in err
    other = f"sqlite:///{tmp_path / 'other.db'}"
    monkeypatch.setenv("CONSENSO_DATABASE_URL", other)
    assert run(["db", "upgrade"], capsys)[0] == 0
    code, _, err = run(["archive", "import", str(tampered)], capsys)
    assert code == 1 and "the archive bundle is refused, nothing was imported" in err and "update 2" in err
    with Session(make_engine(other)) as session:
        assert session.scalar(select(func.count()).select_from(Negotiation)) == 0
        assert session.execute(text("SELECT count(*) FROM document_updates")).scalar() == 0
    assert run(["archive", "verify", str(tmp_path / "missing.zip")], capsys)[0] == 1
