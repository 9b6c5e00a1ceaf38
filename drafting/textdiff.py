"""Every comparison of two texts, for people: word-level diff-match-patch diffs, cleaned up.

A diff is a list of `Change(op, text)` with op "equal", "insert" or "delete"; words (and the spaces
and punctuation between them) are never split, so 'Migración' is replaced whole, not letter by letter.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from diff_match_patch import diff_match_patch

Op = Literal["equal", "insert", "delete"]
_OPS: dict[int, Op] = {
    diff_match_patch.DIFF_EQUAL: "equal",
    diff_match_patch.DIFF_INSERT: "insert",
    diff_match_patch.DIFF_DELETE: "delete",
}
# A word, a run of spaces, or one other character (punctuation, emoji).
_TOKEN = re.compile(r"\w+|\s+|.", re.UNICODE | re.DOTALL)
DIFF_TIMEOUT_SECONDS = 0.5


@dataclass(frozen=True)
class Change:
    op: Op
    text: str

    def as_json(self) -> dict[str, str]:
        return {"op": self.op, "text": self.text}


def word_diff(before: str, after: str) -> list[Change]:
    """The word-level changes that turn `before` into `after`, merged for reading."""
    matcher = diff_match_patch()
    matcher.Diff_Timeout = DIFF_TIMEOUT_SECONDS
    tokens: list[str] = [""]  # index 0 unused: chr(0) would be a legal but confusing code
    index: dict[str, int] = {}

    def encode(text: str) -> str:
        codes = []
        for token in _TOKEN.findall(text):
            if token not in index:
                index[token] = len(tokens)
                tokens.append(token)
            codes.append(chr(index[token]))
        return "".join(codes)

    diffs = matcher.diff_main(encode(before), encode(after), False)
    words = [(op, "".join(tokens[ord(code)] for code in codes)) for op, codes in diffs]
    matcher.diff_cleanupSemantic(words)
    return _merged([Change(_OPS[op], text) for op, text in words if text])


def _merged(changes: Sequence[Change]) -> list[Change]:
    """Neighbours with the same op joined; a deletion always before the insertion that replaces it."""
    result: list[Change] = []
    for change in changes:
        if result and result[-1].op == change.op:
            result[-1] = Change(change.op, result[-1].text + change.text)
        elif result and change.op == "delete" and result[-1].op == "insert":
            if len(result) > 1 and result[-2].op == "delete":
                result[-2] = Change("delete", result[-2].text + change.text)
            else:
                result.insert(len(result) - 1, change)
        else:
            result.append(change)
    return result


def is_unchanged(changes: Sequence[Change]) -> bool:
    return all(change.op == "equal" for change in changes)


def to_html(changes: Sequence[Change], *, by: str | None = None) -> str:
    """The diff as escaped HTML: <del> and <ins>, attributed with a title when `by` is given."""
    title = f' title="{html.escape(by, quote=True)}"' if by else ""
    parts = []
    for change in changes:
        text = html.escape(change.text)
        if change.op == "equal":
            parts.append(text)
        elif change.op == "insert":
            parts.append(f"<ins{title}>{text}</ins>")
        else:
            parts.append(f"<del{title}>{text}</del>")
    return "".join(parts)


def describe(changes: Sequence[Change]) -> str:
    """The changes in the negotiators' words: "add 'regular' after 'safe'; delete 'and'"."""
    phrases = []
    for position, change in enumerate(changes):
        if change.op == "equal":
            continue
        previous = changes[position - 1] if position > 0 else None
        following = changes[position + 1] if position + 1 < len(changes) else None
        if change.op == "delete":
            if following is not None and following.op == "insert":
                phrases.append(f"replace {_quoted(change.text)} with {_quoted(following.text)}")
            else:
                phrases.append(f"delete {_quoted(change.text)}")
        elif previous is None or previous.op != "delete":
            before = _last_word(previous.text) if previous is not None else ""
            after = _first_word(following.text) if following is not None else ""
            if before:
                phrases.append(f"add {_quoted(change.text)} after {_quoted(before)}")
            elif after:
                phrases.append(f"add {_quoted(change.text)} before {_quoted(after)}")
            else:
                phrases.append(f"add {_quoted(change.text)}")
    return "; ".join(phrases)


def _quoted(text: str) -> str:
    return "'" + " ".join(text.split()) + "'"


def _last_word(text: str) -> str:
    words = re.findall(r"\w+", text)
    return words[-1] if words else ""


def _first_word(text: str) -> str:
    words = re.findall(r"\w+", text)
    return words[0] if words else ""
