"""REST for adoption: the PPT adopts the document; its final text is then frozen for good."""

from __future__ import annotations

from typing import Any

from auth.policy import Action
from drafting.kinds import DocumentStatus
from server.api.pipeline import DOCUMENT, Call, endpoint
from server.api.schema import STRING, obj


@endpoint(
    "POST",
    DOCUMENT + "/adopt",
    Action.ADOPT,
    "Adopt the document (the PPT): every paragraph becomes agreed, the whole text is locked for good, and "
    "its final text and SHA-256 are stored",
    response=obj(status=STRING, sha256=STRING),
    errors=(409,),
)
async def adopt_document(call: Call) -> dict[str, Any]:
    final = await call.services.consensus.adopt(call.document_id, call.principal)
    return {"status": DocumentStatus.ADOPTED.value, "sha256": final.sha256}


endpoints = [adopt_document]
