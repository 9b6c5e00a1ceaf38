"""Archive bundles: one negotiation in one self-contained file, and the check of every hash in it.

A bundle is a ZIP file (docs/decisions/0023):
- `manifest.json`: the format, the negotiation, when it was made, the SHA-256 of every other member and
  the heads of the chains it holds;
- `tables/NAME.json`: the rows of each table (drafting.archive_rows): the update log with its senders and
  digests, revisions, positions and their versions, comments, the consensus records, the audit trail;
- `final/document-ID.json`: each adopted document's final text, as its adoption hashed it;
- `exports/document-ID/…`: each revision as DOCX, Akoma Ntoso and Markdown, for a reader with no Consenso.

`verify_bundle` recomputes everything from the rows (log chains, revisions, the audit chain, adopted
texts) and from the member hashes, and says what is wrong where; `drafting.archive_import` refuses any
bundle it finds a problem in.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine

from drafting.archive_rows import TABLES, Row, by_document, decoded, encoded, negotiation_rows, reflect
from drafting.audit import chain_of, verify_entries
from drafting.chain import Break, moment, sha256_hex
from drafting.errors import BundleRefused, NotFound
from drafting.exports import bilingual_docx, edition_akn, edition_docx, markdown, revision_edition
from drafting.log_rows import LoggedUpdate, sender_of, verify_log_rows
from drafting.models import AuditEntry
from drafting.revision_models import Revision
from drafting.revisions import verify_revision_rows

FORMAT = "consenso-archive"
VERSION = 1
MANIFEST = "manifest.json"


@dataclass(frozen=True)
class Bundle:
    manifest: dict[str, Any]
    tables: dict[str, list[Row]]  # decoded rows
    members: dict[str, bytes]

    @property
    def negotiation_id(self) -> int:
        return int(self.manifest["negotiation_id"])


# -- writing ----------------------------------------------------------------------------------------


def export_bundle(engine: Engine, negotiation_id: int, *, now: datetime | None = None) -> bytes:
    """The negotiation as one bundle (read in one transaction, so it is one consistent moment)."""
    with engine.connect() as connection, connection.begin():
        tables = reflect(connection)
        rows = negotiation_rows(connection, tables, negotiation_id)
    if not rows["negotiations"]:
        raise NotFound("negotiation", negotiation_id)
    members: dict[str, bytes] = {}
    for name in TABLES:
        members[f"tables/{name}.json"] = _json([encoded(row) for row in rows[name]])
    for adoption in rows["adoptions"]:
        members[f"final/document-{adoption['document_id']}.json"] = adoption["final_text"].encode("utf-8")
    members.update(_exports(rows))
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "negotiation_id": negotiation_id,
        "title": rows["negotiations"][0]["title"],
        "made_at": moment(now or datetime.now(UTC)),
        "members": {name: sha256_hex(data) for name, data in sorted(members.items())},
        "heads": heads(rows),
    }
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(MANIFEST, _json(manifest))
        for name, data in sorted(members.items()):
            archive.writestr(name, data)
    return out.getvalue()


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


def heads(rows: Mapping[str, Sequence[Row]]) -> dict[str, Any]:
    """The newest link of every chain in the rows: what the manifest vouches for."""
    logs = by_document(rows["document_updates"])
    revisions = by_document(rows["revisions"])
    return {
        "logs": {str(d): (logs[d][-1]["digest"] if d in logs else None) for d in _documents(rows)},
        "revisions": {
            str(d): (revisions[d][-1]["sha256"] if d in revisions else None) for d in _documents(rows)
        },
        "audit": rows["audit_heads"][0]["last_hash"] if rows["audit_heads"] else None,
    }


def _documents(rows: Mapping[str, Sequence[Row]]) -> list[int]:
    return sorted(int(row["id"]) for row in rows["documents"])


def _slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", name).strip("-").lower() or "revision"


def _exports(rows: Mapping[str, Sequence[Row]]) -> dict[str, bytes]:
    negotiation = str(rows["negotiations"][0]["title"])
    adopted = {row["document_id"]: row["sha256"] for row in rows["adoptions"]}
    members = {}
    for row in rows["revisions"]:
        revision = Revision(**row)
        edition = revision_edition(
            negotiation, revision, adopted_sha256=adopted.get(row["document_id"]) if revision.final else None
        )
        base = f"exports/document-{row['document_id']}/{row['number']:02d}-{_slug(row['name'])}"
        members[f"{base}.docx"] = edition_docx(edition)
        rendered = edition.rendered
        for language in rendered.languages[1:]:  # each language version alone, and beside the source
            alone = replace(edition, rendered=rendered.in_language(language))
            members[f"{base}.{language}.docx"] = edition_docx(alone)
            members[f"{base}.{rendered.language}-{language}.docx"] = bilingual_docx(edition, language)
        members[f"{base}.akn.xml"] = edition_akn(edition, document_id=row["document_id"])
        members[f"{base}.md"] = markdown(edition).encode("utf-8")
    return members


# -- reading and verifying --------------------------------------------------------------------------


def read_bundle(data: bytes) -> Bundle:
    """The bundle's manifest, decoded tables and members; BundleRefused if it cannot be read at all."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {info.filename: archive.read(info) for info in archive.infolist() if not info.is_dir()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise _unreadable(f"not a readable ZIP file: {exc}") from exc
    except zipfile.error as exc:  # a member's CRC, a truncated entry
        raise _unreadable(f"a member of the ZIP file is damaged: {exc}") from exc
    if MANIFEST not in members:
        raise _unreadable("it has no manifest.json: not an archive bundle")
    try:
        manifest = json.loads(members.pop(MANIFEST))
        if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
            raise _unreadable(
                f"its manifest says {manifest.get('format')!r} version {manifest.get('version')!r}; "
                f"this installation reads {FORMAT} version {VERSION}"
            )
        tables = {
            name: [decoded(row) for row in json.loads(members[f"tables/{name}.json"])] for name in TABLES
        }
    except KeyError as exc:
        raise _unreadable(f"it lacks {exc.args[0]}") from exc
    except (ValueError, TypeError, AttributeError) as exc:
        raise _unreadable(f"its manifest or a table is not valid: {exc}") from exc
    return Bundle(manifest, tables, members)


def _unreadable(problem: str) -> BundleRefused:
    return BundleRefused([problem])


def verify_bundle(data: bytes) -> list[Break]:
    """Every problem of the bundle; [] when every hash in it holds."""
    try:
        bundle = read_bundle(data)
    except BundleRefused as exc:
        return [Break("bundle", "", problem) for problem in exc.problems]
    return verify_contents(bundle)


def verify_contents(bundle: Bundle) -> list[Break]:
    breaks = _members(bundle)
    rows = bundle.tables
    try:
        logs = by_document(rows["document_updates"])
        revisions = by_document(rows["revisions"])
        for document_id in _documents(rows):
            log = [_logged(row) for row in logs.get(document_id, [])]
            breaks += verify_log_rows(document_id, log)
            digests = {row.seq: row.digest for row in log}
            archived = sorted(
                (Revision(**row) for row in revisions.get(document_id, [])), key=lambda r: r.number
            )
            breaks += verify_revision_rows(document_id, archived, digests)
        breaks += _adoptions(bundle)
        chain = chain_of(bundle.negotiation_id)
        entries = sorted(
            (AuditEntry(**row) for row in rows["audit_entries"]), key=lambda e: (e.seq or 0, e.id)
        )
        head = rows["audit_heads"][0]["last_hash"] if rows["audit_heads"] else None
        breaks += verify_entries(chain, entries, head)
        if heads(rows) != bundle.manifest.get("heads"):
            breaks.append(Break("bundle", MANIFEST, "the chains' heads are not the ones the manifest names"))
    except (KeyError, TypeError, ValueError) as exc:
        breaks.append(
            Break("bundle", "tables", f"a row lacks a field or holds a value of the wrong kind: {exc}")
        )
    return breaks


def _members(bundle: Bundle) -> list[Break]:
    listed: dict[str, str] = bundle.manifest.get("members", {})
    breaks = []
    for name, digest in sorted(listed.items()):
        if name not in bundle.members:
            breaks.append(Break("bundle", name, "it is listed in the manifest but missing"))
        elif sha256_hex(bundle.members[name]) != digest:
            breaks.append(Break("bundle", name, "its SHA-256 is not the one in the manifest"))
    for name in sorted(set(bundle.members) - set(listed)):
        breaks.append(Break("bundle", name, "it is not listed in the manifest"))
    return breaks


def _logged(row: Row) -> LoggedUpdate:
    return LoggedUpdate(
        row["document_id"],
        row["seq"],
        bytes(row["data"]),
        row["created_at"],
        sender_of(_Fields(row)),
        row["digest"],
    )


class _Fields:
    """A row's columns as attributes, for the readers that take database rows."""

    def __init__(self, row: Row) -> None:
        self.__dict__.update(row)


def _adoptions(bundle: Bundle) -> list[Break]:
    breaks = []
    for adoption in bundle.tables["adoptions"]:
        chain = f"document/{adoption['document_id']}/adoption"
        if sha256_hex(adoption["final_text"].encode("utf-8")) != adoption["sha256"]:
            breaks.append(Break(chain, "the adopted text", "it no longer matches its SHA-256"))
        final = bundle.members.get(f"final/document-{adoption['document_id']}.json")
        if final is not None and final.decode("utf-8", "replace") != adoption["final_text"]:
            breaks.append(Break(chain, "final text file", "it is not the adopted text"))
    return breaks
