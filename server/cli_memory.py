"""`consenso audit …`, `consenso document verify` and `consenso archive …`: the historical memory from the
command line. A check that finds a break prints every break and exits 1."""

from __future__ import annotations

import argparse
import hashlib
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from drafting import audit
from drafting.archive import export_bundle, verify_bundle
from drafting.archive_import import import_bundle
from drafting.catalogue import document_by_id
from drafting.chain import Break
from drafting.consensus.info import final_paragraphs
from drafting.consensus.records import adoption_of
from drafting.consensus.rules import final_text
from drafting.errors import InvalidInput
from drafting.models import AuditEntry
from drafting.revisions import revisions_of, verify_revisions
from drafting.store import Store


class Broken(Exception):
    """A check found breaks: each is printed, and the command exits 1."""

    def __init__(self, breaks: list[str]) -> None:
        super().__init__("\n".join(breaks))


def add_parsers(commands: Any) -> None:
    trail = commands.add_parser("audit", help="the audit trail").add_subparsers(dest="action", required=True)
    trail.add_parser("verify", help="recompute every chain of the audit trail")
    export = trail.add_parser("export", help="write the audit trail (JSON Lines or CSV, hashes included)")
    export.add_argument("file", type=Path, nargs="?", help="default: standard output")
    chain = export.add_mutually_exclusive_group()
    chain.add_argument("--negotiation", type=int, help="one negotiation's chain")
    chain.add_argument("--installation", action="store_true", help="sign-ins, users and roles")
    export.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    export.add_argument(
        "--action", dest="action_filter", help="an action, or a prefix ending in _ (paragraph_)"
    )
    export.add_argument("--subject", help="a subject and everything under it (document/3)")
    export.add_argument("--since", type=_moment, help="ISO 8601 with a time zone")
    export.add_argument("--until", type=_moment, help="ISO 8601 with a time zone")

    bundle = commands.add_parser("archive", help="archive bundles").add_subparsers(
        dest="action", required=True
    )
    bundle_export = bundle.add_parser("export", help="write a negotiation's self-contained archive bundle")
    bundle_export.add_argument("negotiation_id", type=int)
    bundle_export.add_argument("file", type=Path)
    bundle.add_parser("verify", help="check every hash of a bundle").add_argument("file", type=Path)
    bundle.add_parser("import", help="restore a bundle into this installation").add_argument(
        "file", type=Path
    )


def add_document_verify(documents: Any) -> None:
    verify = documents.add_parser("verify", help="check a document's update log, revisions and adopted text")
    verify.add_argument("document_id", type=int)


def _moment(value: str) -> datetime:
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise ValueError("a time zone is needed")
    return moment


def handles(args: argparse.Namespace) -> bool:
    return args.command in ("audit", "archive") or (args.command, getattr(args, "action", None)) == (
        "document",
        "verify",
    )


def run(engine: Engine, args: argparse.Namespace) -> str | None:
    if args.command == "audit" and args.action == "verify":
        with Session(engine) as session:
            _raise_if(audit.verify(session, every_chain=True))
            count = session.scalar(select(func.count()).select_from(AuditEntry)) or 0
        return f"audit trail intact: {count} entries"
    if args.command == "audit":
        return _export_audit(engine, args)
    if args.command == "document":
        return verify_document(engine, args.document_id)
    if args.action == "export":
        data = export_bundle(engine, args.negotiation_id)
        args.file.write_bytes(data)
        return f"{args.file}: {len(data)} bytes"
    data = _read(args.file)
    if args.action == "verify":
        _raise_if(verify_bundle(data))
        return f"{args.file}: every hash holds"
    imported = import_bundle(engine, data)
    documents = ", ".join(map(str, imported.documents))
    return f"imported negotiation {imported.negotiation_id} (documents {documents}; {imported.rows} rows)"


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        raise InvalidInput(f"cannot read {file}: {exc.strerror}") from exc


def _raise_if(breaks: list[Break]) -> None:
    if breaks:
        raise Broken([str(b) for b in breaks])


def _export_audit(engine: Engine, args: argparse.Namespace) -> str | None:
    chosen = audit.Filter(
        negotiation_id=args.negotiation,
        installation=args.installation,
        action=args.action_filter,
        subject=args.subject,
        since=args.since,
        until=args.until,
        limit=100_000,
    )
    with Session(engine) as session:
        found = audit.entries(session, chosen)
        text = audit.export_csv(found) if args.format == "csv" else audit.export_jsonl(found)
    if args.file is None:
        return text.rstrip("\n") or None
    args.file.write_text(text, encoding="utf-8")
    return f"{args.file}: {len(found)} entries"


def verify_document(engine: Engine, document_id: int) -> str:
    """The document's log chain, its revisions' chain, and its adopted text against its stored SHA-256,
    the live text and the final revision."""
    store = Store(engine)
    breaks = store.verify_log(document_id)
    with Session(engine) as session:
        document_by_id(session, document_id)  # NotFound
        breaks += verify_revisions(session, document_id)
        adoption = adoption_of(session, document_id)
        archived = revisions_of(session, document_id)
        final = [r for r in archived if r.final]
        lines = [
            f"document {document_id}: update log of {store.last_seq(document_id)} updates intact",
            f"{len(archived)} revisions intact",
        ]
        if adoption is not None:
            chain = f"document/{document_id}/adoption"
            if hashlib.sha256(adoption.final_text.encode("utf-8")).hexdigest() != adoption.sha256:
                breaks.append(Break(chain, "", "the adopted text no longer matches its SHA-256"))
            live = final_text(final_paragraphs(store.load(document_id).to_doc()))
            if live.sha256 != adoption.sha256:
                breaks.append(Break(chain, "", "the live text is no longer the adopted text"))
            if not final:
                breaks.append(Break(chain, "", "no final revision archives the adopted text"))
            lines.append(f"adopted text SHA-256 {adoption.sha256} holds")
    _raise_if(breaks)
    return "\n".join(lines)
