"""Build a case's module once per (source, toolchain version, profile), cached by content."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .cases import Case
from .toolchains import BuildOutput, Toolchain


@dataclass(frozen=True)
class Built:
    module: bytes
    sha256: str  # of the module
    command: str
    toolchain_version: str
    cached: bool


class BuildCache:
    """A content-addressed store: the key hashes everything that can change the output."""

    def __init__(self, root: Path):
        self.root = root

    def build(self, case: Case, toolchain: Toolchain, profile: str) -> Built:
        toolchain_version = toolchain.version()
        key = self.key(case, toolchain.name, toolchain_version, profile)
        module_path = self.root / f"{key}.wasm"
        meta_path = self.root / f"{key}.json"
        if module_path.exists() and meta_path.exists():
            module = module_path.read_bytes()
            meta = json.loads(meta_path.read_text("utf-8"))
            return Built(module, _sha256(module), meta["command"], toolchain_version, True)
        output: BuildOutput = toolchain.build(case.module, profile)
        self.root.mkdir(parents=True, exist_ok=True)
        _write_atomically(module_path, output.module)
        meta = {
            "command": output.command,
            "toolchain": toolchain.name,
            "toolchain_version": toolchain_version,
            "profile": profile,
        }
        _write_atomically(meta_path, json.dumps(meta).encode("utf-8"))
        return Built(
            output.module, _sha256(output.module), output.command, toolchain_version, False
        )

    @staticmethod
    def key(case: Case, toolchain: str, toolchain_version: str, profile: str) -> str:
        digest = hashlib.sha256()
        for part in (toolchain, toolchain_version, profile, case.module.format):
            digest.update(part.encode("utf-8") + b"\0")
        digest.update(case.module.content)
        return digest.hexdigest()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _write_atomically(path: Path, data: bytes) -> None:
    # Parallel workers may build the same module; a rename makes the last writer win whole.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
