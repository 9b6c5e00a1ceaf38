"""Applying a Yjs update to a document, with everything pycrdt can throw turned into MalformedUpdate.

Yrs reports some malformed updates not with a ValueError but with a Rust panic, which pycrdt raises as
pyo3's PanicException, a BaseException. Fuzzing the sync socket found such updates; a client must not be
able to take a room down with one.
"""

from __future__ import annotations

from typing import Any

from pycrdt import Doc

from drafting.errors import MalformedUpdate


def is_engine_panic(exc: BaseException) -> bool:
    return type(exc).__name__ == "PanicException"


def apply_checked(doc: Doc[Any], update: bytes) -> None:
    try:
        doc.apply_update(update)
    except ValueError as exc:
        raise MalformedUpdate(str(exc)) from exc
    except BaseException as exc:
        if not is_engine_panic(exc):
            raise
        raise MalformedUpdate(f"the CRDT engine could not apply it ({exc})") from exc


def apply_and_reencode(doc: Doc[Any], update: bytes) -> bytes:
    """Apply `update` to `doc` (a copy) and return what it changed, encoded afresh by Yrs.

    Some updates Yrs accepts leave a document it can no longer encode, and some raw updates that a copy
    takes crash another replica (both found by fuzzing): the room's document only ever receives this
    re-encoding, never a client's bytes. After a failure the copy must be thrown away.
    """
    try:
        before = doc.get_state()
        doc.apply_update(update)
        return doc.get_update(before)
    except ValueError as exc:
        raise MalformedUpdate(str(exc)) from exc
    except BaseException as exc:
        if not is_engine_panic(exc):
            raise
        raise MalformedUpdate(f"the CRDT engine could not apply it ({exc})") from exc
