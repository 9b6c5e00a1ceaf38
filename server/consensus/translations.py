"""The Secretariat's work on the language versions: confirming a translation up to date with its source,
and correcting one (a locked paragraph's only so, with a reason). Each runs under the document's lock,
is audited first, then written through the room and announced."""

from __future__ import annotations

import json
from typing import Any

from pycrdt import Doc, Text

from auth.principal import Principal
from drafting.compensate import restore_content
from drafting.consensus import languages as rules
from drafting.consensus.info import document_status, label_of, paragraph_meta, paragraph_state
from drafting.consensus.records import audit
from drafting.languages import Translation, confirm, read_languages, read_translation, stale_list
from drafting.languages import translations as version_of
from drafting.layout_contract import check_paragraph_length
from drafting.senders import Sender
from drafting.textdiff import word_diff
from server.consensus.workflow import ConsensusWorkflow, by, consensus_sender


def translation_json(translation: Translation, label: str) -> dict[str, Any]:
    """A translation with the word diff of what changed in the source since it was last confirmed."""
    confirmed = translation.confirmed_source
    return {
        "paragraph_id": translation.paragraph_id,
        "label": label,
        "language": translation.language,
        "text": translation.text,
        "source": translation.source,
        "stale": translation.stale,
        "confirmed_source": confirmed,
        "source_changes": [change.as_json() for change in word_diff(confirmed or "", translation.source)]
        if translation.stale
        else [],
    }


def languages_json(doc: Doc[Any]) -> dict[str, Any]:
    languages = read_languages(doc)
    return {
        "source_language": languages.source if languages else None,
        "versions": list(languages.versions) if languages else [],
        "stale": [
            {"id": item.paragraph_id, "label": item.label, "language": item.language}
            for item in stale_list(doc)
        ],
    }


async def confirm_translation(
    workflow: ConsensusWorkflow, document_id: int, paragraph_id: str, language: str, actor: Principal
) -> dict[str, Any]:
    async with workflow.locked_room(document_id) as room:
        label = label_of(paragraph_meta(room.doc, paragraph_id), paragraph_id)
        before = read_translation(room.doc, paragraph_id, language)
        rules.check_confirmation(document_status(room.doc), before.source, before.text, label)
        detail = {
            "language": language,
            "source": before.source,
            "text": before.text,
            "was_stale": before.stale,
        }
        await _audit(workflow, actor, "translation.confirm", document_id, paragraph_id, detail)
        await room.edit(lambda doc: confirm(doc, paragraph_id, language), consensus_sender(actor))
        answer = translation_json(read_translation(room.doc, paragraph_id, language), label)
    _announce(workflow, document_id, "confirmed", answer, actor)
    return answer


async def correct_translation(
    workflow: ConsensusWorkflow,
    document_id: int,
    paragraph_id: str,
    language: str,
    text: str,
    reason: str | None,
    actor: Principal,
) -> dict[str, Any]:
    check_paragraph_length(text, workflow.layout, "the translation", "shorten it")
    async with workflow.locked_room(document_id) as room:
        meta = paragraph_meta(room.doc, paragraph_id)
        label = label_of(meta, paragraph_id)
        before = read_translation(room.doc, paragraph_id, language)
        state = paragraph_state(meta)
        cleaned = rules.check_correction(document_status(room.doc), state, label, reason)
        detail = {
            "language": language,
            "before": before.text,
            "after": text,
            "reason": cleaned or None,
            "locked": state.locked,
        }
        await _audit(workflow, actor, "translation.correct", document_id, paragraph_id, detail)
        # The corrected words are the Secretariat officer's own, as if typed.
        corrector = Sender.participant(actor.user_id, actor.delegation_id)
        await room.edit(lambda doc: _rewrite(doc, paragraph_id, language, text), corrector)
        answer = translation_json(read_translation(room.doc, paragraph_id, language), label)
    _announce(workflow, document_id, "corrected", answer, actor)
    return answer


def _rewrite(doc: Doc[Any], paragraph_id: str, language: str, text: str) -> None:
    target = version_of(doc, language).get(paragraph_id)
    assert isinstance(target, Text)  # read_translation found it, under the document's lock
    restore_content(target, [(text, {})])


async def _audit(
    workflow: ConsensusWorkflow,
    actor: Principal,
    action: str,
    document_id: int,
    paragraph_id: str,
    detail: dict[str, Any],
) -> None:
    subject = f"document/{document_id}/paragraph/{paragraph_id}"
    written = json.dumps(detail, ensure_ascii=False, sort_keys=True)
    await workflow.in_session(lambda session: audit(session, actor.user_id, action, subject, written))


def _announce(
    workflow: ConsensusWorkflow, document_id: int, event: str, answer: dict[str, Any], actor: Principal
) -> None:
    workflow.publish(
        document_id,
        "translation",
        {
            "event": event,
            "paragraph_id": answer["paragraph_id"],
            "label": answer["label"],
            "language": answer["language"],
            "stale": answer["stale"],
            "by": by(actor),
        },
    )
