from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from drafting.catalogue import (
    add_delegation,
    add_user,
    admit_delegation,
    change_delegation,
    change_user,
    create_document,
    create_negotiation,
    delegation_by_code,
    document_by_id,
    documents_for,
    negotiation_by_id,
    negotiations_for,
    user_by_email,
)
from drafting.errors import AlreadyExists, InvalidInput, NotFound
from drafting.kinds import DelegationKind, DocumentKind, DocumentStatus, ParagraphKind, Role
from drafting.layout import read_document_info, read_paragraphs
from drafting.store import Store

MEMBER, OBSERVER_STATE, ORGANIZATION = (
    DelegationKind.MEMBER_STATE,
    DelegationKind.OBSERVER_STATE,
    DelegationKind.INTERNATIONAL_ORGANIZATION,
)


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """Five delegations, committed; what a test adds is rolled back unless it commits."""
    with Session(engine) as session, session.begin():
        add_delegation(session, "MEX", "México", MEMBER)
        add_delegation(session, "GTM", "Guatemala", MEMBER)
        add_delegation(session, "CAN", "Canada", MEMBER)
        add_delegation(session, "COL", "Colombia", OBSERVER_STATE)
        add_delegation(session, "IOM", "Organización Internacional para las Migraciones", ORGANIZATION)
    with Session(engine) as session:
        yield session


def test_a_delegation_code_is_normalised(session: Session) -> None:
    delegation = add_delegation(session, " slv ", " El Salvador ", MEMBER)
    assert (delegation.code, delegation.name) == ("SLV", "El Salvador")
    assert delegation_by_code(session, "Slv") is delegation


def test_a_delegation_code_is_taken_once(session: Session) -> None:
    with pytest.raises(AlreadyExists) as caught:
        add_delegation(session, "mex", "México otra vez", MEMBER)
    assert (caught.value.kind, caught.value.key) == ("delegation", "MEX")


@pytest.mark.parametrize(("code", "name"), [("", "Nadie"), ("NIC", "  ")])
def test_a_delegation_needs_a_code_and_a_name(session: Session, code: str, name: str) -> None:
    with pytest.raises(InvalidInput):
        add_delegation(session, code, name, MEMBER)


def test_an_unknown_delegation_is_not_found(session: Session) -> None:
    with pytest.raises(NotFound) as caught:
        delegation_by_code(session, "ATL")
    assert (caught.value.kind, caught.value.key) == ("delegation", "ATL")
    with pytest.raises(NotFound):
        create_negotiation(session, "Reunión", "ATL")
    with pytest.raises(NotFound):
        create_negotiation(session, "Reunión", "MEX", ["GTM", "ATL"])
    with pytest.raises(NotFound):
        add_user(session, "nadie@example.org", "Nadie", Role.DELEGATE, "ATL")


def test_unknown_negotiations_users_and_documents_are_not_found(session: Session) -> None:
    with pytest.raises(NotFound):
        negotiation_by_id(session, 999)
    with pytest.raises(NotFound):
        user_by_email(session, "nadie@example.org")
    with pytest.raises(NotFound):
        document_by_id(session, 999)
    with pytest.raises(NotFound):
        create_document(session, 999, DocumentKind.DECLARATION, "Declaración")


def test_a_negotiation_defaults_to_every_delegation(session: Session) -> None:
    negotiation = create_negotiation(session, "  Reunión Viceministerial 🌎 ", "MEX")
    assert negotiation.title == "Reunión Viceministerial 🌎"
    assert [d.code for d in negotiation.participants] == ["CAN", "COL", "GTM", "IOM", "MEX"]
    assert negotiation.chair.code == "MEX"


def test_the_chair_always_takes_part(session: Session) -> None:
    negotiation = create_negotiation(session, "Reunión", "mex", ["GTM", "CAN"])
    assert sorted(d.code for d in negotiation.participants) == ["CAN", "GTM", "MEX"]
    assert negotiation_by_id(session, negotiation.id) is negotiation


def test_the_chair_is_listed_once(session: Session) -> None:
    negotiation = create_negotiation(session, "Reunión", "MEX", ["MEX", "GTM"])
    assert sorted(d.code for d in negotiation.participants) == ["GTM", "MEX"]


def test_a_negotiation_needs_a_title(session: Session) -> None:
    with pytest.raises(InvalidInput):
        create_negotiation(session, "   ", "MEX")


def test_a_user_email_is_normalised_and_taken_once(session: Session) -> None:
    user = add_user(session, " Lucía.Hernández@Example.MX ", "Lucía Hernández", Role.PPT, "MEX")
    assert user.email == "lucía.hernández@example.mx"
    assert user_by_email(session, "LUCÍA.HERNÁNDEZ@example.mx") is user
    with pytest.raises(AlreadyExists) as caught:
        add_user(session, "lucía.hernández@example.mx", "Otra", Role.DELEGATE, "GTM")
    assert caught.value.kind == "user"


@pytest.mark.parametrize("role", [Role.DELEGATE, Role.HEAD, Role.PPT, Role.OBSERVER])
def test_a_delegation_role_without_a_delegation_is_refused(session: Session, role: Role) -> None:
    with pytest.raises(InvalidInput, match="--delegation"):
        add_user(session, "sin.delegacion@example.org", "Sin Delegación", role)


@pytest.mark.parametrize("role", [Role.SECRETARIAT, Role.ADMIN])
def test_staff_need_no_delegation(session: Session, role: Role) -> None:
    assert add_user(session, "staff@example.org", "Secretaría Técnica", role).delegation is None


def test_an_observer_in_a_member_state_is_refused(session: Session) -> None:
    with pytest.raises(InvalidInput, match="member state"):
        add_user(session, "observador@example.org", "Observador", Role.OBSERVER, "GTM")
    assert add_user(session, "observador@example.org", "Observador", Role.OBSERVER, "COL").delegation


@pytest.mark.parametrize(("email", "name"), [("sin-arroba", "Nombre"), ("a@example.org", " ")])
def test_a_user_needs_an_address_and_a_name(session: Session, email: str, name: str) -> None:
    with pytest.raises(InvalidInput):
        add_user(session, email, name, Role.SECRETARIAT)


def test_a_document_is_created_with_its_first_state(engine: Engine, session: Session) -> None:
    negotiation = create_negotiation(session, "Reunión", "MEX")
    paragraphs = [
        (ParagraphKind.PREAMBULAR, "Reconociendo la migración 🌎;"),
        (ParagraphKind.OPERATIVE, "Acuerdan…"),
    ]
    document = create_document(session, negotiation.id, DocumentKind.DECLARATION, " Declaración ", paragraphs)
    session.commit()
    assert (document.title, document.status) == ("Declaración", DocumentStatus.DRAFT)
    doc = Store(engine).load(document.id).to_doc()
    assert [(p.kind, p.text, p.label) for p in read_paragraphs(doc)] == [
        (kind, text, label) for (kind, text), label in zip(paragraphs, ["PP1", "OP1"], strict=True)
    ]
    assert read_document_info(doc) == {"title": "Declaración", "kind": "declaration", "status": "draft"}


def test_a_document_needs_a_title(session: Session) -> None:
    negotiation = create_negotiation(session, "Reunión", "MEX")
    with pytest.raises(InvalidInput):
        create_document(session, negotiation.id, DocumentKind.DECLARATION, "")


def test_documents_for_scopes_by_delegation(session: Session) -> None:
    mexico = create_negotiation(session, "Reunión en México", "MEX", ["GTM", "IOM"])
    canada = create_negotiation(session, "Reunión en Canadá", "CAN")
    in_mexico = create_document(session, mexico.id, DocumentKind.DECLARATION, "Declaración de México")
    in_canada = [
        create_document(session, canada.id, DocumentKind.DECLARATION, "Declaración de Canadá"),
        create_document(session, canada.id, DocumentKind.PLAN_OF_ACTION, "Plan de Acción"),
    ]
    colombia = add_user(session, "col@example.org", "Observadora", Role.OBSERVER, "COL")
    guatemala = add_user(session, "gtm@example.org", "María Gómez", Role.DELEGATE, "GTM")
    canadian = add_user(session, "can@example.org", "Emily Tremblay", Role.HEAD, "CAN")
    iom = add_user(session, "iom@example.org", "OIM", Role.OBSERVER, "IOM")
    secretariat = add_user(session, "ts@example.org", "Secretaría Técnica", Role.SECRETARIAT)
    assert documents_for(session, guatemala) == [in_mexico, *in_canada]
    assert documents_for(session, iom) == [in_mexico, *in_canada]
    assert documents_for(session, canadian) == in_canada
    assert documents_for(session, colombia) == in_canada
    assert documents_for(session, secretariat) == [in_mexico, *in_canada]
    other = create_negotiation(session, "Reunión bilateral", "CAN", [])
    assert documents_for(session, guatemala) == [in_mexico, *in_canada]
    assert [d.code for d in other.participants] == ["CAN"]


def test_a_users_access_changes_and_says_so(session: Session) -> None:
    user = add_user(session, "ana@example.mx", "Ana", Role.DELEGATE, "MEX")
    assert not change_user(session, user, name=" Ana López ")
    assert user.name == "Ana López"
    assert change_user(session, user, role=Role.HEAD)
    assert change_user(session, user, delegation="gtm") and user.delegation
    assert user.delegation.code == "GTM"
    assert not change_user(session, user, delegation="GTM", role=Role.HEAD)  # the same: nothing changed
    assert change_user(session, user, role=Role.SECRETARIAT) and user.delegation is None
    assert change_user(session, user, active=False) and not user.active


def test_a_users_change_keeps_the_rules_of_adding_one(session: Session) -> None:
    user = add_user(session, "sec@example.org", "Secretaría", Role.SECRETARIAT)
    with pytest.raises(InvalidInput, match="needs a delegation"):
        change_user(session, user, role=Role.DELEGATE)
    with pytest.raises(InvalidInput, match="member state"):
        change_user(session, user, role=Role.OBSERVER, delegation="MEX")


def test_a_delegation_is_renamed_and_its_kind_changed_within_the_rules(session: Session) -> None:
    colombia = delegation_by_code(session, "COL")
    change_delegation(session, colombia, name=" República de Colombia ", kind=MEMBER)
    assert (colombia.code, colombia.name, colombia.kind) == ("COL", "República de Colombia", MEMBER)
    create_negotiation(session, "RCGM", "MEX")
    with pytest.raises(InvalidInput, match="chair"):
        change_delegation(session, delegation_by_code(session, "MEX"), kind=OBSERVER_STATE)
    add_user(session, "obs@iom.int", "Observadora", Role.OBSERVER, "IOM")
    with pytest.raises(InvalidInput, match="observers"):
        change_delegation(session, delegation_by_code(session, "IOM"), kind=MEMBER)
    with pytest.raises(InvalidInput):
        change_delegation(session, colombia, name=" ")


def test_an_observer_cannot_chair(session: Session) -> None:
    with pytest.raises(InvalidInput, match="member state"):
        create_negotiation(session, "RCGM", "IOM")


def test_a_delegation_is_admitted_once(session: Session) -> None:
    negotiation = create_negotiation(session, "RCGM", "MEX", ["GTM"])
    assert admit_delegation(session, negotiation, "can")
    assert not admit_delegation(session, negotiation, "CAN")
    assert sorted(d.code for d in negotiation.participants) == ["CAN", "GTM", "MEX"]
    assert [n.title for n in negotiations_for(session, add_user(session, "c@ca", "C", Role.HEAD, "CAN"))] == [
        "RCGM"
    ]
    assert negotiations_for(session, add_user(session, "i@iom.int", "I", Role.OBSERVER, "IOM")) == []
