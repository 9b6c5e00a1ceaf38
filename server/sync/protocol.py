"""The y-protocols wire format, one message per WebSocket frame, decoded strictly.

    message      = varUint(type) payload
    sync         = 0 varUint(0 step1 | 1 step2 | 2 update) varUint8Array
    awareness    = 1 varUint8Array(varUint(count) {varUint(client) varUint(clock) varString(json)})
    auth         = 2 varUint(0 permission denied) varString(reason)
    query        = 3

ProtocolError
 ├── MalformedMessage    a truncated or overlong varint, a length past the end, trailing bytes
 └── UnknownMessageType  a message or sync type this server does not speak
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import IntEnum

MAX_VARINT_BYTES = 8  # lib0 encodes numbers up to 2**53


class ProtocolError(Exception):
    pass


class MalformedMessage(ProtocolError):
    pass


class UnknownMessageType(ProtocolError):
    pass


class MessageType(IntEnum):
    SYNC = 0
    AWARENESS = 1
    AUTH = 2
    QUERY_AWARENESS = 3


class SyncType(IntEnum):
    STEP1 = 0
    STEP2 = 1
    UPDATE = 2


@dataclass(frozen=True)
class SyncMessage:
    kind: SyncType
    payload: bytes  # a state vector for step 1, an update otherwise


@dataclass(frozen=True)
class AwarenessMessage:
    payload: bytes


@dataclass(frozen=True)
class QueryAwareness:
    pass


@dataclass(frozen=True)
class AuthMessage:
    reason: str


Message = SyncMessage | AwarenessMessage | QueryAwareness | AuthMessage


@dataclass(frozen=True)
class AwarenessEntry:
    client_id: int
    clock: int
    state: str  # JSON text; "null" when the client left


class Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.position = 0

    def var_uint(self) -> int:
        value = 0
        for shift in range(0, 7 * MAX_VARINT_BYTES, 7):
            if self.position >= len(self.data):
                raise MalformedMessage("truncated varint")
            byte = self.data[self.position]
            self.position += 1
            value |= (byte & 0x7F) << shift
            if byte < 0x80:
                return value
        raise MalformedMessage("varint longer than 8 bytes")

    def var_bytes(self) -> bytes:
        length = self.var_uint()
        end = self.position + length
        if end > len(self.data):
            raise MalformedMessage(f"length {length} runs past the end of the frame")
        chunk = self.data[self.position : end]
        self.position = end
        return chunk

    def var_string(self) -> str:
        try:
            return self.var_bytes().decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MalformedMessage("string is not UTF-8") from exc

    def finish(self) -> None:
        if self.position != len(self.data):
            raise MalformedMessage(f"{len(self.data) - self.position} trailing bytes after the message")


def var_uint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    out.append(value)
    return bytes(out)


def var_bytes(data: bytes) -> bytes:
    return var_uint(len(data)) + data


def decode(frame: bytes) -> Message:
    reader = Reader(frame)
    kind = reader.var_uint()
    message: Message
    if kind == MessageType.SYNC:
        sync_kind = reader.var_uint()
        if sync_kind not in SyncType._value2member_map_:
            raise UnknownMessageType(f"unknown sync message type {sync_kind}")
        message = SyncMessage(SyncType(sync_kind), reader.var_bytes())
    elif kind == MessageType.AWARENESS:
        message = AwarenessMessage(reader.var_bytes())
    elif kind == MessageType.QUERY_AWARENESS:
        message = QueryAwareness()
    elif kind == MessageType.AUTH:
        reader.var_uint()
        message = AuthMessage(reader.var_string())
    else:
        raise UnknownMessageType(f"unknown message type {kind}")
    reader.finish()
    return message


def encode_sync(kind: SyncType, payload: bytes) -> bytes:
    return bytes((MessageType.SYNC, kind)) + var_bytes(payload)


def encode_awareness(payload: bytes) -> bytes:
    return bytes((MessageType.AWARENESS,)) + var_bytes(payload)


def encode_query_awareness() -> bytes:
    return bytes((MessageType.QUERY_AWARENESS,))


def encode_permission_denied(reason: str) -> bytes:
    return bytes((MessageType.AUTH, 0)) + var_bytes(reason.encode("utf-8"))


def decode_awareness(payload: bytes) -> list[AwarenessEntry]:
    reader = Reader(payload)
    entries = []
    for _ in range(reader.var_uint()):
        client_id, clock, state = reader.var_uint(), reader.var_uint(), reader.var_string()
        try:
            json.loads(state)
        except ValueError as exc:
            raise MalformedMessage("awareness state is not JSON") from exc
        entries.append(AwarenessEntry(client_id, clock, state))
    reader.finish()
    return entries


def encode_awareness_entries(entries: list[AwarenessEntry]) -> bytes:
    out = bytearray(var_uint(len(entries)))
    for entry in entries:
        out += var_uint(entry.client_id) + var_uint(entry.clock) + var_bytes(entry.state.encode("utf-8"))
    return bytes(out)
