"""Working languages: a draft's language versions, kept paragraph by paragraph in step with the source.

The source text stays where every client edits it (`paragraphs`). Each language version is one more root,
`translations.LANG`: a Y.Map, paragraph id → Y.Text, whose keys only the server writes (they follow the
source's paragraphs: a new paragraph starts empty in every version, a deleted one goes from all of them).
`info["document"]` names the `source_language` and the `versions`; each paragraph's `info` entry keeps,
per version, the SHA-256 of the source text it was last confirmed against, that source text, and whether
it is `stale` (the source changed since). Clients cannot forge any of it: `info` is the server's
(docs/decisions/0050).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pycrdt import Doc, Map, Text

from drafting.errors import InvalidInput, NotFound
from drafting.kinds import DocumentKind, DocumentStatus, ParagraphKind
from drafting.layout import DOCUMENT_KEY, bind, new_paragraph_id, read_paragraphs, write_document

TRANSLATIONS_PREFIX = "translations."
LANGUAGE = re.compile(r"[a-z]{2,3}")
TRANSLATIONS_KEY = "translations"  # in a paragraph's info entry
DOCUMENT_KEYS = ("source_language", "versions")  # in info["document"]


@dataclass(frozen=True)
class Languages:
    """A document's source language and its other language versions."""

    source: str
    versions: tuple[str, ...]

    @property
    def all(self) -> tuple[str, ...]:
        return (self.source, *self.versions)


@dataclass(frozen=True)
class Translation:
    """One paragraph in one language version, as the Secretariat sees it."""

    paragraph_id: str
    language: str
    text: str
    source: str
    stale: bool
    confirmed_source: str | None  # the source text it was last confirmed against (None: never)


def is_language(value: object) -> bool:
    return isinstance(value, str) and LANGUAGE.fullmatch(value) is not None


def root_name(language: str) -> str:
    return TRANSLATIONS_PREFIX + language


def language_of_root(name: str) -> str | None:
    """The language of a translation root's name, or None for any other name."""
    if not name.startswith(TRANSLATIONS_PREFIX):
        return None
    language = name[len(TRANSLATIONS_PREFIX) :]
    return language if is_language(language) else None


def translations(doc: Doc[Any], language: str) -> Map[Any]:
    root: Map[Any] = doc.get(root_name(language), type=Map)
    return root


def source_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_languages(value: str) -> tuple[str, ...]:
    """A comma-separated list of language codes (`es,en`), in order, each once."""
    found = [part.strip() for part in value.split(",") if part.strip()]
    bad = [part for part in found if not is_language(part)]
    if bad or not found:
        raise InvalidInput(
            "languages are two- or three-letter lowercase codes separated by commas, like es,en",
            code="invalid_languages",
        )
    return tuple(dict.fromkeys(found))


def choose_languages(configured: Sequence[str], source: str | None) -> Languages:
    """A new document's languages: `source` (default the first configured) and every other one."""
    chosen = source or configured[0]
    if chosen not in configured:
        raise InvalidInput(
            f"{chosen!r} is not a working language here (they are {', '.join(configured)})",
            code="unknown_language",
            language=chosen,
        )
    return Languages(chosen, tuple(language for language in configured if language != chosen))


def read_languages(doc: Doc[Any]) -> Languages | None:
    """The document's languages, or None for a document with one text only."""
    return languages_in(_plain(bind(doc)[2].get(DOCUMENT_KEY)))


def languages_in(meta: Mapping[str, Any]) -> Languages | None:
    """The languages `info["document"]` (as plain values) names, or None."""
    source, versions = meta.get("source_language"), meta.get("versions")
    if not is_language(source) or not isinstance(versions, list):
        return None
    return Languages(str(source), tuple(str(v) for v in versions if is_language(v) and v != source))


def write_draft(
    doc: Doc[Any],
    *,
    title: str,
    kind: DocumentKind,
    paragraphs: Sequence[tuple[ParagraphKind, str]],
    languages: Languages,
    versions: Mapping[str, Sequence[str]],
) -> list[str]:
    """Fill an empty draft in the source language with a version in each other language: the texts
    `versions` gives (confirmed as they are, paragraph by paragraph), or empty and stale. Every entry is
    written once. Returns the paragraph ids in order."""
    ids = [new_paragraph_id() for _ in paragraphs]
    for language, texts in versions.items():
        if language not in languages.versions or len(texts) != len(ids):
            raise InvalidInput(
                f"the {language} version must be one of {', '.join(languages.versions)} and have "
                f"{len(ids)} paragraphs, like the source",
                code="version_mismatch",
            )
    more: dict[str, Mapping[str, Any]] = {
        DOCUMENT_KEY: {"source_language": languages.source, "versions": list(languages.versions)}
    }
    for paragraph_id, (_, source) in zip(ids, paragraphs, strict=True):
        more[paragraph_id] = {
            TRANSLATIONS_KEY: {
                language: _confirmed(source) if language in versions else _unconfirmed()
                for language in languages.versions
            }
        }
    with doc.transaction(origin="server"):
        write_document(
            doc,
            title=title,
            kind=kind,
            status=DocumentStatus.DRAFT,
            paragraphs=paragraphs,
            ids=ids,
            more_info=more,
        )
        for language in languages.versions:
            texts = versions.get(language) or [""] * len(ids)
            version = translations(doc, language)
            for paragraph_id, words in zip(ids, texts, strict=True):
                version[paragraph_id] = Text(words)
    return ids


def _confirmed(source: str) -> dict[str, Any]:
    return {"confirmed_against": source_hash(source), "confirmed_source": source, "stale": False}


def _unconfirmed() -> dict[str, Any]:
    return {"confirmed_against": None, "confirmed_source": None, "stale": True}


def write_languages(doc: Doc[Any], languages: Languages) -> None:
    """Give a document its languages and an empty, stale text per version for every paragraph. The
    caller owns the transaction."""
    info = bind(doc)[2]
    meta = _plain(info.get(DOCUMENT_KEY))
    info[DOCUMENT_KEY] = {**meta, "source_language": languages.source, "versions": list(languages.versions)}
    carry_over(doc)
    mark_stale(doc)


def carry_over(doc: Doc[Any]) -> bool:
    """Every version holds exactly the source's paragraphs: new ones start empty, deleted ones go.
    The caller owns the transaction; returns whether anything was written."""
    languages = read_languages(doc)
    if languages is None:
        return False
    _, texts, _ = bind(doc)
    present = {key for key, value in texts.items() if isinstance(value, Text)}
    changed = False
    for language in languages.versions:
        version = translations(doc, language)
        for paragraph_id in present - set(version.keys()):
            version[paragraph_id] = Text()
            changed = True
        for paragraph_id in set(version.keys()) - present:
            del version[paragraph_id]
            changed = True
    return changed


def keep_in_step(doc: Doc[Any], changed: Iterable[str] | None, *, structure: bool = False) -> bool:
    """After a change to the source: the versions follow its paragraphs (`structure`: some may have been
    added or removed) and the stale marks of the paragraphs whose text `changed` (None: any) follow their
    texts. The caller owns the transaction; returns whether anything was written."""
    languages = read_languages(doc)  # once: it is read on every keystroke
    if languages is None:
        return False
    carried = carry_over(doc) if structure or changed is None else False
    return mark_stale(doc, None if carried else changed, languages) or carried


def mark_stale(
    doc: Doc[Any], paragraph_ids: Iterable[str] | None = None, languages: Languages | None = None
) -> bool:
    """Bring the stale marks of these paragraphs (None: all) in line with their source texts: a version
    is stale unless the source hashes to what it was last confirmed against. The caller owns the
    transaction; returns whether anything was written. `languages`: the document's, if already read."""
    languages = languages or read_languages(doc)
    if languages is None:
        return False
    _, texts, info = bind(doc)
    changed = False
    for paragraph_id in texts.keys() if paragraph_ids is None else paragraph_ids:
        text = texts.get(paragraph_id)
        if not isinstance(text, Text) or paragraph_id == DOCUMENT_KEY or paragraph_id not in info:
            continue
        meta = _plain(info.get(paragraph_id))
        marks = dict(meta.get(TRANSLATIONS_KEY) or {})
        wanted = marks_following(marks, languages, str(text))
        if wanted != marks:
            info[paragraph_id] = {**meta, TRANSLATIONS_KEY: wanted}
            changed = True
    return changed


def marks_following(marks: Mapping[str, Any], languages: Languages, source: str | None) -> dict[str, Any]:
    """A paragraph's stale marks as they must be with its source text `source` (None: a text known to
    differ from every confirmed one): a version is stale unless the source hashes to what it was last
    confirmed against."""
    current = None if source is None else source_hash(source)
    wanted = {}
    for language in languages.versions:
        mark = _mapping(marks.get(language))
        confirmed = mark.get("confirmed_against")
        wanted[language] = {
            "confirmed_against": confirmed,
            "confirmed_source": mark.get("confirmed_source"),
            "stale": confirmed is None or confirmed != current,
        }
    return wanted


def marks_follow(
    info: Mapping[str, Mapping[str, Any]], lengths: Mapping[str, int], source_of: Callable[[str], str]
) -> bool:
    """Whether the stale marks `info` records (as plain values: the guard's copy of it) already follow
    these paragraphs' source texts, so that `mark_stale` would write nothing. `lengths`: paragraph id →
    its text's length in UTF-8 bytes; the text itself (`source_of`) is read only when that length is
    one a confirmed text had."""
    languages = languages_in(info.get(DOCUMENT_KEY) or {})
    if languages is None:
        return True
    for paragraph_id, length in lengths.items():
        meta = info.get(paragraph_id)
        if meta is None:
            continue
        marks = dict(meta.get(TRANSLATIONS_KEY) or {})
        unlike = _unlike_every_confirmed(marks, languages, length)
        if marks_following(marks, languages, None if unlike else source_of(paragraph_id)) != marks:
            return False
    return True


def _unlike_every_confirmed(marks: Mapping[str, Any], languages: Languages, length: int) -> bool:
    """Whether a text of `length` UTF-8 bytes differs from every text a version was confirmed against."""
    for language in languages.versions:
        mark = _mapping(marks.get(language))
        confirmed, text = mark.get("confirmed_against"), mark.get("confirmed_source")
        if confirmed is None:
            continue
        if not isinstance(text, str) or len(text.encode("utf-8")) == length or source_hash(text) != confirmed:
            return False
    return True


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def confirm(doc: Doc[Any], paragraph_id: str, language: str) -> None:
    """The translation of `paragraph_id` into `language` is up to date with the source as it is now.
    The caller owns the transaction."""
    translation = read_translation(doc, paragraph_id, language)
    _, _, info = bind(doc)
    meta = _plain(info.get(paragraph_id))
    marks = dict(meta.get(TRANSLATIONS_KEY) or {})
    marks[language] = _confirmed(translation.source)
    info[paragraph_id] = {**meta, TRANSLATIONS_KEY: marks}


def read_translation(doc: Doc[Any], paragraph_id: str, language: str) -> Translation:
    languages = read_languages(doc)
    if languages is None or language not in languages.versions:
        raise NotFound("language version", language)
    _, texts, info = bind(doc)
    source = texts.get(paragraph_id)
    text = translations(doc, language).get(paragraph_id)
    if not isinstance(source, Text) or not isinstance(text, Text):
        raise NotFound("paragraph", paragraph_id)
    mark = dict(_plain(info.get(paragraph_id)).get(TRANSLATIONS_KEY, {}).get(language) or {})
    confirmed = mark.get("confirmed_source")
    return Translation(
        paragraph_id,
        language,
        str(text),
        str(source),
        stale=mark.get("confirmed_against") != source_hash(str(source)),
        confirmed_source=confirmed if isinstance(confirmed, str) else None,
    )


def read_version(doc: Doc[Any], language: str) -> dict[str, str]:
    """paragraph id → text of one language version (the source language: the source)."""
    languages = read_languages(doc)
    _, texts, _ = bind(doc)
    if languages is None or language == languages.source:
        return {key: str(value) for key, value in texts.items() if isinstance(value, Text)}
    if language not in languages.versions:
        raise NotFound("language version", language)
    return {key: str(value) for key, value in translations(doc, language).items() if isinstance(value, Text)}


@dataclass(frozen=True)
class StaleTranslation:
    paragraph_id: str
    label: str
    language: str


def stale_list(doc: Doc[Any]) -> list[StaleTranslation]:
    """Every stale translation, in reading order."""
    labels = {paragraph.id: paragraph.label for paragraph in read_paragraphs(doc)}
    return [
        StaleTranslation(paragraph_id, labels[paragraph_id], language)
        for paragraph_id, language in stale_translations(doc, list(labels))
    ]


def stale_translations(doc: Doc[Any], paragraph_ids: Sequence[str]) -> list[tuple[str, str]]:
    """(paragraph id, language) of every stale translation, in the order of `paragraph_ids`."""
    languages = read_languages(doc)
    if languages is None:
        return []
    return [
        (paragraph_id, language)
        for paragraph_id in paragraph_ids
        for language in languages.versions
        if read_translation(doc, paragraph_id, language).stale
    ]


def _plain(value: object) -> dict[str, Any]:
    if isinstance(value, Map):
        return dict(value.to_py() or {})
    return dict(value) if isinstance(value, dict) else {}
