"""Build a case's module once per (source, toolchain version, profile), cached by content."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

from .cases import Case, ModuleSource
from .scanner import ScanError, scan
from .toolchains import BuildOutput, Toolchain


@dataclass(frozen=True)
class Built:
    module: bytes
    sha256: str  # of the module
    command: str
    toolchain_version: str
    cached: bool
    build_ms: float = 0.0  # how long the toolchain took (when this build was made)
    uses: tuple[str, ...] = ()  # what the module scanner found beyond mvp
    scan_error: str | None = None  # the scanner could not decode the module
    counts: dict[str, int] | None = None  # how often the scanner saw each feature used


KEPT_BYTES = 256 * 2**20  # modules a process keeps in memory, beyond which it reads again


class BuildCache:
    """A content-addressed store: the key hashes everything that can change the output."""

    def __init__(self, root: Path):
        self.root = root
        # What this process has built or read already: a module serves one cell per engine
        # build, and reading it back and hashing it again cost more than the rest of a cell.
        self._known: dict[str, Built] = {}
        self._kept = 0  # bytes of modules in _known

    def build(self, case: Case, toolchain: Toolchain, profile: str) -> Built:
        toolchain_version = toolchain.version()
        source = case.source_for(toolchain.format)
        recipe = f"{toolchain_version}\0{toolchain.recipe(profile)}"
        key = self.key(source, toolchain.name, recipe, profile)
        if key in self._known:
            return self._known[key]
        built = self._build(key, source, toolchain, profile, toolchain_version)
        if self._kept + len(built.module) <= KEPT_BYTES:
            self._known[key] = replace(built, cached=True)  # what the next cell gets
            self._kept += len(built.module)
        return built

    def _build(
        self, key: str, source: ModuleSource, toolchain: Toolchain, profile: str, version: str
    ) -> Built:
        toolchain_version = version
        module_path = self.root / f"{key}.wasm"
        meta_path = self.root / f"{key}.json"
        if module_path.exists() and meta_path.exists():
            module = module_path.read_bytes()
            meta = json.loads(meta_path.read_text("utf-8"))
            if "uses" in meta:  # records from before the scanner are rebuilt
                return _built(module, meta, toolchain_version, cached=True)
        started = time.perf_counter()
        output: BuildOutput = toolchain.build(source, profile)
        self.root.mkdir(parents=True, exist_ok=True)
        meta = {
            "build_ms": round((time.perf_counter() - started) * 1000, 1),
            "command": output.command,
            "toolchain": toolchain.name,
            "toolchain_version": toolchain_version,
            "profile": profile,
            **_scan(output.module),
        }
        _write_atomically(module_path, output.module)
        _write_atomically(meta_path, json.dumps(meta).encode("utf-8"))
        return _built(output.module, meta, toolchain_version, cached=False)

    @staticmethod
    def key(source: ModuleSource, toolchain: str, toolchain_version: str, profile: str) -> str:
        digest = hashlib.sha256()
        for part in (toolchain, toolchain_version, profile, source.format):
            digest.update(part.encode("utf-8") + b"\0")
        if source.entry:  # a WASI program: a command and a reactor are different builds
            digest.update(f"entry={source.entry}".encode() + b"\0")
        digest.update(source.content)
        return digest.hexdigest()


def _built(module: bytes, meta: dict, toolchain_version: str, cached: bool) -> Built:
    return Built(
        module,
        _sha256(module),
        meta["command"],
        toolchain_version,
        cached,
        meta.get("build_ms", 0.0),
        tuple(meta["uses"]),
        meta.get("scan_error"),
        meta.get("counts", {}),
    )


def _scan(module: bytes) -> dict:
    """What the module uses, recorded once per build (the scanner is deterministic)."""
    try:
        report = scan(module)
    except ScanError as error:
        return {"uses": [], "scan_error": str(error), "counts": {}}
    counts = {name: finding.count for name, finding in report.features.items()}
    return {"uses": list(report.needs), "scan_error": None, "counts": counts}


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
