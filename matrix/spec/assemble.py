"""Text modules to bytes with a real assembler (wasmtime's `wat2wasm`: the `wat` crate,
current with the 3.0 syntax), cached on disk by the text's hash so that a module is
assembled once for every engine and every run."""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from pathlib import Path

from ..paths import cache_dir


class AssemblyFailed(Exception):
    """The assembler refused the text (its own message)."""


def assembler_name() -> str:
    from importlib.metadata import version

    return f"wasmtime-py {version('wasmtime')} wat2wasm"


def _folder() -> Path:
    folder = cache_dir() / "spec-wat"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@lru_cache(maxsize=4096)
def assemble(text: str) -> bytes:
    key = hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()
    folder = _folder()
    done, failed = folder / f"{key}.wasm", folder / f"{key}.err"
    if done.exists():
        return done.read_bytes()
    if failed.exists():
        raise AssemblyFailed(failed.read_text(encoding="utf-8"))
    import wasmtime

    try:
        module = bytes(wasmtime.wat2wasm(text))
    except wasmtime.WasmtimeError as error:
        _write(failed, str(error).encode("utf-8"))
        raise AssemblyFailed(str(error)) from None
    except UnicodeEncodeError as error:  # text that is not UTF-8 is malformed text
        raise AssemblyFailed(f"the text is not UTF-8: {error}") from None
    _write(done, module)
    return module


def _write(path: Path, data: bytes) -> None:
    # Write then rename: parallel workers may assemble the same text at once.
    temporary = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    temporary.replace(path)
