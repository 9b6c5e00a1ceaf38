"""What an export prints: a document's rendered text with its title block, and how its paragraphs open.

An `Edition` is a revision, the live text or the adopted text as it goes out: the negotiation, the
document, which revision, the date, and for an adopted text the hashes that let a reader verify it.
Draft editions show each paragraph's status; adopted ones do not (everything is agreed).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from drafting.importing import OPERATIVE_VERBS
from drafting.kinds import DocumentStatus, ParagraphKind, ParagraphStatus
from drafting.layout import Paragraph
from drafting.rendered import RenderedText
from drafting.revision_models import Revision
from drafting.revisions import rendered_of


@dataclass(frozen=True)
class Words:
    """What an export prints around the text, in the language of the text it prints."""

    statuses: dict[ParagraphStatus, str]
    draft: str
    draft_statuses_shown: str
    adopted: str
    revision_hash: str
    adopted_hash: str
    names: dict[str, str]  # the names the server gives editions, as printed ("Rev.N" reads the same)


WORDS = {
    "en": Words(
        statuses={
            ParagraphStatus.OPEN: "open",
            ParagraphStatus.BRACKETED: "bracketed",
            ParagraphStatus.AGREED_AD_REF: "agreed ad ref",
            ParagraphStatus.AGREED: "agreed",
        },
        draft="Draft",
        draft_statuses_shown="Draft: paragraph statuses are shown after each paragraph",
        adopted="Adopted text",
        revision_hash="Revision SHA-256",
        adopted_hash="Adopted text SHA-256",
        names={},
    ),
    "es": Words(
        statuses={
            ParagraphStatus.OPEN: "abierto",
            ParagraphStatus.BRACKETED: "entre corchetes",
            ParagraphStatus.AGREED_AD_REF: "acordado ad ref",
            ParagraphStatus.AGREED: "acordado",
        },
        draft="Proyecto",
        draft_statuses_shown="Proyecto: el estado de cada párrafo figura a continuación de él",
        adopted="Texto adoptado",
        revision_hash="SHA-256 de la revisión",
        adopted_hash="SHA-256 del texto adoptado",
        names={
            "Zero draft": "Borrador cero",
            "Final text": "Texto final",
            "live text": "texto actual",
            "compilation text": "texto de compilación",
        },
    ),
}


def words_for(language: str | None) -> Words:
    """An export's own words in `language` (English for a language without them)."""
    return WORDS.get(language or "en", WORDS["en"])


@dataclass(frozen=True)
class Edition:
    negotiation: str
    rendered: RenderedText
    revision: str  # "Rev.2", "Final text", "live text", "compilation text"
    date: date
    revision_sha256: str | None = None
    adopted_sha256: str | None = None  # the adopted text's SHA-256 (drafting.consensus.rules.final_text)

    @property
    def adopted(self) -> bool:
        return self.rendered.status is DocumentStatus.ADOPTED

    @property
    def shows_statuses(self) -> bool:
        return not self.adopted

    @property
    def words(self) -> Words:
        """The export's own words in the language of its text (English for a language without them)."""
        return words_for(self.rendered.language)

    @property
    def shown_statuses(self) -> Mapping[ParagraphStatus, str] | None:
        """The words of the statuses a draft shows after each paragraph; None: an adopted text shows none."""
        return self.words.statuses if self.shows_statuses else None

    @property
    def revision_label(self) -> str:
        return self.words.names.get(self.revision, self.revision)

    @property
    def state(self) -> str:
        return self.words.adopted if self.adopted else self.words.draft

    def hash_lines(self) -> list[str]:
        """What an export of an adopted text prints so that a reader can verify it."""
        lines = []
        if self.revision_sha256:
            lines.append(f"{self.words.revision_hash}: {self.revision_sha256}")
        if self.adopted_sha256:
            lines.append(f"{self.words.adopted_hash}: {self.adopted_sha256}")
        return lines


def revision_edition(negotiation: str, revision: Revision, *, adopted_sha256: str | None = None) -> Edition:
    """A named revision as it goes out: its own name, date and hash (and, adopted, the text's hash)."""
    return Edition(
        negotiation=negotiation,
        rendered=rendered_of(revision),
        revision=revision.name,
        date=revision.made_at.date(),
        revision_sha256=revision.sha256,
        adopted_sha256=adopted_sha256,
    )


# Opening phrases of preambular paragraphs longer than one word, as the Guidelines and UN usage write
# them (English and Spanish, the RCM's working languages); and one-word openings that are no participle.
PREAMBULAR_PHRASES = (
    *("taking into account", "taking into consideration", "taking note", "bearing in mind"),
    *("having considered", "having examined", "noting with concern", "noting with appreciation"),
    *("recalling also", "recalling further", "deeply concerned", "tomando en cuenta"),
    *("tomando en consideración", "tomando nota", "teniendo en cuenta", "teniendo presente"),
    *("habiendo considerado", "observando con preocupación", "recordando también"),
    *("profundamente preocupados",),
)
PREAMBULAR_WORDS = ("aware", "conscious", "mindful", "convinced", "conscientes", "convencidos", "preocupados")
_PARTICIPLE = re.compile(r"\w+(?:ing|ed|ando|iendo|endo)$", re.IGNORECASE)
# Operative verbs besides those that make the importer read a paragraph as operative.
OTHER_VERBS = (
    *("promote", "promotes", "replace", "replaces", "recommend", "recommends", "support", "supports"),
    *("welcome", "welcomes", "adopt", "adopts", "approve", "approves", "establish", "establishes"),
    *("reaffirm", "reaffirms", "promover", "promueven", "reafirman", "adoptan", "aprueban", "establecen"),
)
VERBS = frozenset(OPERATIVE_VERBS) | frozenset(OTHER_VERBS)
_ENUMERATOR = re.compile(r"^(?:[a-z]\)|\d+\.|[ivxlc]+\))\s+", re.IGNORECASE)
_WORD = re.compile(r"\w+", re.UNICODE)


def opening_words(paragraph: Paragraph) -> tuple[int, int]:
    """The code points (start, end) to set in italics: a preambular paragraph's opening participle or
    phrase ("Taking into account", "Considerando"), an operative paragraph's verb ("Agree",
    "To strengthen", after an "a) " enumerator). (0, 0) for headings and paragraphs that open otherwise
    ("The PPT will coordinate…")."""
    if paragraph.kind is ParagraphKind.HEADING:
        return 0, 0
    text = paragraph.text
    enumerator = _ENUMERATOR.match(text)
    start = enumerator.end() if enumerator else 0
    rest = text[start:]
    words = list(_WORD.finditer(rest))
    if not words or words[0].start() != 0:
        return 0, 0
    first = words[0].group().lower()
    if paragraph.kind is ParagraphKind.PREAMBULAR:
        lowered = rest.lower()
        for phrase in PREAMBULAR_PHRASES:
            if lowered.startswith(phrase) and not _continues(rest, len(phrase)):
                return start, start + len(phrase)
        if _PARTICIPLE.match(first) or first in PREAMBULAR_WORDS:
            return start, start + words[0].end()
        return 0, 0
    if first == "to" and len(words) > 1:
        return start, start + words[1].end()  # "To strengthen"
    if first in VERBS:
        return start, start + words[0].end()
    return 0, 0


def _continues(text: str, index: int) -> bool:
    return index < len(text) and (text[index].isalnum() or text[index] == "_")
