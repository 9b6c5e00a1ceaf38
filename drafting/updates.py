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


def apply_checked(doc: Doc[Any], update: bytes, *, reencode: bool = False) -> None:
    """Apply `update`; with `reencode`, also encode what it changed, since some updates Yrs accepts
    leave a document it can no longer encode (found by fuzzing). Use `reencode` on a copy: after a
    failure the document it ran on must be thrown away."""
    try:
        before = doc.get_state() if reencode else b""
        doc.apply_update(update)
        if reencode:
            doc.get_update(before)
    except ValueError as exc:
        raise MalformedUpdate(str(exc)) from exc
    except BaseException as exc:
        if not is_engine_panic(exc):
            raise
        raise MalformedUpdate(f"the CRDT engine could not apply it ({exc})") from exc
