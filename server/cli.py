"""`consenso`: the Secretariat's admin tool, and how scripts get in. Settings come from CONSENSO_*."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

from sqlalchemy.orm import Session

from auth.credentials import CredentialInfo, create_script_token, revoke_script_token, script_tokens_of
from drafting.catalogue import (
    add_delegation,
    add_user,
    create_document,
    create_negotiation,
    link_identity,
    user_by_email,
)
from drafting.database import make_engine, upgrade
from drafting.demo import load_demo
from drafting.errors import DraftingError, InvalidInput, NotFound
from drafting.importing import paragraphs_from_file
from drafting.kinds import DelegationKind, DocumentKind, Role
from drafting.languages import choose_languages
from server import cli_memory
from server.settings import Settings, SettingsError

T = TypeVar("T")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="consenso", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the web application")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)

    db = commands.add_parser("db", help="database schema").add_subparsers(dest="action", required=True)
    db.add_parser("upgrade", help="migrate the database to the newest schema")

    commands.add_parser("demo", help="load the demo negotiation (idempotent)")

    delegation = commands.add_parser("delegation", help="delegations").add_subparsers(
        dest="action", required=True
    )
    add = delegation.add_parser("add", help="add a delegation")
    add.add_argument("code")
    add.add_argument("name")
    add.add_argument("--observer", action="store_true", help="an observer state, not a member state")

    negotiation = commands.add_parser("negotiation", help="negotiations").add_subparsers(
        dest="action", required=True
    )
    create = negotiation.add_parser("create", help="create a negotiation; prints its id")
    create.add_argument("--title", required=True)
    create.add_argument("--chair", required=True, help="code of the PPT's delegation")
    create.add_argument("--participants", help="CODE,CODE... (default: every delegation)")

    user = commands.add_parser("user", help="users").add_subparsers(dest="action", required=True)
    user_add = user.add_parser("add", help="add a user")
    user_add.add_argument("email")
    user_add.add_argument("--name", required=True)
    user_add.add_argument("--role", required=True, choices=[role.value for role in Role])
    user_add.add_argument("--delegation", help="required for delegate, head, ppt and observer")
    user_link = user.add_parser("link", help="tie a user to their identity at an identity provider")
    user_link.add_argument("email")
    user_link.add_argument("--issuer", required=True)
    user_link.add_argument("--subject", required=True)

    token = commands.add_parser("token", help="script credentials").add_subparsers(
        dest="action", required=True
    )
    token_create = token.add_parser("create", help="create a bearer token; prints only the token")
    token_create.add_argument("email")
    token_create.add_argument("--ttl", type=int, help="lifetime in seconds (default: until revoked)")
    token_list = token.add_parser("list", help="list a user's script tokens (never the secrets)")
    token_list.add_argument("email")
    token_revoke = token.add_parser("revoke", help="revoke a script token by its id")
    token_revoke.add_argument("id", type=int)

    document = commands.add_parser("document", help="documents").add_subparsers(dest="action", required=True)
    doc_create = document.add_parser("create", help="create a document; prints its id")
    doc_create.add_argument("--negotiation", type=int, required=True)
    doc_create.add_argument("--kind", required=True, choices=[kind.value for kind in DocumentKind])
    doc_create.add_argument("--title", required=True)
    doc_create.add_argument(
        "--from",
        dest="source",
        type=Path,
        help="a Word .docx file, or UTF-8 text with blank lines between paragraphs",
    )
    doc_create.add_argument(
        "--source-language",
        help="the language it is written in (one of CONSENSO_LANGUAGES; default the first)",
    )
    cli_memory.add_document_verify(document)
    cli_memory.add_parsers(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = Settings.from_env(port=getattr(args, "port", 8000))
        if args.command == "serve":
            return _serve(settings, args.host, args.port)
        output = _run(settings, args)
    except (DraftingError, SettingsError, OSError) as exc:
        print(f"consenso: {exc}", file=sys.stderr)
        return 1
    except cli_memory.Broken as exc:
        print(exc, file=sys.stderr)
        return 1
    if output is not None:
        print(output)
    return 0


def _run(settings: Settings, args: argparse.Namespace) -> str | None:
    engine = make_engine(settings.database_url, synchronous=settings.sqlite_synchronous)
    try:
        if args.command == "db":
            upgrade(engine)
            return None
        if cli_memory.handles(args):
            return cli_memory.run(engine, args)

        def in_session(work: Callable[[Session], T]) -> T:
            with Session(engine) as session, session.begin():
                return work(session)

        return in_session(lambda session: _command(session, args, settings))
    finally:
        engine.dispose()


def _command(session: Session, args: argparse.Namespace, settings: Settings) -> str | None:
    if args.command == "demo":
        load_demo(session)
        return None
    if args.command == "delegation":
        kind = DelegationKind.OBSERVER_STATE if args.observer else DelegationKind.MEMBER_STATE
        add_delegation(session, args.code, args.name, kind)
        return None
    if args.command == "negotiation":
        codes = [c for c in args.participants.split(",") if c.strip()] if args.participants else None
        return str(create_negotiation(session, args.title, args.chair, codes).id)
    if args.command == "user" and args.action == "link":
        link_identity(session, user_by_email(session, args.email), args.issuer, args.subject)
        return None
    if args.command == "user":
        add_user(session, args.email, args.name, Role(args.role), args.delegation)
        return None
    if args.command == "token" and args.action == "list":
        rows = script_tokens_of(session, user_by_email(session, args.email).id)
        return "\n".join(_token_line(row) for row in rows) or None
    if args.command == "token" and args.action == "revoke":
        if not revoke_script_token(session, args.id):
            raise NotFound("live script token", args.id)
        return None
    if args.command == "token":
        if args.ttl is not None and args.ttl <= 0:
            raise InvalidInput("--ttl must be a positive number of seconds")
        ttl = timedelta(seconds=args.ttl) if args.ttl is not None else None
        return create_script_token(session, user_by_email(session, args.email), ttl)
    if args.command == "document":
        paragraphs = []
        if args.source is not None:
            try:
                data = args.source.read_bytes()
            except OSError as exc:
                raise InvalidInput(f"cannot read {args.source}: {exc}") from exc
            paragraphs = paragraphs_from_file(data, settings.layout)
        languages = choose_languages(settings.languages, args.source_language)
        document = create_document(
            session, args.negotiation, DocumentKind(args.kind), args.title, paragraphs, languages=languages
        )
        return str(document.id)
    raise InvalidInput(f"unknown command {args.command}")


def _token_line(row: CredentialInfo) -> str:
    state = "revoked" if row.revoked_at else "live"
    expires = row.expires_at.isoformat(timespec="seconds") if row.expires_at else "never"
    return f"{row.id}\t{state}\tcreated {row.created_at.isoformat(timespec='seconds')}\texpires {expires}"


def _serve(settings: Settings, host: str, port: int) -> int:
    import uvicorn

    from server.app import create_app

    logging.basicConfig(level=logging.INFO, format="%(levelname)s:     %(name)s: %(message)s")
    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        ws_max_size=max(4 * settings.max_message_bytes, 16 * 1024 * 1024),
        ws_ping_interval=20,
        # Compressing every broadcast once per socket cost a third of the server's time at 200 editors
        # (BENCHMARKS.md); the frames are small CRDT updates that gain little from it.
        ws_per_message_deflate=False,
        log_level="info",
    )
    return 0
