"""Authorship kept beside the checkpoints, so that who wrote what at any moment is a short replay.

Attributing a state replays the log from update 1 (drafting.authorship): seconds on a long history. The
runs of every paragraph at a checkpoint are stored with it (`document_checkpoints.authorship`, zlib JSON
of run lengths and senders), so `authorship_at` starts from the newest checkpoint at or before the moment
wanted and replays only the log after it. `index` fills in the checkpoints that have no runs yet (the
room writes checkpoints without them); until then `authorship_at` replays from further back, never wrong.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from pycrdt import Doc
from sqlalchemy import select, update

from drafting.authorship import Attribution, AuthoredSpan, Run
from drafting.errors import NotFound
from drafting.kinds import UpdateOrigin
from drafting.layout import bind
from drafting.log_rows import check_unbroken
from drafting.models import DocumentCheckpoint
from drafting.senders import Sender
from drafting.store import Store, unpack_state

FORMAT = 1


def pack_runs(runs: dict[str, list[Run]]) -> bytes:
    paragraphs = {
        key: [
            [len(run.text), run.sender.origin.value if run.sender.origin else None, run.sender.user_id,
             run.sender.delegation_id, run.sender.position_version_id]
            for run in paragraph
        ]
        for key, paragraph in runs.items()
    }  # fmt: skip
    return zlib.compress(json.dumps({"format": FORMAT, "paragraphs": paragraphs}).encode(), 1)


def unpack_runs(data: bytes, texts: dict[str, str]) -> dict[str, list[Run]] | None:
    """The runs, cut from the paragraphs' texts; None if they do not fit them (then replay further back)."""
    try:
        value = json.loads(zlib.decompress(data))
        if value.get("format") != FORMAT:
            return None
        runs: dict[str, list[Run]] = {}
        for key, stored in value["paragraphs"].items():
            text, position, paragraph = texts.get(key, ""), 0, []
            for length, origin, user_id, delegation_id, version_id in stored:
                sender = Sender(UpdateOrigin(origin) if origin else None, user_id, delegation_id, version_id)
                paragraph.append(Run(text[position : position + length], sender))
                position += length
            if position != len(text):
                return None
            runs[key] = paragraph
        return runs
    except (zlib.error, ValueError, KeyError, TypeError):
        return None


def _texts(attribution: Attribution) -> dict[str, str]:
    return {str(key): str(value) for key, value in bind(attribution.doc)[1].items()}


def _seeded(store: Store, document_id: int, seq: int) -> tuple[Attribution, int]:
    """An attribution at the newest checkpoint at or before `seq` whose runs fit, or at the start."""
    with store.engine.connect() as connection:
        found = connection.execute(
            select(
                DocumentCheckpoint.seq,
                DocumentCheckpoint.state,
                DocumentCheckpoint.compression,
                DocumentCheckpoint.authorship,
            )
            .where(
                DocumentCheckpoint.document_id == document_id,
                DocumentCheckpoint.seq <= seq,
                DocumentCheckpoint.authorship.is_not(None),
            )
            .order_by(DocumentCheckpoint.seq.desc())
        ).all()
    for row in found:
        attribution = Attribution()
        attribution.seed(unpack_state(row.state, row.compression), {})
        runs = unpack_runs(row.authorship, _texts(attribution))
        if runs is not None:
            attribution.runs = runs
            return attribution, row.seq
        attribution.close()
    return Attribution(), 0


def authorship_at(store: Store, document_id: int, seq: int) -> list[AuthoredSpan]:
    """Who wrote each part of the text as it was at update `seq`."""
    return attributed_at(store, document_id, seq)[1]


def attributed_at(store: Store, document_id: int, seq: int) -> tuple[Doc[Any], list[AuthoredSpan]]:
    """The document as it was at update `seq`, and who wrote each part of its text: one replay for both."""
    last = store.last_seq(document_id)
    if not 1 <= seq <= last:
        raise NotFound("update of the log", f"{seq} of document {document_id} (it has 1 to {last})")
    attribution, start = _seeded(store, document_id, seq)
    try:
        rows = list(store.log(document_id, after=start, upto=seq, links=False))
        check_unbroken(document_id, start, [row.seq for row in rows], upto=seq)
        attribution.replay(rows)
        return attribution.doc, attribution.spans()
    finally:
        attribution.close()


def index(store: Store, document_id: int) -> list[int]:
    """Store the runs at every checkpoint that has none yet; returns the checkpoints filled in."""
    with store.engine.connect() as connection:
        missing = list(
            connection.scalars(
                select(DocumentCheckpoint.seq)
                .where(DocumentCheckpoint.document_id == document_id, DocumentCheckpoint.authorship.is_(None))
                .order_by(DocumentCheckpoint.seq)
            )
        )
    if not missing:
        return []
    attribution, start = _seeded(store, document_id, missing[0])
    filled = []
    try:
        for row in store.log(document_id, after=start, upto=missing[-1], links=False):
            attribution.apply(row.data, row.sender)
            if row.seq in missing:
                _save(store, document_id, row.seq, pack_runs(attribution.runs))
                filled.append(row.seq)
    finally:
        attribution.close()
    return filled


def _save(store: Store, document_id: int, seq: int, runs: bytes) -> None:
    with store.engine.begin() as connection:
        values: dict[str, Any] = {"authorship": runs}
        connection.execute(
            update(DocumentCheckpoint)
            .where(DocumentCheckpoint.document_id == document_id, DocumentCheckpoint.seq == seq)
            .values(values)
        )
