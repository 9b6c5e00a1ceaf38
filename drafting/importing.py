"""Plain text into paragraphs: one paragraph per blank-line-separated block.

Kinds are guessed the way a drafter reads a text: a short numbered or all-capitals line is a heading;
paragraphs are preambular until the first one that decides something ("Agree…", "Request…", "a) …"),
operative from there on.
"""

from __future__ import annotations

import re

from drafting.errors import InvalidInput
from drafting.kinds import ParagraphKind

MAX_PARAGRAPH_CHARS = 20_000
_HEADING = re.compile(r"^([IVXLC]+|\d+)\.\s+\S")
# The verbs an operative paragraph opens with: it decides something (the RCM negotiates in Spanish too).
OPERATIVE_VERBS = (
    *("agree", "agrees", "decide", "decides", "resolve", "resolves", "request", "requests", "commit"),
    *("commits", "charge", "charges", "instruct", "instructs", "urge", "urges", "encourage", "encourages"),
    *("invite", "invites", "call", "calls"),
    *("acuerdan", "acuerda", "deciden", "decide", "resuelven", "solicitan", "solicita", "encargan"),
    *("encomiendan", "instan", "invitan", "exhortan", "piden", "recomiendan"),
)
_OPERATIVE = re.compile(
    r"^(?:(?:" + "|".join(OPERATIVE_VERBS) + r")\b|to\s|[a-z]\)\s)",
    re.IGNORECASE,
)


def split_blocks(text: str) -> list[str]:
    blocks = [" ".join(line.strip() for line in block.splitlines()) for block in re.split(r"\n\s*\n", text)]
    return [block.strip() for block in blocks if block.strip()]


def classify(blocks: list[str]) -> list[tuple[ParagraphKind, str]]:
    operative = False
    result = []
    for block in blocks:
        if len(block) > MAX_PARAGRAPH_CHARS:
            raise InvalidInput(
                f"a paragraph of {len(block)} characters exceeds the limit of {MAX_PARAGRAPH_CHARS}"
            )
        if _is_heading(block):
            result.append((ParagraphKind.HEADING, block))
            continue
        operative = operative or bool(_OPERATIVE.match(block))
        result.append((ParagraphKind.OPERATIVE if operative else ParagraphKind.PREAMBULAR, block))
    return result


def paragraphs_from_text(text: str) -> list[tuple[ParagraphKind, str]]:
    return classify(split_blocks(text))


def _is_heading(block: str) -> bool:
    if len(block) > 120 or block.endswith((".", ";", ":")):
        return False
    return bool(_HEADING.match(block)) or (block.upper() == block and any(c.isalpha() for c in block))
