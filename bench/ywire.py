"""Just enough of the Yjs wire formats for the benchmark's clients.

y-protocols framing (sync step 1/2, update) and a reader of an update's struct headers
that yields, per client, the clock range the update carries. pycrdt's ``get_state(update)``
cannot do this: it integrates the update into an empty document, where a keystroke whose
left origin is missing stays pending and counts for nothing.
"""

from __future__ import annotations

from pycrdt import Doc

SYNC = 0
AWARENESS = 1
STEP1 = 0
STEP2 = 1
UPDATE = 2


def var_uint(num: int) -> bytes:
    out = bytearray()
    while num > 127:
        out.append(128 | (num & 127))
        num >>= 7
    out.append(num)
    return bytes(out)


def sync_message(kind: int, payload: bytes) -> bytes:
    return bytes((SYNC, kind)) + var_uint(len(payload)) + payload


def step1(doc: Doc) -> bytes:
    return sync_message(STEP1, doc.get_state())


def step2(doc: Doc, remote_state: bytes) -> bytes:
    return sync_message(STEP2, doc.get_update(remote_state))


def update_message(update: bytes) -> bytes:
    return sync_message(UPDATE, update)


class _Reader:
    __slots__ = ("buf", "pos")

    def __init__(self, buf: bytes, pos: int = 0) -> None:
        self.buf = buf
        self.pos = pos

    def uint(self) -> int:
        buf = self.buf
        num = 0
        shift = 0
        while True:
            byte = buf[self.pos]
            self.pos += 1
            num |= (byte & 127) << shift
            if byte < 128:
                return num
            shift += 7

    def skip_var_int(self) -> None:
        while self.buf[self.pos] & 128:
            self.pos += 1
        self.pos += 1

    def bytes_(self) -> bytes:
        length = self.uint()
        start = self.pos
        self.pos += length
        return self.buf[start : self.pos]

    def string(self) -> str:
        return self.bytes_().decode("utf-8")

    def skip_any(self) -> None:
        tag = self.buf[self.pos]
        self.pos += 1
        if tag in (127, 126, 121, 120):
            return
        if tag == 125:
            self.skip_var_int()
        elif tag == 124:
            self.pos += 4
        elif tag in (123, 122):
            self.pos += 8
        elif tag in (119, 116):
            self.bytes_()
        elif tag == 118:
            for _ in range(self.uint()):
                self.bytes_()
                self.skip_any()
        elif tag == 117:
            for _ in range(self.uint()):
                self.skip_any()
        else:
            raise ValueError(f"unknown lib0 any tag {tag}")


def read_message(data: bytes) -> tuple[int, int, bytes]:
    """Split a y-protocols sync message into (message type, sync type, payload)."""
    reader = _Reader(data, 2)
    if data[0] != SYNC:
        return data[0], -1, b""
    payload = reader.bytes_()
    return SYNC, data[1], payload


def _utf16_len(text: str) -> int:
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def update_clocks(update: bytes) -> dict[int, int]:
    """Map each client in a v1 update to the clock just past its last struct in it."""
    reader = _Reader(update)
    ends: dict[int, int] = {}
    for _ in range(reader.uint()):
        count = reader.uint()
        client = reader.uint()
        clock = reader.uint()
        for _ in range(count):
            clock += _struct_length(reader)
        ends[client] = max(ends.get(client, 0), clock)
    return ends


def _struct_length(reader: _Reader) -> int:
    info = reader.buf[reader.pos]
    reader.pos += 1
    ref = info & 31
    if ref in (0, 10):  # GC, Skip
        return reader.uint()
    if info & 0x80:  # left origin
        reader.uint()
        reader.uint()
    if info & 0x40:  # right origin
        reader.uint()
        reader.uint()
    if not info & 0xC0:  # parent info is written out
        if reader.uint() == 1:
            reader.bytes_()
        else:
            reader.uint()
            reader.uint()
        if info & 0x20:
            reader.bytes_()
    if ref == 4:
        return _utf16_len(reader.string())
    if ref == 1:
        return reader.uint()
    if ref == 8:
        count = reader.uint()
        for _ in range(count):
            reader.skip_any()
        return count
    if ref == 2:
        count = reader.uint()
        for _ in range(count):
            reader.bytes_()
        return count
    if ref in (3, 5):
        reader.bytes_()
        return 1
    if ref == 6:
        reader.bytes_()
        reader.bytes_()
        return 1
    if ref == 7:
        if reader.uint() in (3, 5):  # XmlElement, XmlHook carry a name
            reader.bytes_()
        return 1
    if ref == 9:
        reader.bytes_()
        reader.skip_any()
        return 1
    raise ValueError(f"unknown struct content {ref}")


def decode_state(state: bytes) -> dict[int, int]:
    reader = _Reader(state)
    return {reader.uint(): reader.uint() for _ in range(reader.uint())}
