"""Errors of the drafting domain.

Fault (message, code, params): every error says what happened and what to do next
 └── DraftingError
      ├── NotFound           (kind, key): a delegation, negotiation, user, document or paragraph not there
      ├── AlreadyExists      (kind, key): a unique name taken twice
      ├── InvalidInput       a value the domain refuses (unknown kind, empty title, too long, ...)
      ├── NotPermitted       the asker may not do this to this object (another's comment, ...)
      ├── Conflict           an action the current state does not allow (a status transition, a locked
      │                      paragraph, a stale version, a patch that no longer applies)
      ├── MalformedUpdate    (reason): a Yjs update that cannot be decoded
      ├── BundleRefused      (problems): an archive bundle that is damaged, tampered with, or clashes
      │                      with what the installation already holds
      └── StorageUnavailable (reason): the database refused or failed a write

`code` is a stable snake_case name a client may translate (with `params` filled in); the message is
the English sentence for people and logs. The web layer maps each class to a status (server/errors.py).
"""

from __future__ import annotations


class Fault(Exception):
    """An error that says what happened (`message`), with a stable `code` and the `params` it names.
    The web layer's request errors share it; it knows nothing of HTTP."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None, **params: object) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.params = params


class DraftingError(Fault):
    """Base of every error the drafting domain raises."""


class NotFound(DraftingError):
    code = "not_found"

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(
            f"there is no {kind} {key!r} here: check the address, or reload to see what exists now",
            kind=kind,
            key=str(key),
        )
        self.kind = kind
        self.key = key


class AlreadyExists(DraftingError):
    code = "already_exists"

    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key!r} already exists: choose another", kind=kind, key=str(key))
        self.kind = kind
        self.key = key


class InvalidInput(DraftingError):
    code = "invalid_input"


class NotPermitted(DraftingError):
    code = "not_permitted"


class Conflict(DraftingError):
    code = "conflict"


class MalformedUpdate(DraftingError):
    code = "malformed_update"

    def __init__(self, reason: str) -> None:
        super().__init__(f"malformed Yjs update: {reason}")
        self.reason = reason


class BundleRefused(DraftingError):
    code = "bundle_refused"

    def __init__(self, problems: list[str]) -> None:
        shown = "; ".join(problems[:5]) + (f"; and {len(problems) - 5} more" if len(problems) > 5 else "")
        super().__init__(f"the archive bundle is refused, nothing was imported: {shown}", problems=problems)
        self.problems = problems


class StorageUnavailable(DraftingError):
    code = "storage_unavailable"

    def __init__(self, reason: str) -> None:
        super().__init__(f"storage unavailable: {reason}")
        self.reason = reason
