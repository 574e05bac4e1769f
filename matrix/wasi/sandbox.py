"""The folders one WASI cell grants, made fresh for the cell and removed after it.

A cell's sandbox is a temporary folder: each preopen is a subfolder (a copy of the case's
folder, never the folder itself; or an empty scratch folder), and beside them lies a decoy,
`secret.txt`, that no module may reach: a program that escapes its preopen through `..`
finds it instead of failing. Read-only copies are compared before and after (what an
engine that cannot preopen read-only let through shows here), and a read-write preopen is
compared with the case's `expect` folder afterwards. Nothing here follows a symbolic link:
a module may make links in a scratch folder, and they must not lead the runner out of the
sandbox either.
"""

from __future__ import annotations

import base64
import os
import shutil
import stat
import tempfile
from pathlib import Path

from ..protocol import WasiAnswer
from .grant import Preopen as PreopenGrant
from .grant import Wasi
from .spec import Preopen, WasiSpec

DECOY = "secret.txt"
DECOY_TEXT = b"wasm-matrix decoy: a module read this from outside its preopens\n"
MAX_FILE = 1 << 20  # bytes of one file read back for a comparison

# A folder's state: relative path -> file bytes, "dir", or "link -> target".
Snapshot = dict[str, bytes | str]


def snapshot(folder: Path) -> Snapshot:
    """What a folder holds, without following links."""
    found: Snapshot = {}
    for top, folders, files in os.walk(folder, followlinks=False):
        for name in folders + files:
            path = Path(top) / name
            relative = path.relative_to(folder).as_posix()
            info = path.lstat()
            if stat.S_ISLNK(info.st_mode):
                found[relative] = f"link -> {os.readlink(path)}"
            elif stat.S_ISDIR(info.st_mode):
                found[relative] = "dir"
            elif stat.S_ISREG(info.st_mode):
                with open(path, "rb") as file:
                    found[relative] = file.read(MAX_FILE + 1)
            else:
                found[relative] = "special file"
    return found


def differences(expected: Snapshot, actual: Snapshot, guest: str) -> list[str]:
    """What differs, one readable line per path (at most a few)."""
    lines = []
    for path in sorted(set(expected) | set(actual)):
        want, got = expected.get(path), actual.get(path)
        if want == got:
            continue
        where = f"{guest}/{path}"
        if got is None:
            lines.append(f"{where} is missing")
        elif want is None:
            lines.append(f"{where} should not be there ({_kind(got)})")
        elif isinstance(want, bytes) and isinstance(got, bytes):
            lines.append(f"{where} differs ({len(want)} bytes expected, {len(got)} found)")
        else:
            lines.append(f"{where}: expected {_kind(want)}, found {_kind(got)}")
    return lines[:8] + ([f"… and {len(lines) - 8} more"] if len(lines) > 8 else [])


def _kind(entry: bytes | str) -> str:
    return f"a file of {len(entry)} bytes" if isinstance(entry, bytes) else entry


class Sandbox:
    """Use as a context manager around one cell."""

    def __init__(self, spec: WasiSpec, argv0: str, inline: bool = False):
        self.spec = spec
        self.argv0 = argv0
        self.inline = inline  # the host gets the files in the request (wasm-matrix's shim)
        self.root: Path | None = None
        self.folders: list[Path] = []
        self.before: list[Snapshot] = []

    def __enter__(self) -> Sandbox:
        self.root = Path(tempfile.mkdtemp(prefix="wasm-matrix-wasi-"))
        (self.root / DECOY).write_bytes(DECOY_TEXT)
        for index, preopen in enumerate(self.spec.preopens):
            folder = self.root / f"preopen-{index}"
            if preopen.folder is not None:
                shutil.copytree(preopen.folder, folder, symlinks=True)
            else:
                folder.mkdir()
            self.folders.append(folder)
            self.before.append(snapshot(folder))
        return self

    def __exit__(self, *exc) -> None:
        if self.root is not None:
            shutil.rmtree(self.root, ignore_errors=True)

    def request(self) -> Wasi:
        """The `wasi` object of a run request (engines/protocol.md)."""
        spec = self.spec
        preopens = tuple(
            PreopenGrant(
                preopen.guest,
                str(folder),
                preopen.writable,
                _encode(before) if self.inline else None,
            )
            for preopen, folder, before in zip(
                spec.preopens, self.folders, self.before, strict=True
            )
        )
        return Wasi(spec.start, (self.argv0, *spec.args), spec.env, spec.stdin, preopens)

    def problems(self, answer: WasiAnswer) -> list[str]:
        """What the folders say after the run: a changed read-only copy, a read-write
        preopen that differs from the case's `expect` folder."""
        found: list[str] = []
        changes = self.read_only_changes(answer)
        for index, (preopen, folder) in enumerate(
            zip(self.spec.preopens, self.folders, strict=True)
        ):
            after = self._after(index, folder, answer.files)
            if after is None:
                found.append(f"the host did not return the folder {preopen.guest}")
                continue
            if not preopen.writable:
                if changes.get(preopen.guest):
                    changed = "; ".join(changes[preopen.guest])
                    found.append(f"the read-only preopen {preopen.guest} was changed: {changed}")
            elif preopen.expect is not None:
                wrong = differences(snapshot(preopen.expect), after, preopen.guest)
                if wrong:
                    found.append(f"{preopen.guest} afterwards: " + "; ".join(wrong))
        return found

    def read_only_changes(self, answer: WasiAnswer) -> dict[str, list[str]]:
        """Each read-only preopen the run changed (by its guest name), with what changed."""
        found: dict[str, list[str]] = {}
        for index, (preopen, folder) in enumerate(
            zip(self.spec.preopens, self.folders, strict=True)
        ):
            after = self._after(index, folder, answer.files)
            if not preopen.writable and after is not None:
                changed = differences(self.before[index], after, preopen.guest)
                if changed:
                    found[preopen.guest] = changed
        return found

    def _after(self, index: int, folder: Path, returned: tuple | None) -> Snapshot | None:
        if not self.inline:
            return snapshot(folder)
        if returned is None or index >= len(returned):
            return None
        return _decode(returned[index])


def _encode(found: Snapshot) -> dict:
    return {
        path: base64.b64encode(entry).decode("ascii") if isinstance(entry, bytes) else None
        for path, entry in found.items()
        if isinstance(entry, bytes) or entry == "dir"
    }


def _decode(files: dict) -> Snapshot:
    return {
        str(path): base64.b64decode(entry) if isinstance(entry, str) else "dir"
        for path, entry in (files or {}).items()
    }


__all__ = ["DECOY", "Preopen", "Sandbox", "differences", "snapshot"]
