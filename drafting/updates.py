"""Applying a Yjs update to a document, with everything pycrdt can throw turned into MalformedUpdate.

Yrs reports some malformed updates not with a ValueError but with a Rust panic, which pycrdt raises as
pyo3's PanicException, a BaseException. Fuzzing the sync socket found such updates; a client must not be
able to take a room down with one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from pycrdt import Doc

from drafting.errors import MalformedUpdate

# What pycrdt reports for a transaction that changed nothing.
EMPTY_UPDATE = b"\x00\x00"
# How pycrdt begins the RuntimeError of an update Yrs cannot integrate.
CANNOT_APPLY = "Cannot apply update"


def is_engine_panic(exc: BaseException) -> bool:
    return type(exc).__name__ == "PanicException"


def apply_checked(doc: Doc[Any], update: bytes) -> None:
    """Apply `update`; a malformed one raises MalformedUpdate. Yrs may have applied part of it by then
    (a RuntimeError "Cannot apply update: block parent …" comes after the structs before it went in): the
    caller that keeps the document puts it back (drafting.shadow resets its replica)."""
    try:
        doc.apply_update(update)
    except ValueError as exc:
        raise MalformedUpdate(str(exc)) from exc
    except RuntimeError as exc:  # an item whose parent is not a shared type, in a hand-made update
        if not str(exc).startswith(CANNOT_APPLY):
            raise
        raise MalformedUpdate(str(exc)) from exc
    except BaseException as exc:
        if not is_engine_panic(exc):
            raise
        raise MalformedUpdate(f"the CRDT engine could not apply it ({exc})") from exc


def replayed(state: bytes | None, updates: Iterable[bytes]) -> Doc[Any]:
    """The document a state and the updates after it make. The updates go in one transaction: on a tail
    of thousands of keystrokes that takes about half the time of a transaction each, for the same content
    and state vector (its encoding may order the same structs differently)."""
    doc: Doc[Any] = Doc()
    if state is not None:
        apply_checked(doc, state)
    with doc.transaction():
        for update in updates:
            apply_checked(doc, update)
    return doc
