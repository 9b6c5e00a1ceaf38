"""REST for the compilation text (each paragraph, the attributed amendments, the tallies) and the
consensus matrix (paragraphs × member delegations by stance), as JSON and HTML.

Both show only submitted positions, which are public to every participant once a head submits them, so
both are readable by everyone who may read the document: the matrix is the PPT's tool, not a secret."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pycrdt import Doc
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from auth.policy import Action
from drafting import compilation, positions
from drafting.catalogue import document_by_id
from drafting.kinds import DelegationKind
from drafting.layout import read_paragraphs
from drafting.models import User
from server.api.pipeline import PREFIX, Context, context, json_response, openapi
from server.routing import requires


async def _compiled(ctx: Context) -> tuple[str, list[compilation.Submitted], list[str], Doc[Any]]:
    doc = await ctx.doc()

    def work(session: Session, _user: User) -> tuple[str, list[compilation.Submitted], list[str]]:
        document = document_by_id(session, ctx.document_id)
        versions = sorted(positions.latest_versions(session, ctx.document_id), key=lambda v: v.id)
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

    title, submitted, members = await ctx.write(work)
    return title, submitted, members, doc


def _compilation(html: bool) -> Callable[[Request], Any]:
    @requires(Action.READ)
    @openapi("The compilation text: each paragraph, attributed amendments, tallies", ok="JSON or HTML")
    async def endpoint(request: Request) -> Response:
        ctx = await context(request, Action.READ)
        title, submitted, _members, doc = await _compiled(ctx)
        compiled = compilation.compile_text(read_paragraphs(doc), submitted)
        if html:
            return HTMLResponse(compilation.compilation_html(title, compiled))
        return json_response({"title": title, "paragraphs": [c.as_json() for c in compiled]})

    return endpoint


def _matrix(html: bool) -> Callable[[Request], Any]:
    @requires(Action.READ)
    @openapi("The consensus matrix: paragraphs × delegations by stance; ?order=furthest", ok="JSON or HTML")
    async def endpoint(request: Request) -> Response:
        ctx = await context(request, Action.READ)
        furthest = request.query_params.get("order", "closest") == "furthest"
        title, submitted, members, doc = await _compiled(ctx)
        rows = compilation.consensus_matrix(read_paragraphs(doc), submitted, members, furthest_first=furthest)
        if html:
            return HTMLResponse(compilation.matrix_html(title, rows, members))
        return json_response(
            {"title": title, "delegations": members, "rows": [r.as_json(members) for r in rows]}
        )

    return endpoint


routes: list[BaseRoute] = [
    Route(f"{PREFIX}/compilation", _compilation(False), methods=["GET"]),
    Route(f"{PREFIX}/compilation.html", _compilation(True), methods=["GET"]),
    Route(f"{PREFIX}/consensus-matrix", _matrix(False), methods=["GET"]),
    Route(f"{PREFIX}/consensus-matrix.html", _matrix(True), methods=["GET"]),
]
