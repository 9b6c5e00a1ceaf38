"""Hash chains: the SHA-256 links of the update log, the revisions and the audit trail.

Each link is SHA-256 over the previous link and a canonical form of the fields it covers: JSON with sorted
keys and no spaces, moments as UTC ISO 8601 with microseconds, bytes as their own SHA-256. Changing any
covered byte, or the order, changes every later link (docs/decisions/0021).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring  # json.dumps's own, with ensure_ascii=False

Field = str | int | bool | None


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def genesis(chain: str) -> str:
    """The link before the first one of `chain`; distinct per chain, so no two chains share a link."""
    return sha256_hex(f"consenso chain {chain}".encode())


def moment(value: datetime) -> str:
    """A moment as the chains cover it; a database that drops the zone (SQLite) gives UTC back naive."""
    utc = value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: Mapping[str, Field]) -> bytes:
    """`fields` as JSON with sorted keys and no spaces, UTF-8: byte for byte what `json.dumps(fields,
    ensure_ascii=False, separators=(",", ":"), sort_keys=True)` writes, built directly (every update
    the server commits passes here)."""
    members = ",".join(f"{encode_basestring(key)}:{_json(fields[key])}" for key in sorted(fields))
    return ("{" + members + "}").encode()


def _json(value: Field) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return int.__repr__(value)
    if isinstance(value, str):
        return encode_basestring(value)
    raise TypeError(f"a chain covers strings, whole numbers, booleans and null, not {type(value).__name__}")


def link(previous: str, fields: Mapping[str, Field]) -> str:
    return sha256_hex(previous.encode("ascii") + b"\n" + canonical(fields))


@dataclass(frozen=True)
class Break:
    """Where a chain no longer holds, in words a Secretariat officer can act on."""

    chain: str  # "document/3/log", "document/3/revisions", "negotiation/1" (audit), "bundle"
    item: str  # "update 412", "revision Rev.1", "audit entry 17 (number 5)", "" for the chain itself
    problem: str

    def __str__(self) -> str:
        return f"{self.chain}: {self.item}: {self.problem}" if self.item else f"{self.chain}: {self.problem}"

    def as_json(self) -> dict[str, str]:
        return {"chain": self.chain, "item": self.item, "problem": self.problem}


def missing(noun: str, first: int, last: int) -> str:
    """ "update 3 is missing", "updates 3 to 5 are missing"."""
    return f"{noun} {first} is missing" if first == last else f"{noun}s {first} to {last} are missing"
