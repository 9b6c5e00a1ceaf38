"""Consensus rules for the language versions. Pure functions.

A status or lock holds for a paragraph in every language: the Secretariat's correction of a locked
paragraph's translation needs a reason (it goes to the audit trail), and nothing changes under silence or
once adopted. Adoption needs every version up to date, unless the PPT decides to adopt a version as it is.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from drafting.consensus.rules import ParagraphState, TextChange, check_text_change, reason_of
from drafting.errors import Conflict, InvalidInput
from drafting.kinds import DocumentStatus
from drafting.languages import StaleTranslation


def check_correction(
    document: DocumentStatus, paragraph: ParagraphState, label: str, reason: str | None
) -> str:
    """May the Secretariat correct this paragraph's translation? Returns the cleaned reason."""
    check_text_change(TextChange.EDIT, document)  # under silence or adopted: nothing changes
    if paragraph.locked and not (reason or "").strip():
        raise InvalidInput(
            f"{label} is locked: say why its translation is corrected, for the record",
            code="reason_required",
            label=label,
        )
    return reason_of(reason, required=False)


def check_confirmation(document: DocumentStatus, source: str, translation: str, label: str) -> None:
    """May a translation be confirmed up to date with its source? Not once adopted, and not while empty."""
    if document is DocumentStatus.ADOPTED:
        raise Conflict("the document is adopted: nothing in it changes any more", code="document_adopted")
    if source.strip() and not translation.strip():
        raise Conflict(
            f"{label} has no translation yet: write it first, or the PPT adopts that version as it is",
            code="translation_empty",
            label=label,
        )


def check_versions_current(
    stale: Sequence[StaleTranslation], versions: Collection[str], as_is: Collection[str]
) -> None:
    """Adoption needs every language version up to date, or the PPT's decision to adopt it as it is."""
    unknown = sorted(set(as_is) - set(versions))
    if unknown:
        raise InvalidInput(
            f"{', '.join(unknown)}: not a language version of this document", code="unknown_language"
        )
    left = [item for item in stale if item.language not in as_is]
    if left:
        shown = ", ".join(f"{item.label} ({item.language})" for item in left)
        raise Conflict(
            f"these translations are stale: {shown}. The Secretariat confirms or corrects them, or the PPT "
            "adopts a version as it is",
            code="translations_stale",
            labels=shown,
            paragraphs=[
                {"id": item.paragraph_id, "label": item.label, "language": item.language} for item in left
            ],
        )
