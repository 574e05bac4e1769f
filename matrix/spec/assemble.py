"""Text modules to bytes with a real assembler (wasmtime's `wat2wasm`: the `wat` crate,
current with the 3.0 syntax), cached on disk by the text's hash so that a module is
assembled once for every engine and every run."""

from __future__ import annotations

import hashlib
import os
import re
from functools import lru_cache
from pathlib import Path

from ..paths import cache_dir

# Part of every cache key: change it when the way text is prepared for the assembler does.
RECIPE = "wat2wasm, unicode escaped, 3"


class AssemblyFailed(Exception):
    """The assembler refused the text (its own message)."""


@lru_cache(maxsize=1)
def assembler_name() -> str:
    from importlib.metadata import version

    return f"wasmtime-py {version('wasmtime')} wat2wasm"


def _folder() -> Path:
    folder = cache_dir() / "spec-wat"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@lru_cache(maxsize=4096)
def assemble(text: str) -> bytes:
    key = hashlib.sha256(
        f"{RECIPE}\n{assembler_name()}\n{text}".encode("utf-8", "surrogateescape")
    ).hexdigest()
    folder = _folder()
    done, failed = folder / f"{key}.wasm", folder / f"{key}.err"
    if done.exists():
        return done.read_bytes()
    if failed.exists():
        raise AssemblyFailed(failed.read_text(encoding="utf-8"))
    import wasmtime

    if _SURROGATES.search(text):  # bytes that were not UTF-8 in the script: malformed text
        _write(failed, b"malformed UTF-8 encoding")
        raise AssemblyFailed("malformed UTF-8 encoding")
    try:
        module = bytes(wasmtime.wat2wasm(text if text.isascii() else _escape_unicode(text)))
    except wasmtime.WasmtimeError as error:
        _write(failed, str(error).encode("utf-8"))
        raise AssemblyFailed(str(error)) from None
    except UnicodeEncodeError as error:  # text that is not UTF-8 is malformed text
        raise AssemblyFailed(f"the text is not UTF-8: {error}") from None
    _write(done, module)
    return module


_SURROGATES = re.compile("[\ud800-\udfff]")
_PIECES = re.compile(r'"(?:[^"\\]|\\.)*"|;;[^\n]*|\(;|;\)|[^";(]+|.', re.DOTALL)


def _escape_unicode(text: str) -> str:
    """The same module with non-ASCII characters in strings written as escapes
    (and blanked in line comments): the `wat` crate refuses raw bidirectional and invisible
    characters ("likely-confusing unicode") that the spec's names tests use on purpose."""
    out = []
    for piece in _PIECES.findall(text):
        if piece.isascii():
            out.append(piece)
        elif piece.startswith('"'):
            out.append("".join(c if c.isascii() else f"\\u{{{ord(c):x}}}" for c in piece))
        elif piece.startswith(";;"):
            out.append("".join(c if c.isascii() else " " for c in piece))
        else:  # outside strings and comments the assembler judges the character itself
            out.append(piece)
    return "".join(out)


def _write(path: Path, data: bytes) -> None:
    # Write then rename: parallel workers may assemble the same text at once.
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
