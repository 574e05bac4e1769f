"""The cell record: one line of results.jsonl (docs/results.md lists every key).

Runners make a `CellResult` (a case cell) or a `SpecCellResult` (a script of the spec
suite) and the results store writes it as one JSON line; every reader (reports, merge,
diff, history, check) gets the same typed records back from `results.read_results`.
Keys a record does not know (a newer wasm-matrix's) are kept in `extra` and written back
unchanged, so reading and rewriting a results file (merge) loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from functools import cache
from typing import Any

CellKey = tuple[str, str, str, str]  # (case, toolchain, profile, engine): a cell's identity


class NotARecord(ValueError):
    """A JSON object that lacks what names a cell and its outcome (case, toolchain, profile,
    engine, outcome)."""


@dataclass(slots=True)
class CellResult:
    """One case cell's result (and the fields every record has)."""

    case: str
    toolchain: str
    profile: str
    engine: str
    outcome: str
    message: str = ""
    case_file: str = ""
    kind: str = ""
    features: list[str] = field(default_factory=list)
    engine_family: str = ""
    engine_version: str = ""
    engine_disabled: list[str] = field(default_factory=list)
    toolchain_version: str = ""
    module_sha256: str = ""
    module_size: int = 0
    module_uses: list[str] = field(default_factory=list)  # the scanner's findings
    module_counts: dict[str, int] = field(default_factory=dict)  # load: how often each is used
    module_scan_error: str = ""
    package: dict = field(default_factory=dict)  # load: where a shipped module came from
    # A refused load cell: the offset the engine's message names and what the module
    # scanner finds there ({"offset", "features": [{"feature", "offset", "evidence"}]}).
    located: dict = field(default_factory=dict)
    build_command: str = ""
    build_cached: bool = False
    build_ms: float = 0.0  # the toolchain's time for this module (when it was built)
    # A WASI program's cell: "native" (the engine's own WASI), "shim" (wasm-matrix's) or
    # "none" (the engine has none: a skip); "" for every other cell.
    wasi: str = ""
    host_start_ms: float = 0.0  # starting the engine's host, when this cell had to
    rerun: str = ""
    required: bool = True  # the engine is one the case/project requires (see docs/pytest.md)
    executes: bool = True  # false: a validator-only engine, which says valid/invalid only
    control: bool = False  # a control case: no engine may pass it (docs/cases.md)
    unobserved_trap_kinds: int = 0  # expected traps passed on "it trapped": kind not shown
    duration_ms: float = 0.0
    finished_at: str = ""
    extra: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def key(self) -> CellKey:
        """What names the cell in a run."""
        return (self.case, self.toolchain, self.profile, self.engine)

    def to_record(self) -> dict[str, Any]:
        """The record as results.jsonl holds it."""
        record = {name: getattr(self, name) for name in _names(type(self))}
        record.update(self.extra)
        return record

    @staticmethod
    def from_record(record: dict[str, Any]) -> CellResult:
        """A record read back: a SpecCellResult for a spec-suite cell, else a CellResult."""
        kind = SpecCellResult if record.get("kind") == "spec" else CellResult
        if "extra" not in record:
            try:
                return kind(**record)  # the usual line: every key known
            except TypeError:
                pass
        names = _name_set(kind)
        known = {key: value for key, value in record.items() if key in names}
        extra = {key: value for key, value in record.items() if key not in names}
        try:
            return kind(**known, extra=extra)
        except TypeError:
            raise NotARecord(f"not a cell record: {sorted(record)[:12]}") from None


@dataclass(slots=True)
class SpecCellResult(CellResult):
    """A spec-suite cell: one script on one engine build, with its assertions counted."""

    assertions: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)
    skips: list = field(default_factory=list)


@cache
def _names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind) if f.name != "extra")


@cache
def _name_set(kind: type) -> frozenset[str]:
    return frozenset(_names(kind))
