"""Who may do what: pure functions over a principal, an action and its scope. The single source of truth.

Every REST route and the sync socket ask `authorize`. A role's rights hold only inside the negotiations
its delegation takes part in; the PPT's moderation only where its delegation is the chair.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from enum import StrEnum

from auth.principal import Principal
from drafting.kinds import Role


class Action(StrEnum):
    # Reading and drafting, inside a negotiation.
    READ = "read"
    EDIT_TEXT = "edit_text"
    COMMENT = "comment"
    DRAFT_POSITION = "draft_position"
    SUBMIT_POSITION = "submit_position"  # submit, revise, withdraw the delegation's official position
    BREAK_SILENCE = "break_silence"
    # The chair's moderation, inside a negotiation it chairs.
    RESTRUCTURE = "restructure"
    LOCK = "lock"  # lock, unlock, reopen, set a paragraph's status
    INCORPORATE = "incorporate"
    RUN_SILENCE = "run_silence"
    ADOPT = "adopt"
    OPEN_COMMENTS = "open_comments"  # let observers comment
    RESTORE = "restore"  # a paragraph or a whole revision restored as a new change
    # The Secretariat's and the administrator's work, across negotiations.
    CREATE_NEGOTIATION = "create_negotiation"
    CREATE_DOCUMENT = "create_document"
    MANAGE_DELEGATIONS = "manage_delegations"
    MANAGE_USERS = "manage_users"
    CREATE_REVISION = "create_revision"  # the Secretariat, and the PPT in the negotiation it chairs
    READ_AUDIT = "read_audit"  # the audit trail: filter and export it
    TRANSLATE = "translate"  # edit, correct and confirm the language versions
    EXPORT = "export"
    MANAGE_IDENTITY = "manage_identity"  # identity providers, configuration
    # Anyone signed in, about themselves and what they take part in.
    OWN_CREDENTIALS = "own_credentials"
    BROWSE = "browse"  # the list of the negotiations and documents one takes part in


NEGOTIATORS = frozenset({Role.DELEGATE, Role.HEAD, Role.PPT})
SPEAKERS = frozenset({Role.HEAD, Role.PPT})  # speak for their delegation
STAFF = frozenset({Role.SECRETARIAT, Role.ADMIN})

PARTICIPANT_ACTIONS: dict[Action, frozenset[Role]] = {
    Action.READ: NEGOTIATORS | {Role.OBSERVER},
    Action.EDIT_TEXT: NEGOTIATORS,
    Action.COMMENT: NEGOTIATORS,  # observers: only where the PPT opened comments (below)
    Action.DRAFT_POSITION: NEGOTIATORS,
    Action.SUBMIT_POSITION: SPEAKERS,
    Action.BREAK_SILENCE: SPEAKERS,
}
# Acts done in a delegation's name: only its own members do them.
FOR_OWN_DELEGATION = frozenset({Action.DRAFT_POSITION, Action.SUBMIT_POSITION, Action.BREAK_SILENCE})
CHAIR_ACTIONS = frozenset(
    {
        Action.RESTRUCTURE,
        Action.LOCK,
        Action.INCORPORATE,
        Action.RUN_SILENCE,
        Action.ADOPT,
        Action.OPEN_COMMENTS,
        Action.RESTORE,
    }
)
STAFF_ACTIONS: dict[Action, frozenset[Role]] = {
    Action.CREATE_NEGOTIATION: frozenset({Role.SECRETARIAT}),
    Action.CREATE_DOCUMENT: frozenset({Role.SECRETARIAT}),
    Action.MANAGE_DELEGATIONS: frozenset({Role.SECRETARIAT}),
    Action.MANAGE_USERS: frozenset({Role.SECRETARIAT, Role.ADMIN}),
    Action.CREATE_REVISION: frozenset({Role.SECRETARIAT}),
    Action.READ_AUDIT: frozenset({Role.SECRETARIAT}),
    Action.TRANSLATE: frozenset({Role.SECRETARIAT}),
    Action.EXPORT: frozenset({Role.SECRETARIAT}) | NEGOTIATORS | {Role.OBSERVER},
    Action.MANAGE_IDENTITY: frozenset({Role.ADMIN}),
}


@dataclass(frozen=True)
class Scope:
    """What an action is about: a negotiation's participating delegations and its chair, and for a
    position or a broken silence, the delegation it speaks for (None: the asker's own)."""

    participants: frozenset[int] = frozenset()
    chair_id: int | None = None
    observers_may_comment: bool = False
    for_delegation: int | None = None


@dataclass(frozen=True)
class Decision:
    allowed: bool
    rule: str

    def __bool__(self) -> bool:
        return self.allowed


def allow(rule: str) -> Decision:
    return Decision(True, rule)


def deny(rule: str) -> Decision:
    return Decision(False, rule)


def takes_part(principal: Principal, scope: Scope) -> bool:
    return principal.delegation_id is not None and principal.delegation_id in scope.participants


def chairs(principal: Principal, scope: Scope) -> bool:
    return principal.delegation_id is not None and principal.delegation_id == scope.chair_id


def authorize(principal: Principal, action: Action, scope: Scope | None = None) -> Decision:
    """May `principal` do `action` on what `scope` describes? Deny by default."""
    if action is Action.OWN_CREDENTIALS:
        return allow("everyone signed in manages their own sessions and tokens")
    if action is Action.BROWSE:
        return allow("everyone signed in sees the negotiations they take part in")
    if action is Action.CREATE_REVISION and principal.role is Role.PPT and scope is not None:
        if takes_part(principal, scope) and chairs(principal, scope):
            return allow("the Presidency Pro-Tempore archives revisions of the negotiation it chairs")
        return deny("only the Secretariat, or the Presidency Pro-Tempore of this negotiation, make revisions")
    if action in STAFF_ACTIONS and action is not Action.EXPORT:
        if principal.role in STAFF_ACTIONS[action]:
            return allow(f"the {principal.role.value} role may {action.value.replace('_', ' ')}")
        return deny(f"only the {_roles(STAFF_ACTIONS[action])} may {action.value.replace('_', ' ')}")
    scope = scope or Scope()
    if principal.role in STAFF:
        if action in (Action.READ, Action.EXPORT):
            return allow("the Secretariat and administrators read every negotiation")
        return deny(f"the {principal.role.value} role does not negotiate: it may not {_verb(action)}")
    if not takes_part(principal, scope):
        return deny("your delegation does not take part in this negotiation")
    if action is Action.EXPORT:
        return allow("participants export their negotiation's documents")
    if action in CHAIR_ACTIONS:
        if principal.role is Role.PPT and chairs(principal, scope):
            return allow("the Presidency Pro-Tempore moderates the negotiation it chairs")
        return deny(f"only the Presidency Pro-Tempore of this negotiation may {_verb(action)}")
    if action in FOR_OWN_DELEGATION and scope.for_delegation not in (None, principal.delegation_id):
        return deny(f"you may {_verb(action)} only for your own delegation")
    if action is Action.COMMENT and principal.role is Role.OBSERVER:
        if scope.observers_may_comment:
            return allow("the PPT opened comments to observers")
        return deny("observers comment only where the Presidency Pro-Tempore opened comments to them")
    roles = PARTICIPANT_ACTIONS.get(action)
    if roles is None:
        return deny(f"no rule allows {_verb(action)}")
    if principal.role in roles:
        return allow(f"the {principal.role.value} role may {_verb(action)}")
    return deny(f"only the {_roles(roles)} may {_verb(action)}; your role is {principal.role.value}")


def may_change_account(
    principal: Principal, user_id: int, current: Role, new: Role, access: bool
) -> Decision:
    """May `principal`, who manages users, change account `user_id` (now of role `current`) to role `new`
    (`access`: its role, delegation or active flag changes)? Only an administrator grants, changes or
    removes the admin role; nobody changes their own access, so nobody locks themselves out."""
    if access and principal.user_id == user_id:
        return deny("you may not change your own role, delegation or access: ask another administrator")
    if Role.ADMIN in (current, new) and principal.role is not Role.ADMIN:
        return deny("only an administrator may grant, change or remove the admin role")
    return allow(f"the {principal.role.value} role may manage users")


def _verb(action: Action) -> str:
    return action.value.replace("_", " ")


def _roles(roles: Collection[Role]) -> str:
    return ", ".join(sorted(role.value for role in roles))


# Shorthands used by the sync socket.


def may_read_document(principal: Principal, participants: Collection[int]) -> Decision:
    return authorize(principal, Action.READ, Scope(frozenset(participants)))


def may_edit_text(principal: Principal, participants: Collection[int]) -> Decision:
    return authorize(principal, Action.EDIT_TEXT, Scope(frozenset(participants)))
