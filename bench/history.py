"""An edit history for a draft: many delegates typing and deleting, one update per keystroke.

``editors`` client Docs take turns; each types a burst of keystrokes, one in ten a backspace, and the
others then receive the burst, as they would over the wire. Every keystroke is one Yjs update, as
y-websocket sends it. Two styles:
- ``runs``: the typist puts the cursor somewhere and types a run of 3–25 keystrokes there, as people do;
  consecutive characters of one client merge into one CRDT item.
- ``scattered``: every keystroke at a new random place: one CRDT item per keystroke, the worst case.
"""

from __future__ import annotations

import random
import string
from collections.abc import Iterator
from typing import Any

from pycrdt import Doc, Map, TransactionEvent, merge_updates

LETTERS = string.ascii_lowercase + " áéíóñ,."


def keystrokes(
    initial: bytes, count: int, *, style: str = "runs", editors: int = 20, burst: int = 50, seed: int = 7
) -> Iterator[bytes]:
    """Yield `count` single-keystroke updates that apply, in order, on top of the state `initial`."""
    for _, update in typed(initial, count, style=style, editors=editors, burst=burst, seed=seed):
        yield update


def typed(
    initial: bytes, count: int, *, style: str = "runs", editors: int = 20, burst: int = 50, seed: int = 7
) -> Iterator[tuple[int, bytes]]:
    """The same keystrokes, each with the editor (0 … editors - 1) who typed it."""
    rng = random.Random(seed)
    docs: list[Doc[Any]] = []
    for _ in range(editors):
        doc: Doc[Any] = Doc()
        doc.apply_update(initial)
        docs.append(doc)
    produced = 0
    while produced < count:
        typist = rng.randrange(editors)
        doc = docs[typist]
        captured: list[bytes] = []

        def capture(event: TransactionEvent, captured: list[bytes] = captured) -> None:
            captured.append(event.update)

        subscription = doc.observe(capture)
        paragraphs = list(doc.get("paragraphs", type=Map).values())
        paragraph, index, run_left = paragraphs[0], 0, 0
        for _ in range(min(burst, count - produced)):
            text = str(paragraph)
            if run_left == 0:
                paragraph = rng.choice(paragraphs)
                text = str(paragraph)
                index = rng.randint(0, len(text))
                run_left = rng.randint(3, 25) if style == "runs" else 1
            run_left -= 1
            index = min(index, len(text))
            if rng.random() < 0.1 and index > 0:
                start = len(text[: index - 1].encode())
                del paragraph[start : len(text[:index].encode())]
                index -= 1
            else:
                paragraph.insert(len(text[:index].encode()), rng.choice(LETTERS))
                index += 1
            produced += 1
        doc.unobserve(subscription)
        for update in captured:
            yield typist, update
        merged = merge_updates(*captured)
        for other, other_doc in enumerate(docs):
            if other != typist:
                other_doc.apply_update(merged)
