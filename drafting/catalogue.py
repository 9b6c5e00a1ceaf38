"""The Secretariat's register: delegations, negotiations, users and the documents under negotiation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from drafting import audit
from drafting.clock import utcnow
from drafting.errors import AlreadyExists, InvalidInput, NotFound
from drafting.kinds import DelegationKind, DocumentKind, DocumentStatus, ParagraphKind, Role, UpdateOrigin
from drafting.languages import Languages, write_draft
from drafting.layout import new_draft, write_document
from drafting.log_rows import LoggedUpdate, log_digest, log_genesis, row_values
from drafting.models import Delegation, Document, DocumentUpdate, Negotiation, User
from drafting.senders import Sender


def add_delegation(session: Session, code: str, name: str, kind: DelegationKind) -> Delegation:
    code = code.strip().upper()
    if not code or not name.strip():
        raise InvalidInput("a delegation needs a code and a name")
    if session.scalar(select(Delegation).where(Delegation.code == code)) is not None:
        raise AlreadyExists("delegation", code)
    delegation = Delegation(code=code, name=name.strip(), kind=kind)
    session.add(delegation)
    session.flush()
    return delegation


def delegations(session: Session) -> list[Delegation]:
    return list(session.scalars(select(Delegation).order_by(Delegation.code)))


def delegation_by_id(session: Session, delegation_id: int) -> Delegation:
    delegation = session.get(Delegation, delegation_id)
    if delegation is None:
        raise NotFound("delegation", delegation_id)
    return delegation


def change_delegation(
    session: Session, delegation: Delegation, *, name: str | None = None, kind: DelegationKind | None = None
) -> Delegation:
    """Rename a delegation or change its kind; its code, which positions and URLs name, never changes."""
    if name is not None:
        if not name.strip():
            raise InvalidInput("a delegation needs a name")
        delegation.name = name.strip()
    if kind is not None and kind is not delegation.kind:
        _check_kind_fits(session, delegation, kind)
        delegation.kind = kind
    session.flush()
    return delegation


def _check_kind_fits(session: Session, delegation: Delegation, kind: DelegationKind) -> None:
    if not kind.is_observer:
        observers = session.scalar(
            select(User.email).where(User.delegation_id == delegation.id, User.role == Role.OBSERVER).limit(1)
        )
        if observers is not None:
            raise InvalidInput(
                f"{delegation.code} has observers ({observers}): a member state has no observers; "
                "change their role first",
                code="delegation_kind_refused",
                delegation=delegation.code,
            )
        return
    chairing = session.scalar(select(Negotiation.title).where(Negotiation.chair_id == delegation.id).limit(1))
    if chairing is not None:
        raise InvalidInput(
            f"{delegation.code} chairs {chairing!r}: the chair is a member state",
            code="delegation_kind_refused",
            delegation=delegation.code,
        )


def delegation_by_code(session: Session, code: str) -> Delegation:
    delegation = session.scalar(select(Delegation).where(Delegation.code == code.strip().upper()))
    if delegation is None:
        raise NotFound("delegation", code)
    return delegation


def create_negotiation(
    session: Session, title: str, chair: str, participants: Sequence[str] | None = None
) -> Negotiation:
    if not title.strip():
        raise InvalidInput("a negotiation needs a title")
    chair_delegation = delegation_by_code(session, chair)
    if chair_delegation.kind.is_observer:
        raise InvalidInput(
            f"{chair_delegation.code} is not a member state: the chair (PPT) is a member state",
            code="chair_not_member_state",
            delegation=chair_delegation.code,
        )
    if participants is None:
        members = list(session.scalars(select(Delegation).order_by(Delegation.code)))
    else:
        members = [delegation_by_code(session, code) for code in participants]
    if chair_delegation not in members:
        members.append(chair_delegation)
    negotiation = Negotiation(title=title.strip(), chair=chair_delegation, participants=members)
    session.add(negotiation)
    session.flush()
    return negotiation


def admit_delegation(session: Session, negotiation: Negotiation, code: str) -> bool:
    """Let a delegation take part in a negotiation; False if it already did."""
    delegation = delegation_by_code(session, code)
    if delegation in negotiation.participants:
        return False
    negotiation.participants.append(delegation)
    session.flush()
    return True


def negotiation_by_id(session: Session, negotiation_id: int) -> Negotiation:
    negotiation = session.get(Negotiation, negotiation_id)
    if negotiation is None:
        raise NotFound("negotiation", negotiation_id)
    return negotiation


def negotiations_for(session: Session, user: User) -> list[Negotiation]:
    """The negotiations the user's delegation takes part in (all, for staff roles), oldest first."""
    query = select(Negotiation).order_by(Negotiation.id)
    if user.role.needs_delegation:
        if user.delegation is None:
            return []
        query = query.where(Negotiation.participants.any(Delegation.id == user.delegation.id))
    return list(session.scalars(query))


def add_user(session: Session, email: str, name: str, role: Role, delegation: str | None = None) -> User:
    email = email.strip().lower()
    if "@" not in email or not name.strip():
        raise InvalidInput("a user needs an e-mail address and a name")
    if session.scalar(select(User).where(User.email == email)) is not None:
        raise AlreadyExists("user", email)
    member_of = _delegation_for(session, role, delegation)
    user = User(email=email, name=name.strip(), role=role, delegation=member_of)
    session.add(user)
    session.flush()
    actor = session.info.get("actor_id")  # who adds them, when known (the REST pipeline says)
    audit.record(session, actor, "user_added", f"user/{user.id}", audit.role_detail(user))
    return user


def _delegation_for(session: Session, role: Role, delegation: str | None) -> Delegation | None:
    """The delegation a user of `role` belongs to: needed by negotiators and observers, none for staff."""
    if role.needs_delegation and not delegation:
        raise InvalidInput(
            f"the role {role.value} needs a delegation (--delegation CODE)",
            code="delegation_needed",
            role=role.value,
        )
    if not role.needs_delegation:
        return None
    assert delegation is not None
    member_of = delegation_by_code(session, delegation)
    if role is Role.OBSERVER and not member_of.kind.is_observer:
        raise InvalidInput(
            f"{member_of.code} is a member state; observers belong to observer delegations",
            code="observer_in_member_state",
            delegation=member_of.code,
        )
    return member_of


def users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.email)))


def user_by_id(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("user", user_id)
    return user


def change_user(
    session: Session,
    user: User,
    *,
    name: str | None = None,
    role: Role | None = None,
    delegation: str | None = None,
    active: bool | None = None,
) -> bool:
    """Change a user's name, role, delegation or active flag; True if their access changed (role,
    delegation or active), which must end what they have open (auth.endings.access_changed)."""
    if name is not None:
        if not name.strip():
            raise InvalidInput("a user needs a name")
        user.name = name.strip()
    new_role = role or user.role
    wanted = delegation if delegation is not None else (user.delegation.code if user.delegation else None)
    member_of = _delegation_for(session, new_role, wanted or None)
    changed = new_role is not user.role or member_of is not user.delegation
    user.role, user.delegation = new_role, member_of
    if active is not None and active is not user.active:
        user.active, changed = active, True
    session.flush()
    return changed


def user_by_email(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound("user", email)
    return user


def link_identity(session: Session, user: User, issuer: str, subject: str) -> User:
    """Tie a user to (issuer, subject) at an identity provider: how sign-in will know them."""
    if not issuer.strip() or not subject.strip():
        raise InvalidInput("an identity needs an issuer and a subject")
    taken = session.scalar(
        select(User).where(User.issuer == issuer, User.subject == subject, User.id != user.id)
    )
    if taken is not None:
        raise AlreadyExists("identity", f"{issuer} {subject}")
    user.issuer, user.subject = issuer.strip(), subject.strip()
    session.flush()
    return user


def create_document(
    session: Session,
    negotiation_id: int,
    kind: DocumentKind,
    title: str,
    paragraphs: Sequence[tuple[ParagraphKind, str]] = (),
    *,
    created_by: int | None = None,
    languages: Languages | None = None,
    versions: Mapping[str, Sequence[str]] | None = None,
) -> Document:
    """Register a document and store its first state (update 1 of its log, sent by `created_by`).

    With `languages`, its paragraphs are written in the source language and every other one is a language
    version; `versions` may give a version's texts, paragraph by paragraph, confirmed as they are."""
    if not title.strip():
        raise InvalidInput("a document needs a title")
    negotiation = negotiation_by_id(session, negotiation_id)
    document = Document(negotiation=negotiation, kind=kind, title=title.strip(), status=DocumentStatus.DRAFT)
    session.add(document)
    session.flush()
    doc = new_draft()
    if languages is None:
        write_document(doc, title=document.title, kind=kind, status=document.status, paragraphs=paragraphs)
    else:
        write_draft(
            doc,
            title=document.title,
            kind=kind,
            paragraphs=paragraphs,
            languages=languages,
            versions=versions or {},
        )
    first = LoggedUpdate(
        document.id, 1, doc.get_update(), utcnow(), Sender.server(UpdateOrigin.IMPORT, created_by)
    )
    session.add(DocumentUpdate(**row_values(first, log_digest(log_genesis(document.id), first))))
    session.flush()
    return document


def document_by_id(session: Session, document_id: int) -> Document:
    document = session.get(Document, document_id)
    if document is None:
        raise NotFound("document", document_id)
    return document


def documents_for(session: Session, user: User) -> list[Document]:
    """The documents of the negotiations the user's delegation takes part in (all, for staff roles)."""
    query = select(Document).join(Negotiation).order_by(Negotiation.id, Document.id)
    if user.role.needs_delegation:
        if user.delegation is None:
            return []
        query = query.where(Negotiation.participants.any(Delegation.id == user.delegation.id))
    return list(session.scalars(query))
