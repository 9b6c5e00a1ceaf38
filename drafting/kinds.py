"""Every enumeration of a negotiation, in one place: kinds of paragraphs, documents and delegations, roles,
statuses, silence procedure states, comment visibility, stances and kinds of amendment."""

from __future__ import annotations

from enum import StrEnum


class ParagraphKind(StrEnum):
    HEADING = "heading"
    PREAMBULAR = "preambular"
    OPERATIVE = "operative"


class ParagraphStatus(StrEnum):
    OPEN = "open"
    BRACKETED = "bracketed"
    AGREED_AD_REF = "agreed_ad_ref"
    AGREED = "agreed"


class DocumentKind(StrEnum):
    DECLARATION = "declaration"
    PLAN_OF_ACTION = "plan_of_action"
    EXECUTIVE_SUMMARY = "executive_summary"
    SUMMARY_OF_ACTIVITIES = "summary_of_activities"


class DocumentStatus(StrEnum):
    DRAFT = "draft"
    UNDER_SILENCE = "under_silence"
    ADOPTED = "adopted"


class DelegationKind(StrEnum):
    MEMBER_STATE = "member_state"
    OBSERVER_STATE = "observer_state"
    INTERNATIONAL_ORGANIZATION = "international_organization"
    CIVIL_SOCIETY = "civil_society"

    @property
    def is_observer(self) -> bool:
        return self is not DelegationKind.MEMBER_STATE


class Role(StrEnum):
    DELEGATE = "delegate"
    HEAD = "head"
    PPT = "ppt"
    SECRETARIAT = "secretariat"
    OBSERVER = "observer"
    ADMIN = "admin"

    @property
    def needs_delegation(self) -> bool:
        return self in (Role.DELEGATE, Role.HEAD, Role.PPT, Role.OBSERVER)


class SilenceState(StrEnum):
    RUNNING = "running"
    CANCELLED = "cancelled"
    BROKEN = "broken"
    ADOPTED = "adopted"


class Visibility(StrEnum):
    DELEGATION = "delegation"  # the author's delegation only: internal notes
    PARTICIPANTS = "participants"


class Stance(StrEnum):
    SUPPORT = "support"
    AMEND = "amend"
    OPPOSE = "oppose"
    RESERVATION = "reservation"
    NONE = "none"


class AmendmentKind(StrEnum):
    REPLACE = "replace"  # new wording of the paragraph
    DELETE = "delete"  # delete the paragraph
    NEW_PARAGRAPH = "new_paragraph"  # a new paragraph after this one


class UpdateOrigin(StrEnum):
    """What caused an update of the log: a participant typing, or one of the server's own edits."""

    CLIENT = "client"  # sent over the sync socket (compensation of what it may not change included)
    AMENDMENT = "amendment"  # a submitted amendment incorporated by the PPT
    COMPENSATION = "compensation"  # the server putting back what a sender may not change, on its own
    IMPORT = "import"  # a document's text as it was imported or created
    RESTORE = "restore"  # a paragraph or revision restored as a new change
    LABELS = "labels"  # derived layout: a new paragraph's OP7bis, renumbering, language versions in step
    CONSENSUS = "consensus"  # statuses, locks, silence and adoption written into `info`
    STRUCTURE = "structure"  # a paragraph inserted, moved or deleted by the server
