"""Helpers the tests share (conftest.py keeps the fixtures): engine ids the tests run on,
the repository's folder, and `wasm-matrix` run as a user runs it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from matrix.engines import EngineBuild, load_engine_builds

REPO = Path(__file__).resolve().parents[1]
TESTSUITE = REPO / "testsuite"  # the pinned copy of the WebAssembly spec test suite
FAKE_HOSTS = Path(__file__).resolve().parent / "fake_hosts"
NEWEST = "wasmtime-50.0.1"
NEWEST_NO_REFS = "wasmtime-50.0.1[-reference-types]"
OLDER = "wasmtime-48.0.0"
OLDER_NO_REFS = "wasmtime-48.0.0[-reference-types]"


def engine_build(engine_id: str) -> EngineBuild:
    for build in load_engine_builds():
        if build.id == engine_id:
            return build
    raise LookupError(engine_id)


def wasm_matrix(*args: str, cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess:
    """`wasm-matrix ARGS` in a child process, as a user runs it (output captured)."""
    return subprocess.run(
        [sys.executable, "-m", "matrix.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
