"""The drafting domain: the CRDT layout of a draft, its rules, and its storage."""

from drafting.errors import (
    AlreadyExists,
    DraftingError,
    InvalidInput,
    MalformedUpdate,
    NotFound,
    StorageUnavailable,
)
from drafting.kinds import DocumentKind, DocumentStatus, ParagraphKind, ParagraphStatus, Role
from drafting.layout import Paragraph
from drafting.store import Store

__all__ = [
    "AlreadyExists",
    "DocumentKind",
    "DocumentStatus",
    "DraftingError",
    "InvalidInput",
    "MalformedUpdate",
    "NotFound",
    "Paragraph",
    "ParagraphKind",
    "ParagraphStatus",
    "Role",
    "StorageUnavailable",
    "Store",
]
