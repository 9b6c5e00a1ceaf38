"""REST for the compilation text (each paragraph, the attributed amendments, the tallies) and the
consensus matrix (paragraphs × member delegations by stance), as JSON and HTML.

Both show only submitted positions, which are public to every participant once a head submits them, so
both are readable by everyone who may read the document: the matrix is the PPT's tool, not a secret."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pycrdt import Doc
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse

from auth.policy import Action
from drafting import compilation, positions
from drafting.catalogue import document_by_id
from drafting.kinds import DelegationKind
from drafting.layout import read_paragraphs
from drafting.models import User
from server.api.pipeline import DOCUMENT, Call, Endpoint, endpoint
from server.api.schema import ANY_OBJECT, STRING, array, obj


class MatrixOrder(StrEnum):
    CLOSEST = "closest"  # paragraphs closest to consensus first
    FURTHEST = "furthest"


@dataclass(frozen=True)
class MatrixQuery:
    order: MatrixOrder = MatrixOrder.CLOSEST


COMPILATION = obj(title=STRING, paragraphs=array(ANY_OBJECT))
MATRIX = obj(title=STRING, delegations=array(STRING), rows=array(ANY_OBJECT))


async def compiled_positions(call: Call) -> tuple[str, list[compilation.Submitted], list[str], Doc[Any]]:
    doc = await call.doc()
    document_id = call.document_id

    def work(session: Session, _user: User) -> tuple[str, list[compilation.Submitted], list[str]]:
        document = document_by_id(session, document_id)
        versions = sorted(positions.latest_versions(session, document_id), key=lambda v: v.id)
        submitted = [
            compilation.Submitted(
                v.position.paragraph_id,
                v.position.delegation.code,
                v.stance,
                v.amendment,
                v.proposed_text,
                v.base_text,
                positions.incorporation_of(session, v) is not None,
            )
            for v in versions
        ]
        members = [d.code for d in document.negotiation.participants if d.kind is DelegationKind.MEMBER_STATE]
        return document.title, submitted, members

    title, submitted, members = await call.write(work)
    return title, submitted, members, doc


def _compilation(html: bool) -> Endpoint:
    async def handler(call: Call) -> Any:
        title, submitted, _members, doc = await compiled_positions(call)
        compiled = compilation.compile_text(read_paragraphs(doc), submitted)
        if html:
            return HTMLResponse(compilation.compilation_html(title, compiled))
        return {"title": title, "paragraphs": [c.as_json() for c in compiled]}

    handler.__name__ = handler.__qualname__ = "compilation_html" if html else "compilation"
    return endpoint(
        "GET",
        DOCUMENT + ("/compilation.html" if html else "/compilation"),
        Action.READ,
        "The compilation text: each paragraph, the attributed amendments, the tallies"
        + (" (a page to read or print)" if html else ""),
        response=STRING if html else COMPILATION,
        media_type="text/html" if html else "application/json",
    )(handler)


def _matrix(html: bool) -> Endpoint:
    async def handler(call: Call) -> Any:
        furthest = call.query.order is MatrixOrder.FURTHEST
        title, submitted, members, doc = await compiled_positions(call)
        rows = compilation.consensus_matrix(read_paragraphs(doc), submitted, members, furthest_first=furthest)
        if html:
            return HTMLResponse(compilation.matrix_html(title, rows, members))
        return {"title": title, "delegations": members, "rows": [r.as_json(members) for r in rows]}

    handler.__name__ = handler.__qualname__ = "consensus_matrix_html" if html else "consensus_matrix"
    return endpoint(
        "GET",
        DOCUMENT + ("/consensus-matrix.html" if html else "/consensus-matrix"),
        Action.READ,
        "The consensus matrix: paragraphs × member delegations by stance"
        + (" (a page to read or print)" if html else ""),
        query=MatrixQuery,
        response=STRING if html else MATRIX,
        media_type="text/html" if html else "application/json",
    )(handler)


endpoints = [_compilation(False), _compilation(True), _matrix(False), _matrix(True)]
