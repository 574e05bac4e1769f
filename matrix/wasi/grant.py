"""What a WASI program is granted, in the form a `run` request carries it
(engines/protocol.md, "WASI"). matrix/wasi/sandbox.py makes these for each cell; protocol.py
puts them on the wire."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Preopen:
    """A folder a WASI program gets: made for the cell (a copy or an empty scratch folder),
    opened under `guest`; `files` carries its content inline to shim hosts."""

    guest: str
    host: str
    writable: bool
    files: dict[str, str | None] | None = None  # relative path: base64, or None (a folder)

    def to_wire(self) -> dict:
        wire: dict[str, Any] = {"guest": self.guest, "host": self.host, "writable": self.writable}
        if self.files is not None:
            wire["files"] = self.files
        return wire


@dataclass(frozen=True)
class Wasi:
    """What a WASI program is granted (engines/protocol.md, "WASI"): nothing else of the
    host's may reach it."""

    start: str  # command | reactor
    args: tuple[str, ...] = ()  # argv, argv[0] included
    env: tuple[tuple[str, str], ...] = ()
    stdin: bytes = b""
    preopens: tuple[Preopen, ...] = ()

    def to_wire(self) -> dict:
        return {
            "start": self.start,
            "args": list(self.args),
            "env": [list(pair) for pair in self.env],
            "stdin": base64.b64encode(self.stdin).decode("ascii"),
            "preopens": [preopen.to_wire() for preopen in self.preopens],
        }
