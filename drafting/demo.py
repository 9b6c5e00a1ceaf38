"""The demo: the RCM's member states, some observers, one user per role, and the 2015 negotiation.

Loading it twice changes nothing: every piece is looked up before it is created.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from drafting.catalogue import add_delegation, add_user, create_document, create_negotiation
from drafting.importing import paragraphs_from_text
from drafting.kinds import DelegationKind, DocumentKind, Role
from drafting.languages import Languages
from drafting.models import Delegation, Document, Negotiation, User

TEXTS = Path(__file__).with_name("demo_texts")
NEGOTIATION = "XX Vice-Ministerial Meeting, Mexico City, November 2015"
CHAIR = "MEX"

DELEGATIONS = [
    ("BLZ", "Belize", DelegationKind.MEMBER_STATE),
    ("CAN", "Canada", DelegationKind.MEMBER_STATE),
    ("CRI", "Costa Rica", DelegationKind.MEMBER_STATE),
    ("DOM", "Dominican Republic", DelegationKind.MEMBER_STATE),
    ("SLV", "El Salvador", DelegationKind.MEMBER_STATE),
    ("GTM", "Guatemala", DelegationKind.MEMBER_STATE),
    ("HND", "Honduras", DelegationKind.MEMBER_STATE),
    ("MEX", "Mexico", DelegationKind.MEMBER_STATE),
    ("NIC", "Nicaragua", DelegationKind.MEMBER_STATE),
    ("PAN", "Panama", DelegationKind.MEMBER_STATE),
    ("USA", "United States of America", DelegationKind.MEMBER_STATE),
    ("ARG", "Argentina", DelegationKind.OBSERVER_STATE),
    ("COL", "Colombia", DelegationKind.OBSERVER_STATE),
    ("IOM", "International Organization for Migration", DelegationKind.INTERNATIONAL_ORGANIZATION),
    ("UNHCR", "Office of the UN High Commissioner for Refugees", DelegationKind.INTERNATIONAL_ORGANIZATION),
    ("RNCOM", "Regional Network for Civil Organizations on Migration", DelegationKind.CIVIL_SOCIETY),
]

USERS = [
    ("ppt@demo.consenso", "Lucía Hernández (PPT, Mexico)", Role.PPT, "MEX"),
    ("head.mex@demo.consenso", "Andrés Ramírez (Head, Mexico)", Role.HEAD, "MEX"),
    ("delegate.mex@demo.consenso", "Sofía Martínez (Mexico)", Role.DELEGATE, "MEX"),
    ("head.gtm@demo.consenso", "José Pérez (Head, Guatemala)", Role.HEAD, "GTM"),
    ("delegate.gtm@demo.consenso", "María Gómez (Guatemala)", Role.DELEGATE, "GTM"),
    ("head.can@demo.consenso", "Emily Tremblay (Head, Canada)", Role.HEAD, "CAN"),
    ("observer.iom@demo.consenso", "Observer (IOM)", Role.OBSERVER, "IOM"),
    ("secretariat@demo.consenso", "Technical Secretariat", Role.SECRETARIAT, None),
    ("admin@demo.consenso", "Administrator", Role.ADMIN, None),
]

DOCUMENTS = [
    (DocumentKind.DECLARATION, "Declaration of the XX Vice-Ministerial Meeting", "declaration.txt"),
    (DocumentKind.PLAN_OF_ACTION, "Plan of Action 2016", "plan_of_action.txt"),
]
# The Declaration is negotiated in English with its Spanish version kept in step (confirmed as loaded);
# the Plan of Action has one text.
VERSIONS = {"declaration.txt": {"es": "declaration.es.txt"}}


def load_demo(session: Session) -> Negotiation:
    known = set(session.scalars(select(Delegation.code)))
    for code, name, kind in DELEGATIONS:
        if code not in known:
            add_delegation(session, code, name, kind)
    emails = set(session.scalars(select(User.email)))
    for email, name, role, delegation in USERS:
        if email not in emails:
            add_user(session, email, name, role, delegation)
    negotiation = session.scalar(select(Negotiation).where(Negotiation.title == NEGOTIATION))
    if negotiation is None:
        negotiation = create_negotiation(session, NEGOTIATION, CHAIR)
    titles = set(session.scalars(select(Document.title).where(Document.negotiation_id == negotiation.id)))
    for document_kind, title, filename in DOCUMENTS:
        if title not in titles:
            text = (TEXTS / filename).read_text(encoding="utf-8")
            versions = {
                language: [
                    block for _, block in paragraphs_from_text((TEXTS / name).read_text(encoding="utf-8"))
                ]
                for language, name in VERSIONS.get(filename, {}).items()
            }
            create_document(
                session,
                negotiation.id,
                document_kind,
                title,
                paragraphs_from_text(text),
                languages=Languages("en", tuple(versions)) if versions else None,
                versions=versions,
            )
    return negotiation
