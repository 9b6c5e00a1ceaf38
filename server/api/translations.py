"""REST for the language versions: which translations are stale, one translation with what changed in
its source since it was confirmed, and the Secretariat's confirmation and correction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from auth.policy import Action
from drafting.consensus.info import label_of, paragraph_meta
from drafting.languages import read_translation
from server.api.pipeline import DOCUMENT, PARAGRAPH, Call, endpoint
from server.api.schema import BOOLEAN, STRING, ParagraphText, Reason, array, nullable, obj
from server.consensus import translations

TRANSLATION = PARAGRAPH + "/translations/{language}"
STALE = obj(id=STRING, label=STRING, language=STRING)
LANGUAGES = obj(source_language=nullable(STRING), versions=array(STRING), stale=array(STALE))
TRANSLATION_ANSWER = obj(
    paragraph_id=STRING,
    label=STRING,
    language=STRING,
    text=STRING,
    source=STRING,
    stale=BOOLEAN,
    confirmed_source=nullable(STRING),
    source_changes=array(obj(op=STRING, text=STRING)),
)


@dataclass(frozen=True)
class Correction:
    text: ParagraphText
    reason: Reason | None = None  # required where the paragraph is locked


@endpoint(
    "GET",
    DOCUMENT + "/languages",
    Action.READ,
    "The document's source language, its language versions, and every stale translation in reading order",
    response=LANGUAGES,
)
async def show_languages(call: Call) -> dict[str, Any]:
    return translations.languages_json(await call.doc())


@endpoint(
    "GET",
    TRANSLATION,
    Action.READ,
    "One paragraph's translation: its text, the source now, whether it is stale, and the word diff of "
    "what changed in the source since it was last confirmed",
    response=TRANSLATION_ANSWER,
)
async def show_translation(call: Call) -> dict[str, Any]:
    doc = await call.doc()
    paragraph_id: str = call.path["paragraph_id"]
    translation = read_translation(doc, paragraph_id, call.path["language"])
    return translations.translation_json(
        translation, label_of(paragraph_meta(doc, paragraph_id), paragraph_id)
    )


@endpoint(
    "POST",
    TRANSLATION + "/confirm",
    Action.TRANSLATE,
    "Confirm a translation up to date with its source as it is now (the Secretariat); audited",
    response=TRANSLATION_ANSWER,
    errors=(409,),
)
async def confirm_translation(call: Call) -> dict[str, Any]:
    return await translations.confirm_translation(
        call.services.consensus,
        call.document_id,
        call.path["paragraph_id"],
        call.path["language"],
        call.principal,
    )


@endpoint(
    "PUT",
    TRANSLATION,
    Action.TRANSLATE,
    "Correct a translation's text (the Secretariat); a locked paragraph's translation changes only so, "
    "with a reason; audited. It stays stale until confirmed",
    body=Correction,
    response=TRANSLATION_ANSWER,
    errors=(409,),
)
async def correct_translation(call: Call) -> dict[str, Any]:
    body: Correction = call.body
    return await translations.correct_translation(
        call.services.consensus,
        call.document_id,
        call.path["paragraph_id"],
        call.path["language"],
        body.text,
        body.reason,
        call.principal,
    )


endpoints = [show_languages, show_translation, confirm_translation, correct_translation]
