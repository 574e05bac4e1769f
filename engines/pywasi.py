"""WASI (preview 1) runs in the Python hosts: what every engine's WASI needs around it.

A `run` request with a `wasi` object (protocol.md, "WASI") names the arguments, the
environment, stdin and the folders the runner prepared. `WasiRun` puts stdin into a file
and gives the engine files for stdout and stderr (every engine's WASI can use files), then
reads them back into the answer. Standard library only: it runs inside each engine's venv.
"""

from __future__ import annotations

import base64
import contextlib
import os
import re
import shutil
import sys
import tempfile
from pathlib import Path

MAX_OUTPUT = 1 << 20  # bytes of stdout or stderr kept for the answer
SHIM = "wasm-matrix's shim"


class WasiUnsupported(Exception):
    """This host (this version of its engine's API) cannot run WASI programs."""


class WasiRun:
    """One WASI run's stdio files and settings; use as a context manager."""

    def __init__(self, request: dict):
        self.start = request.get("start", "command")
        self.args: list[str] = list(request.get("args", []))
        self.env: list[tuple[str, str]] = [(k, v) for k, v in request.get("env", [])]
        self.preopens: list[dict] = list(request.get("preopens", []))
        self._stdin = base64.b64decode(request.get("stdin", ""))
        self.folder = Path(tempfile.mkdtemp(prefix="wasm-matrix-stdio-"))
        self.stdin = self.folder / "stdin"
        self.stdout = self.folder / "stdout"
        self.stderr = self.folder / "stderr"
        self.stdin.write_bytes(self._stdin)
        self.stdout.write_bytes(b"")
        self.stderr.write_bytes(b"")
        # The host's working folder while the program runs: empty, so an engine whose WASI
        # resolves paths against it (instead of the preopen) reaches nothing, and what the
        # program leaves there is evidence that it got out.
        self.cwd = self.folder / "cwd"
        self.cwd.mkdir()
        self._previous_cwd = os.getcwd()
        self.read_only: list[bool] = [not p.get("writable") for p in self.preopens]
        # How `_start` (or `_initialize`) ended: an exit code, or a trap's message.
        self.exit_code: int | None = None
        self.trap: str | None = None

    @property
    def finished(self) -> bool:
        """Whether the start function ended well enough for the case's calls to follow."""
        return self.exit_code is not None and self.trap is None

    def __enter__(self) -> WasiRun:
        os.chdir(self.cwd)
        return self

    def __exit__(self, *exc) -> None:
        os.chdir(self._previous_cwd)
        shutil.rmtree(self.folder, ignore_errors=True)

    def answer(self, **extra) -> dict:
        """The `wasi` part of the answer: how the program ended and what it printed."""
        return {
            "exit_code": self.exit_code,
            "trap": self.trap,
            "stdout": _read(self.stdout),
            "stderr": _read(self.stderr),
            "read_only": self.read_only,
            "escaped": sorted(entry.name for entry in self.cwd.iterdir()),
            "via": "native",  # the engine's own WASI ran
            **extra,
        }


def _read(path: Path) -> str:
    with open(path, "rb") as file:
        data = file.read(MAX_OUTPUT + 1)
    return base64.b64encode(data[:MAX_OUTPUT]).decode("ascii")


def exit_code_of(error: BaseException) -> int | None:
    """The code of a proc_exit, from an engine's exit exception (or its message)."""
    code = getattr(error, "code", None)
    if isinstance(code, int):
        return code
    found = re.search(r"exit(?:ed)?\b.*?(?:status|code)\D*?(-?\d+)", str(error), re.IGNORECASE)
    return int(found[1]) if found else None


@contextlib.contextmanager
def redirected(run: WasiRun):
    """For an engine whose WASI uses the process's own stdin, stdout and stderr: point
    file descriptors 0, 1 and 2 at the run's files meanwhile (the protocol's channels are
    elsewhere by then: see pyhost.serve), and back afterwards."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(fd) for fd in (0, 1, 2)]
    files = [
        os.open(run.stdin, os.O_RDONLY),
        os.open(run.stdout, os.O_WRONLY | os.O_APPEND),
        os.open(run.stderr, os.O_WRONLY | os.O_APPEND),
    ]
    try:
        for fd, file in enumerate(files):
            os.dup2(file, fd)
        yield
    finally:
        for fd, save in enumerate(saved):
            os.dup2(save, fd)
            os.close(save)
        for file in files:
            os.close(file)
