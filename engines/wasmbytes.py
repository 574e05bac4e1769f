"""The WebAssembly binary format's bytes and LEB128 numbers, for the Python hosts.

One reader (bytes, unsigned and signed LEB128, names) and the encoders that go with it,
shared by imports.py (a module's imports with their types) and wabt/wasmbin.py (exported
signatures and the exact-bits wrapper module). Standard library only.
"""

from __future__ import annotations


class NotRead(Exception):
    """The bytes cannot be read here (the engine decides whether the module is valid)."""


class Reader:
    """Reads `data[position:end]` in order; NotRead past the end."""

    def __init__(self, data: bytes, position: int = 0, end: int | None = None):
        self.data, self.position = data, position
        self.end = len(data) if end is None else end

    def byte(self) -> int:
        if self.position >= self.end:
            raise NotRead(f"unexpected end at offset {self.position}")
        self.position += 1
        return self.data[self.position - 1]

    def leb(self, signed: bool = False) -> int:
        result = shift = 0
        while True:
            byte = self.byte()
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                if signed and byte & 0x40:
                    result -= 1 << shift
                return result
            if shift > 70:
                raise NotRead(f"LEB128 too long at offset {self.position}")

    def bytes(self, count: int) -> bytes:
        if self.position + count > self.end:
            raise NotRead(f"unexpected end at offset {self.position}")
        self.position += count
        return self.data[self.position - count : self.position]

    def name(self) -> str:
        return self.bytes(self.leb()).decode("utf-8", "replace")


def leb(value: int) -> bytes:
    """Unsigned LEB128."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def sleb(value: int) -> bytes:
    """Signed LEB128."""
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        done = (value == 0 and not byte & 0x40) or (value == -1 and byte & 0x40)
        out.append(byte | (0 if done else 0x80))
        if done:
            return bytes(out)


def vector(items: list[bytes]) -> bytes:
    return leb(len(items)) + b"".join(items)


def name(text: str) -> bytes:
    raw = text.encode("utf-8")
    return leb(len(raw)) + raw


def section(code: int, items: list[bytes]) -> bytes:
    """A section holding a vector of `items`."""
    content = vector(items)
    return bytes([code]) + leb(len(content)) + content
