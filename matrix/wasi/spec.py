"""A case's `wasi:` section: what a WASI (preview 1) program is given and must give back.

Parsed from the case's data after the JSON Schema has checked its shape; what the schema
cannot say (folders that must exist beside the case, patterns that must compile, sizes)
is checked here and raised as WasiSpecError with the field's path, which the case loader
turns into a CaseError with file and line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

COMMAND, REACTOR = "command", "reactor"
# Preopened folders travel inline to hosts that run WASI through wasm-matrix's shim, and
# are copied for every cell: keep them small.
MAX_FOLDER_BYTES = 4 * 2**20
MAX_FOLDER_FILES = 256


class WasiSpecError(Exception):
    def __init__(self, location: list, message: str):
        super().__init__(message)
        self.location, self.message = location, message


@dataclass(frozen=True)
class TextExpectation:
    """Exact text, or a regular expression that must match somewhere (re.search)."""

    exact: str | None = None
    pattern: str | None = None

    def matches(self, text: str) -> bool:
        if self.exact is not None:
            return text == self.exact
        return re.search(self.pattern or "", text, re.MULTILINE) is not None

    def __str__(self) -> str:
        return repr(self.exact) if self.exact is not None else f"/{self.pattern}/"


@dataclass(frozen=True)
class Preopen:
    """A folder the module may use, under the name `guest`. Never the case's own folder:
    `folder` (beside the case) is copied for every cell; a read-write preopen without one
    starts empty. `expect`: a folder beside the case that a read-write preopen must equal
    afterwards, file for file."""

    guest: str
    folder: Path | None
    writable: bool
    expect: Path | None = None


@dataclass(frozen=True)
class WasiSpec:
    start: str  # command (`_start`) or reactor (`_initialize`, then the case's calls)
    args: tuple[str, ...]  # argv[1:]; argv[0] is the case's name
    env: tuple[tuple[str, str], ...]
    stdin: bytes
    preopens: tuple[Preopen, ...]
    stdout: TextExpectation | None
    stderr: TextExpectation | None
    exit_code: int


def parse_wasi(case_folder: Path, data: dict) -> WasiSpec:
    """The `wasi:` mapping of a case (already checked against the schema)."""
    preopens = tuple(
        _preopen(case_folder, ["wasi", "dirs", index], entry)
        for index, entry in enumerate(data.get("dirs", []))
    )
    guests = [preopen.guest for preopen in preopens]
    for index, guest in enumerate(guests):
        if guests.index(guest) != index:
            raise WasiSpecError(["wasi", "dirs", index, "guest"], f"{guest!r} is preopened twice")
    env = data.get("env", {})
    return WasiSpec(
        start=data.get("start", COMMAND),
        args=tuple(str(arg) for arg in data.get("args", [])),
        env=tuple((str(name), str(value)) for name, value in env.items()),
        stdin=str(data.get("stdin", "")).encode("utf-8"),
        preopens=preopens,
        stdout=_text(["wasi", "stdout"], data.get("stdout")),
        stderr=_text(["wasi", "stderr"], data.get("stderr")),
        exit_code=int(data.get("exit_code", 0)),
    )


def _text(location: list, value: object) -> TextExpectation | None:
    if value is None:
        return None
    if isinstance(value, str):
        return TextExpectation(exact=value)
    pattern = value["pattern"]
    try:
        re.compile(pattern)
    except re.error as error:
        raise WasiSpecError([*location, "pattern"], f"not a regular expression: {error}") from None
    return TextExpectation(pattern=pattern)


def _preopen(case_folder: Path, location: list, entry: dict) -> Preopen:
    writable = entry.get("access", "read-only") == "read-write"
    folder = _folder(case_folder, [*location, "folder"], entry.get("folder"))
    expect = _folder(case_folder, [*location, "expect"], entry.get("expect"))
    if folder is None and not writable:
        raise WasiSpecError([*location, "folder"], "a read-only preopen needs a folder to copy")
    if expect is not None and not writable:
        raise WasiSpecError(
            [*location, "expect"], "only a read-write preopen is compared afterwards"
        )
    return Preopen(entry["guest"], folder, writable, expect)


def _folder(case_folder: Path, location: list, name: str | None) -> Path | None:
    if name is None:
        return None
    folder = (case_folder / name).resolve()
    if not folder.is_relative_to(case_folder.resolve()):
        raise WasiSpecError(location, f"{name!r} is outside the case's folder")
    if not folder.is_dir():
        raise WasiSpecError(location, f"{name!r} is not a folder beside the case")
    total, count = 0, 0
    for path in folder.rglob("*"):
        if path.is_symlink():
            # A link could lead a module (or the copy) out of the folder it is given.
            raise WasiSpecError(location, f"{path.relative_to(folder)} is a symbolic link")
        if path.is_file():
            total, count = total + path.stat().st_size, count + 1
    if total > MAX_FOLDER_BYTES or count > MAX_FOLDER_FILES:
        raise WasiSpecError(
            location,
            f"{name!r} holds {count} files, {total} bytes: at most "
            f"{MAX_FOLDER_FILES} files and {MAX_FOLDER_BYTES} bytes",
        )
    return folder
