"""Errors of the drafting domain.

DraftingError
 ├── NotFound            (kind, key): a delegation, negotiation, user or document that does not exist
 ├── AlreadyExists       (kind, key): a unique name taken twice
 ├── InvalidInput        (message): a value the domain refuses (unknown kind, empty title, ...)
 ├── Conflict            (message): an action the current state does not allow (a status transition,
 │                       a stale version, a patch that no longer applies)
 ├── MalformedUpdate     (reason): a Yjs update that cannot be decoded
 └── StorageUnavailable  (reason): the database refused or failed a write
"""

from __future__ import annotations


class DraftingError(Exception):
    """Base of every error the drafting domain raises."""


class NotFound(DraftingError):
    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"no {kind} {key!r}")
        self.kind = kind
        self.key = key


class AlreadyExists(DraftingError):
    def __init__(self, kind: str, key: object) -> None:
        super().__init__(f"{kind} {key!r} already exists")
        self.kind = kind
        self.key = key


class InvalidInput(DraftingError):
    pass


class Conflict(DraftingError):
    pass


class MalformedUpdate(DraftingError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"malformed Yjs update: {reason}")
        self.reason = reason


class StorageUnavailable(DraftingError):
    def __init__(self, reason: str) -> None:
        super().__init__(f"storage unavailable: {reason}")
        self.reason = reason
