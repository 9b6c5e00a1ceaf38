"""Akoma Ntoso 3.0 XML (OASIS LegalDocML) for revisions and the adopted text.

A Declaration or Plan of Action is an AKN `statement` (the official text of a deliberative body): its
title block is the `preface`, the preambular paragraphs are the `recital`s of the `preamble`, and from the
first operative paragraph on, every paragraph is a `paragraph` of the `mainBody`, a heading an
`hcontainer`. eIds follow the AKN Naming Convention (`preamble__recitals_1__rec_2`, `para_7bis`,
`hcontainer_1`) from the paragraphs' labels; the stable paragraph id is kept as `GUID`. Preambular
opening words and operative verbs are `<i>`; in a draft, each paragraph's status is its `class`; the
revision and the adopted text's hashes are in the preface and in `proprietary` metadata.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from drafting.exports.edition import Edition, opening_words
from drafting.kinds import ParagraphKind
from drafting.layout import Paragraph

if TYPE_CHECKING:
    from lxml import etree

AKN = "http://docs.oasis-open.org/legaldocml/ns/akn/3.0"
CONSENSO = "urn:consenso:edition:1"
JURISDICTION = "rcm"  # the Conference: AKN's FRBRcountry is a jurisdiction, and this one is no country
_LABEL_NUMBER = re.compile(r"^(?:PP|OP)(.+)$")


def _element(parent: etree._Element, tag: str, text: str | None = None, **attributes: str) -> etree._Element:
    from lxml import etree  # lxml loads with the first export, not with the server (docs/decisions/0051)

    child = etree.SubElement(parent, f"{{{AKN}}}{tag}", {k.rstrip("_"): v for k, v in attributes.items()})
    if text is not None:
        child.text = text
    return child


def _frbr(parent: etree._Element, tag: str, this: str, uri: str, day: str, name: str) -> etree._Element:
    level = _element(parent, tag)
    _element(level, "FRBRthis", value=this)
    _element(level, "FRBRuri", value=uri)
    _element(level, "FRBRdate", date=day, name=name)
    _element(level, "FRBRauthor", href="#rcm")
    return level


def _meta(root: etree._Element, edition: Edition, document_id: int) -> None:
    meta = _element(root, "meta")
    identification = _element(meta, "identification", source="#consenso")
    day = edition.date.isoformat()
    kind = edition.rendered.kind or "document"
    work = f"/akn/{JURISDICTION}/statement/{kind}/{day}/{document_id}"
    language = edition.rendered.language or "und"
    version = re.sub(r"[^A-Za-z0-9.]+", "-", edition.revision).strip("-") or "text"
    expression = f"{work}/{language}@{version}"
    name = "adoption" if edition.adopted else "revision"
    frbr_work = _frbr(identification, "FRBRWork", f"{work}/!main", work, day, name)
    _element(frbr_work, "FRBRcountry", value=JURISDICTION)
    frbr_expression = _frbr(identification, "FRBRExpression", f"{expression}/!main", expression, day, name)
    _element(frbr_expression, "FRBRlanguage", language=language)
    _frbr(identification, "FRBRManifestation", f"{expression}/!main.xml", f"{expression}.xml", day, name)
    references = _element(meta, "references", source="#consenso")
    _element(references, "TLCOrganization", eId="rcm", href="/ontology/organization/rcm", showAs="RCM")
    _element(
        references,
        "TLCOrganization",
        eId="consenso",
        href="/ontology/organization/consenso",
        showAs="Consenso",
    )
    proprietary = _element(meta, "proprietary", source="#consenso")
    attributes = {"revision": edition.revision, "status": edition.rendered.status.value}
    if edition.revision_sha256:
        attributes["revisionSha256"] = edition.revision_sha256
    if edition.adopted_sha256:
        attributes["adoptedSha256"] = edition.adopted_sha256
    from lxml import etree

    etree.SubElement(proprietary, f"{{{CONSENSO}}}edition", attributes, nsmap={"consenso": CONSENSO})


def _preface(root: etree._Element, edition: Edition) -> None:
    preface = _element(root, "preface")
    title = _element(preface, "p", class_="title")
    _element(title, "docTitle", edition.rendered.title)
    _element(preface, "p", edition.negotiation, class_="negotiation")
    revision = _element(preface, "p", class_="revision")
    _element(revision, "docNumber", edition.revision_label).tail = " — "
    _element(revision, "docDate", edition.date.isoformat(), date=edition.date.isoformat())
    status = _element(preface, "p", class_="status")
    _element(status, "docStatus", edition.state)
    for line in edition.hash_lines():
        _element(preface, "p", line, class_="hash")


def _text(parent: etree._Element, paragraph: Paragraph) -> None:
    """`<p>` with the opening words in `<i>`; brackets and every other character as typed."""
    p = _element(parent, "p")
    start, end = opening_words(paragraph)
    text = paragraph.text
    p.text = text[:start]
    if end > start:
        _element(p, "i", text[start:end]).tail = text[end:]
    else:
        p.text = text


class _Ids:
    """eIds in the Naming Convention's form, unique in the document."""

    def __init__(self) -> None:
        self.taken: set[str] = set()
        self.counters: dict[str, int] = {}

    def next(self, prefix: str, number: str | None = None) -> str:
        if number is None:
            self.counters[prefix] = self.counters.get(prefix, 0) + 1
            number = str(self.counters[prefix])
        candidate = f"{prefix}_{number}"
        extra = 1
        while candidate in self.taken:
            extra += 1
            candidate = f"{prefix}_{number}-{extra}"
        self.taken.add(candidate)
        return candidate


def _number(paragraph: Paragraph) -> str | None:
    match = _LABEL_NUMBER.match(paragraph.label)
    return re.sub(r"[^0-9A-Za-z]+", "", match.group(1)).lower() if match else None


def _classes(paragraph: Paragraph, edition: Edition) -> dict[str, str]:
    if not edition.shows_statuses:
        return {"class": paragraph.kind.value}
    return {
        "class": f"{paragraph.kind.value} {paragraph.status.value}",
        "title": edition.words.statuses[paragraph.status],
    }


def edition_akn(edition: Edition, *, document_id: int = 0) -> bytes:
    """The edition as an Akoma Ntoso 3.0 document (UTF-8, with an XML declaration)."""
    from lxml import etree

    root = etree.Element(f"{{{AKN}}}akomaNtoso", nsmap={None: AKN})
    statement = _element(root, "statement", name=edition.rendered.kind or "document")
    _meta(statement, edition, document_id)
    _preface(statement, edition)
    paragraphs = list(edition.rendered.paragraphs)
    first_operative = next(
        (i for i, p in enumerate(paragraphs) if p.kind is ParagraphKind.OPERATIVE), len(paragraphs)
    )
    ids = _Ids()
    if first_operative:
        preamble = _element(statement, "preamble", eId="preamble")
        recitals: etree._Element | None = None
        for paragraph in paragraphs[:first_operative]:
            if paragraph.kind is ParagraphKind.HEADING:
                recitals = None
                _element(preamble, "p", paragraph.text, class_="heading", GUID=paragraph.id)
                continue
            if recitals is None:
                recitals = _element(preamble, "recitals", eId=ids.next("preamble__recitals"))
            recital = _element(
                recitals,
                "recital",
                eId=ids.next(f"{recitals.get('eId')}__rec", _number(paragraph)),
                GUID=paragraph.id,
                **_classes(paragraph, edition),
            )
            if paragraph.label:
                _element(recital, "num", paragraph.label)
            _text(recital, paragraph)
    body = _element(statement, "mainBody")
    for paragraph in paragraphs[first_operative:]:
        if paragraph.kind is ParagraphKind.HEADING:
            container = _element(
                body, "hcontainer", name="heading", eId=ids.next("hcontainer"), GUID=paragraph.id
            )
            _element(container, "heading", paragraph.text)
            continue
        element = _element(
            body,
            "paragraph",
            eId=ids.next("para", _number(paragraph)),
            GUID=paragraph.id,
            **_classes(paragraph, edition),
        )
        if paragraph.label:
            _element(element, "num", paragraph.label)
        _text(_element(element, "content"), paragraph)
    if not len(body):
        _element(body, "p")  # a mainBody has content; an empty document still validates
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
