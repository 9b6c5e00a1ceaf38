"""REST for exports: any revision, or the live text, as DOCX, an HTML print page, Markdown or Akoma Ntoso
3.0 XML (the final revision of an adopted document carries the adopted text's SHA-256 besides its own), and
the compilation text as DOCX. Each download is recorded in the audit trail."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session
from starlette.responses import Response

from auth.policy import Action
from drafting import audit, compilation, revisions
from drafting.catalogue import document_by_id
from drafting.clock import utcnow
from drafting.consensus.records import adoption_of
from drafting.errors import InvalidInput
from drafting.exports import (
    Edition,
    bilingual_docx,
    compilation_docx,
    edition_akn,
    edition_docx,
    markdown,
    print_html,
    revision_edition,
)
from drafting.layout import read_paragraphs
from drafting.models import User
from drafting.rendered import render
from server.api.adoption import Language
from server.api.compilation import compiled_positions
from server.api.pipeline import DOCUMENT, Call, Endpoint, endpoint
from server.api.schema import STRING

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def attachment(data: bytes | str, media_type: str, filename: str) -> Response:
    return Response(
        data, media_type=media_type, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
    )


FORMATS: dict[str, tuple[str, str, Callable[[Edition, int], bytes]]] = {
    "docx": (DOCX, "Word (DOCX)", lambda edition, _id: edition_docx(edition)),
    "html": ("text/html", "an HTML page to print", lambda edition, _id: print_html(edition).encode("utf-8")),
    "md": ("text/markdown", "Markdown", lambda edition, _id: markdown(edition).encode("utf-8")),
    "akn.xml": (
        "application/akn+xml",
        "Akoma Ntoso 3.0 XML",
        lambda edition, id_: edition_akn(edition, document_id=id_),
    ),
}


@dataclass(frozen=True)
class InLanguage:
    language: Language | None = None  # one language version alone; without it, the source language
    beside: Language | None = None  # Word only: the source language and this version in two columns


def in_language(edition: Edition, chosen: InLanguage, extension: str) -> Edition:
    """The edition in the language version asked for (each one's revision hash covers them all)."""
    if chosen.beside is not None and extension != "docx":
        raise InvalidInput("two columns side by side are a Word export: ask for export.docx?beside=…")
    if chosen.language is None:
        return edition
    return dataclasses.replace(edition, rendered=edition.rendered.in_language(chosen.language))


def _revision_export(extension: str) -> Endpoint:
    what = FORMATS[extension][1]

    async def handler(call: Call) -> Response:
        document_id, number = call.document_id, call.path["revision"]
        chosen: InLanguage = call.query

        def work(session: Session, user: User) -> tuple[Edition, str]:
            document = document_by_id(session, document_id)
            revision = revisions.revision_by_number(session, document_id, number)
            adoption = adoption_of(session, document_id) if revision.final else None
            edition = revision_edition(
                document.negotiation.title, revision, adopted_sha256=adoption.sha256 if adoption else None
            )
            edition = in_language(edition, chosen, extension)  # refused: nothing exported, nothing recorded
            audit.record(
                session,
                user.id,
                "exported",
                f"document/{document_id}/revision/{number}",
                f"{revision.name} as {what}",
            )
            return edition, revision.name

        edition, name = await call.write(work)
        slug = "".join(c if c.isalnum() else "-" for c in name).strip("-").lower() or str(number)
        return await _deliver(edition, chosen, extension, document_id, slug)

    return _export_endpoint(
        handler,
        "export_revision_",
        "/revisions/{revision}/export.",
        extension,
        f"Download the revision as {what}",
        "; the final revision of an adopted text carries its SHA-256",
    )


async def _deliver(
    edition: Edition, chosen: InLanguage, extension: str, document_id: int, slug: str
) -> Response:
    """The edition (already in the language asked for) written in `extension`, as a download. Writing a
    long text in Word takes seconds: in a thread, so that no socket of this instance waits for it."""
    media_type, _what, write = FORMATS[extension]
    if chosen.beside is not None:
        data = await asyncio.to_thread(bilingual_docx, edition, chosen.beside)
        slug += f"-{edition.rendered.language}-{chosen.beside}"
    else:
        data = await asyncio.to_thread(write, edition, document_id)
        slug += f"-{chosen.language}" if chosen.language else ""
    return attachment(data, media_type, f"document-{document_id}-{slug}.{extension}")


def _live_export(extension: str) -> Endpoint:
    what = FORMATS[extension][1]

    async def handler(call: Call) -> Response:
        document_id, chosen = call.document_id, call.query
        doc = await call.doc()
        rendered = render(doc)  # read with no await after call.doc(): the text as it is now
        edition = in_language(Edition("", rendered, "live text", utcnow().date()), chosen, extension)

        def work(session: Session, user: User) -> str:
            audit.record(session, user.id, "exported", f"document/{document_id}", f"the live text as {what}")
            return document_by_id(session, document_id).negotiation.title

        edition = dataclasses.replace(edition, negotiation=await call.write(work))
        return await _deliver(edition, chosen, extension, document_id, "live-text")

    return _export_endpoint(
        handler,
        "export_live_",
        "/export.",
        extension,
        f"Download the text as it is now as {what}, with each paragraph's status",
        "; it is no revision: make one to archive what is circulated",
    )


def _export_endpoint(
    handler: Callable[[Call], Awaitable[Response]], name: str, path: str, extension: str, what: str, more: str
) -> Endpoint:
    handler.__name__ = handler.__qualname__ = name + extension.replace(".", "_")
    return endpoint(
        "GET",
        DOCUMENT + path + extension,
        Action.EXPORT,
        what
        + ", in one language version (`language`)"
        + (" or two side by side (`beside`)" if extension == "docx" else "")
        + more,
        query=InLanguage,
        response=STRING,
        media_type=FORMATS[extension][0],
    )(handler)


@endpoint(
    "GET",
    DOCUMENT + "/compilation.docx",
    Action.EXPORT,
    "Download the compilation text as Word (DOCX): each paragraph with every delegation's amendment to it, "
    "attributed inline, and the tally",
    response=STRING,
    media_type=DOCX,
)
async def export_compilation(call: Call) -> Response:
    _title, submitted, _members, doc = await compiled_positions(call)
    compiled = compilation.compile_text(read_paragraphs(doc), submitted)
    document_id = call.document_id

    def work(session: Session, user: User) -> tuple[str, str | None]:
        audit.record(
            session, user.id, "exported", f"document/{document_id}", "the compilation text as Word (DOCX)"
        )
        adoption = adoption_of(session, document_id)
        return document_by_id(session, document_id).negotiation.title, adoption.sha256 if adoption else None

    negotiation, adopted = await call.write(work)
    edition = Edition(negotiation, render(doc), "compilation text", utcnow().date(), adopted_sha256=adopted)
    data = await asyncio.to_thread(compilation_docx, edition, compiled)
    return attachment(data, DOCX, f"document-{document_id}-compilation.docx")


endpoints = [
    *(_revision_export(extension) for extension in FORMATS),
    *(_live_export(extension) for extension in FORMATS),
    export_compilation,
]
