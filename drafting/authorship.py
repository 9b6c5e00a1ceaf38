"""Authorship: which delegation wrote each part of the text, now or at any point of its history.

The log is replayed from its first update, each under its recorded sender (drafting.senders), and the
text deltas every update causes are observed: inserted words are attributed to the sender, deleted ones
leave, the rest keeps its author. Text that comes back unchanged keeps the author it had: a paragraph an
update leaves as it was (the guard put back what the sender changed, in the sender's own transaction)
keeps all its authors, and where an update deletes and inserts at one place (a word typed over a
selection, a paragraph's text replaced whole) the words found in both, by a diff-match-patch comparison
with semantic clean-up, keep theirs (docs/decisions/0022). Client ids are not used: the server's own edits
of every kind share one.

Spans count UTF-16 units, as the browser does (docs/decisions/0006).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import accumulate, islice
from operator import attrgetter
from typing import Any

from diff_match_patch import diff_match_patch
from pycrdt import Doc, Map, Subscription, Text

from drafting.layout import bind, read_paragraphs
from drafting.log_rows import LoggedUpdate
from drafting.senders import UNRECORDED, Sender
from drafting.textpos import codepoint_to_utf16
from drafting.updates import apply_checked


@dataclass(frozen=True)
class Run:
    text: str
    sender: Sender


_TEXT = attrgetter("text")


@dataclass(frozen=True)
class AuthoredSpan:
    paragraph_id: str
    start: int  # UTF-16 units
    end: int
    sender: Sender

    def as_json(self) -> dict[str, Any]:
        return {
            "paragraph_id": self.paragraph_id,
            "start": self.start,
            "end": self.end,
            **self.sender.as_json(),
        }


@dataclass(frozen=True)
class EditCount:
    """What one update of the log did to the text, in code points."""

    seq: int
    inserted: int
    deleted: int


class Attribution:
    """A replica of a document that knows who wrote each run of each paragraph. Feed it the log in order."""

    def __init__(self) -> None:
        self.doc: Doc[Any] = Doc()
        self.runs: dict[str, list[Run]] = {}
        self._sender = UNRECORDED
        self._inserted = self._deleted = 0
        self._muted = False
        self._paragraphs: Map[Any] = bind(self.doc)[1]
        self._subscription = self._paragraphs.observe(self._keys_changed)
        # Each paragraph's text is observed itself, through Yrs, without pycrdt's event wrapper (which
        # works out each event's target and path too): a replay passes here on every keystroke.
        self._watched: dict[str, tuple[Text, Subscription]] = {}
        self._deltas: list[tuple[str, Text, Sequence[dict[str, Any]]]] = []
        # What the last delta of each paragraph left known of its runs, while they are that list.
        self._known: dict[str, _Known] = {}

    def apply(self, update: bytes, sender: Sender) -> tuple[int, int]:
        """Apply one update under `sender`; returns the code points it inserted and deleted."""
        self._sender, self._inserted, self._deleted = sender, 0, 0
        try:
            apply_checked(self.doc, update)
        finally:
            deltas, self._deltas = self._deltas, []
        # Two deltas of one text come from a change to `doc` outside `apply` (a transaction gives one): the
        # first is not to the text as it is now, so what was known of its runs is of no use to either.
        repeated = {key for key, count in Counter(key for key, _, _ in deltas).items() if count > 1}
        for key, text, delta in deltas:  # read after the transaction: the text as it left it
            watched = self._watched.get(key)
            if watched is not None and watched[0] is text:
                if key in repeated:
                    self._known.pop(key, None)
                self._delta(key, delta, text)
        return self._inserted, self._deleted

    def seed(self, state: bytes, runs: dict[str, list[Run]]) -> None:
        """Start from a state whose authors are known (drafting.authorship_index), not from update 1."""
        self._muted = True
        try:
            apply_checked(self.doc, state)
        finally:
            self._muted = False
        self.runs = runs
        self._known = {}
        for key, value in self._paragraphs.items():
            self._watch(str(key), value)

    def replay(self, log: Iterable[LoggedUpdate]) -> list[EditCount]:
        counts = []
        for row in log:
            inserted, deleted = self.apply(row.data, row.sender)
            counts.append(EditCount(row.seq, inserted, deleted))
        return counts

    def spans(self) -> list[AuthoredSpan]:
        """The current text's runs in reading order, as UTF-16 spans of each paragraph."""
        result = []
        for paragraph in read_paragraphs(self.doc):
            position = 0
            for run in self.runs.get(paragraph.id, []):
                length = codepoint_to_utf16(run.text, len(run.text))
                result.append(AuthoredSpan(paragraph.id, position, position + length, run.sender))
                position += length
        return result

    def close(self) -> None:
        self._paragraphs.unobserve(self._subscription)
        for key in list(self._watched):
            self._unwatch(key)

    # -- observing the deltas ------------------------------------------------------------------------

    def _watch(self, key: str, value: object) -> None:
        self._unwatch(key)
        if isinstance(value, Text):
            subscription = value.integrated.observe(partial(self._text_changed, key, value))
            self._watched[key] = (value, subscription)

    def _unwatch(self, key: str) -> None:
        watched = self._watched.pop(key, None)
        if watched is not None:
            watched[1].drop()

    def _text_changed(self, key: str, text: Text, event: Any) -> None:
        # Inside the transaction's commit: only note the delta (a raw Yrs event, valid only here).
        if not self._muted:
            self._deltas.append((key, text, event.delta))

    def _keys_changed(self, event: Any) -> None:
        # A pycrdt MapEvent: its `keys` is declared only in __slots__, so typing cannot see it.
        if not self._muted:
            self._keys(event.keys)

    def _keys(self, keys: dict[str, dict[str, Any]]) -> None:
        for key, change in keys.items():
            self._known.pop(key, None)
            value = change.get("newValue")
            self._watch(key, value if change.get("action") != "delete" else None)
            if change.get("action") == "delete" or not isinstance(value, Text):
                self._deleted += sum(len(run.text) for run in self.runs.pop(key, []))
                continue
            self.runs[key] = self._carried(self.runs.get(key, []), str(value))

    def _delta(self, key: str, delta: Sequence[dict[str, Any]], text: Text) -> None:
        runs = self.runs.get(key)
        if runs is None:  # a text this replica never saw filled (not replayed from the start)
            self.runs[key] = _merged([Run(str(text), UNRECORDED)])
            return
        known = self._known.pop(key, None)  # put back once the runs spell the text again
        if known is None or known.runs is not runs or len(known.ends) != len(runs):
            known = _Known(runs, list(accumulate(map(len, map(_TEXT, runs)))), None)
        inserted_bytes = deleted_bytes = 0
        embeds = False
        for op in delta:
            if "retain" in op:
                continue
            if "delete" in op:
                deleted_bytes += int(op["delete"])
            elif isinstance(op.get("insert"), str):
                inserted_bytes += len(op["insert"].encode("utf-8"))
            else:
                embeds = True
        old_text: str | None = None
        encoded = known.encoded
        if encoded is None:
            old_text = "".join(map(_TEXT, runs))
            encoded = old_text.encode("utf-8")
        # The runs spell a text without embeds and the delta inserts none: its offsets are bytes of the
        # runs' text, which it turns into the text as it is now; no need to read that, nor to check it.
        plain = old_text is None and not embeds and len(text) == len(encoded) + inserted_bytes - deleted_bytes
        now: str | None = None
        if not plain or inserted_bytes == deleted_bytes:
            now = str(text)
            if (encoded.decode("utf-8") if old_text is None else old_text) == now:
                # changed and put back in one transaction: the guard's compensation
                self._remember(key, known, encoded, text)
                return
        # The runs are changed in place where the delta changes the text; the rest is not copied (a long
        # history replays thousands of keystrokes into paragraphs of hundreds of runs).
        ends = known.ends
        byte = point = 0  # where the delta has reached in the old text
        shift = 0  # how much longer the runs' text is than the old text, before `point`
        start: int | None = None  # where the change being read began, in the old text
        inserted = ""
        pieces: list[bytes] = []  # the new text's UTF-8, when plain
        try:
            for op in delta:
                if "retain" in op:
                    if start is not None:
                        shift += self._splice(runs, ends, start + shift, point + shift, inserted)
                        start, inserted = None, ""
                    step = int(op["retain"])
                    retained = encoded[byte : byte + step]
                    point += len(retained.decode("utf-8"))
                    byte += step
                    pieces.append(retained)
                elif "delete" in op:
                    start = point if start is None else start
                    step = int(op["delete"])
                    point += len(encoded[byte : byte + step].decode("utf-8"))
                    byte += step
                elif isinstance(op.get("insert"), str):
                    start = point if start is None else start
                    inserted += op["insert"]
                    pieces.append(op["insert"].encode("utf-8"))
            if start is not None:
                shift += self._splice(runs, ends, start + shift, point + shift, inserted)
        except UnicodeDecodeError:  # an offset inside a character: embeds shifted them (never when plain)
            self.runs[key] = self._carried(runs, str(text) if now is None else now)
            return
        if plain or now is None:  # (`now` is read whenever the delta is not plain)
            pieces.append(encoded[byte:])
            self._known[key] = _Known(runs, ends, b"".join(pieces))
        elif "".join(map(_TEXT, runs)) != now:  # offsets the text does not count (embeds): never attribute
            self.runs[key] = self._carried(runs, now)  # a wrong text
        else:
            self._remember(key, known, now.encode("utf-8"), text)

    def _remember(self, key: str, known: _Known, encoded: bytes, text: Text) -> None:
        """Keep what is known of runs that spell `text`, whose UTF-8 is `encoded` (if it has no embed,
        which `len` counts)."""
        self._known[key] = _Known(known.runs, known.ends, encoded if len(text) == len(encoded) else None)

    def _splice(self, runs: list[Run], ends: list[int], start: int, end: int, inserted: str) -> int:
        """Put `inserted` in place of code points start..end of the runs' text; returns the change of
        length. `ends`, where each run ends (no run is empty), is kept up to date."""
        head = max(bisect_left(ends, start) - 1, 0)  # the runs before are left as they are
        tail = len(runs) - min(bisect_right(ends, end) + 2, len(runs))  # so are the last `tail`, shifted
        last, _ = _cut(runs, ends, end)  # the end first: cutting there leaves `ends` right before it
        first = last
        if start < end:
            first, split = _cut(runs, ends, start)
            last += split
        carried = self._carried(runs[first:last], inserted)
        runs[first:last] = carried
        _merge_at(runs, first + len(carried))
        _merge_at(runs, first)
        change = len(inserted) - (end - start)
        # Rebuilt from `head` on, the tail's only shifted: a paragraph can have thousands of runs.
        shifted = [position + change for position in ends[len(ends) - tail :]]
        rebuilt = accumulate(
            map(len, map(_TEXT, runs[head : len(runs) - tail])), initial=ends[head - 1] if head else 0
        )
        ends[head:] = islice(rebuilt, 1, None)
        ends += shifted
        return change

    def _carried(self, removed: Sequence[Run], inserted: str) -> list[Run]:
        """`inserted` in place of `removed`: what comes back unchanged keeps its author."""
        old = "".join(run.text for run in removed)
        if old == inserted:
            return list(removed)
        if not old:
            self._inserted += len(inserted)
            return [Run(inserted, self._sender)] if inserted else []
        if not inserted:
            self._deleted += len(old)
            return []
        matcher = diff_match_patch()
        diffs = matcher.diff_main(old, inserted, False)
        matcher.diff_cleanupSemantic(diffs)
        result: list[Run] = []
        point = 0
        for op, text in diffs:
            if op == diff_match_patch.DIFF_EQUAL:
                result += _slice(removed, point, point + len(text))
                point += len(text)
            elif op == diff_match_patch.DIFF_DELETE:
                self._deleted += len(text)
                point += len(text)
            else:
                self._inserted += len(text)
                result.append(Run(text, self._sender))
        return _merged(result)


@dataclass(frozen=True)
class _Known:
    """What is known of a paragraph's runs, while they are this list, changed only by `_delta`."""

    runs: list[Run]
    ends: list[int]  # where each run ends, in code points
    encoded: bytes | None  # their text in UTF-8, if it is the paragraph's and the paragraph has no embed


def _cut(runs: list[Run], ends: Sequence[int], point: int) -> tuple[int, bool]:
    """Split the run `point` falls inside, if any: returns the index of the first run from `point` on,
    and whether a run was split. `ends`: where each run ends, as they were before any cut after `point`."""
    index = bisect_right(ends, point)
    begin = ends[index - 1] if index else 0
    if index == len(runs) or begin == point:
        return index, False
    run, offset = runs[index], point - begin
    runs[index : index + 1] = [Run(run.text[:offset], run.sender), Run(run.text[offset:], run.sender)]
    return index + 1, True


def _merge_at(runs: list[Run], index: int) -> None:
    """Join the runs on either side of `index` if they have one sender."""
    if 0 < index < len(runs) and runs[index - 1].sender == runs[index].sender:
        runs[index - 1 : index + 1] = [Run(runs[index - 1].text + runs[index].text, runs[index].sender)]


def _slice(runs: Sequence[Run], start: int, end: int) -> list[Run]:
    """The runs covering code points start..end of their joined text."""
    result = []
    position = 0
    for run in runs:
        run_end = position + len(run.text)
        if run_end > start and position < end:
            result.append(Run(run.text[max(start - position, 0) : min(end, run_end) - position], run.sender))
        position = run_end
        if position >= end:
            break
    return result


def _merged(runs: Iterable[Run]) -> list[Run]:
    result: list[Run] = []
    for run in runs:
        if not run.text:
            continue
        if result and result[-1].sender == run.sender:
            result[-1] = Run(result[-1].text + run.text, run.sender)
        else:
            result.append(run)
    return result


def authorship(log: Iterable[LoggedUpdate]) -> list[AuthoredSpan]:
    """Who wrote each part of the text the log reaches (replay it from update 1, up to the moment wanted)."""
    attribution = Attribution()
    try:
        attribution.replay(log)
        return attribution.spans()
    finally:
        attribution.close()


def by_delegation(spans: Iterable[AuthoredSpan]) -> dict[int | None, int]:
    """UTF-16 units of text per delegation (None: the server's own words, or unrecorded)."""
    totals: dict[int | None, int] = {}
    for span in spans:
        totals[span.sender.delegation_id] = totals.get(span.sender.delegation_id, 0) + span.end - span.start
    return totals
