"""REST for adoption: the PPT adopts the document; its final text is then frozen for good."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from auth.policy import Action
from drafting.kinds import DocumentStatus
from server.api.pipeline import DOCUMENT, Call, endpoint
from server.api.schema import STRING, Bounds, obj

Language = Annotated[str, Bounds(pattern="^[a-z]{2,3}$")]


@dataclass(frozen=True)
class Adoption:
    # The PPT's recorded decision to adopt these language versions as they are, stale translations included.
    as_is: list[Language] = field(default_factory=list)


@endpoint(
    "POST",
    DOCUMENT + "/adopt",
    Action.ADOPT,
    "Adopt the document (the PPT): every paragraph becomes agreed, the whole text is locked for good, and "
    "its final text, in every language version, and SHA-256 are stored. Refused while a translation is "
    "stale (translations_stale, listing them), unless the PPT adopts that version as it is (as_is)",
    body=Adoption,
    body_required=False,
    response=obj(status=STRING, sha256=STRING),
    errors=(409,),
)
async def adopt_document(call: Call) -> dict[str, Any]:
    body: Adoption = call.body
    final = await call.services.consensus.adopt(call.document_id, call.principal, as_is=body.as_is)
    return {"status": DocumentStatus.ADOPTED.value, "sha256": final.sha256}


endpoints = [adopt_document]
