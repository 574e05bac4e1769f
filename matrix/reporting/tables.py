"""Fold a run's cell records into the tables every report shows (no formatting here)."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from ..outcomes import AS_EXPECTED, Outcome, worst
from ..profiles import FEATURES
from ..records import CellResult


@dataclass
class TableCell:
    outcome: Outcome
    records: list[CellResult] = field(default_factory=list)

    @property
    def passed(self) -> int:
        """Cells that went as they should: passed (or, on a validator, validated)."""
        return sum(1 for record in self.records if record.outcome in AS_EXPECTED)

    @property
    def shim(self) -> bool:
        """Some of its cells ran WASI through wasm-matrix's shim, not the engine's own."""
        return any(record.wasi == "shim" for record in self.records)


@dataclass
class Table:
    title: str
    rows: list[str]
    columns: list[str]
    cells: dict[tuple[str, str], TableCell]
    row_notes: dict[str, str] = field(default_factory=dict)

    def transposed(self) -> Table:
        """The same table with rows and columns swapped (engines down the side)."""
        cells = {(column, row): cell for (row, column), cell in self.cells.items()}
        return Table(self.title, self.columns, self.rows, cells)


def engine_order(records: list[CellResult], run: dict) -> list[str]:
    """Engines in the order run.json lists them, then any others in order of appearance."""
    order = [engine["id"] for engine in run.get("engines", [])]
    for record in records:
        if record.engine not in order and record.engine != "-":
            order.append(record.engine)
    present = {record.engine for record in records}
    return [engine for engine in order if engine in present]


def fold(records: list[CellResult]) -> TableCell:
    return TableCell(worst([Outcome(record.outcome) for record in records]), records)


def feature_table(records: list[CellResult], engines: list[str]) -> Table:
    """Feature × engine from the probes: each table cell folds every probe of the feature."""
    grouped: dict[tuple[str, str], list[CellResult]] = defaultdict(list)
    for record in records:
        if record.kind != "probe" or record.control:
            continue
        for feature in record.features:
            grouped[(feature, record.engine)].append(record)
    rows = [f.name for f in FEATURES if any((f.name, e) in grouped for e in engines)]
    notes = {f.name: ", ".join(f.webassembly_org) for f in FEATURES}
    cells = {key: fold(group) for key, group in grouped.items()}
    return Table("Features × engines", rows, engines, cells, notes)


# Toolchains that compile a language; `wat`, `binary` and `prebuilt` have no defaults.
_AUTHORED = ("wat", "binary", "prebuilt", "package")


def is_pairing(record: CellResult) -> bool:
    """A C ↔ Rust ABI pairing's cell (toolchains/link.py names them `clang-N+rustc-M`)."""
    return "+" in record.toolchain


def toolchain_defaults_table(records: list[CellResult], engines: list[str]) -> Table:
    """Toolchain × engine for each compiler's own default build (profile `default`),
    folding every freestanding program of the corpus: what a user gets without choosing
    any flags. WASI programs and ABI pairings have tables of their own (wasi_tables.py)."""
    grouped: dict[tuple[str, str], list[CellResult]] = defaultdict(list)
    for record in records:
        toolchain = record.toolchain
        if record.wasi or record.kind == "spec" or is_pairing(record):
            continue
        if record.profile == "default" and toolchain not in _AUTHORED and toolchain != "-":
            grouped[(toolchain, record.engine)].append(record)
    rows = sorted({toolchain for toolchain, _ in grouped}, key=toolchain_order)
    cells = {key: fold(group) for key, group in grouped.items()}
    return Table("Toolchain defaults × engines", rows, engines, cells)


def toolchain_order(name: str) -> tuple[str, tuple[int, ...], str]:
    # By family, then by version as numbers: clang-9 before clang-14, clang-19-wasi too.
    family, _, version = name.partition("-")
    return (family, tuple(int(number) for number in re.findall(r"\d+", version)), name)


def case_tables(records: list[CellResult], engines: list[str]) -> list[Table]:
    """One case × engine table per profile; a row is `case (toolchain)`."""
    by_profile: dict[str, dict[tuple[str, str], list[dict]]] = defaultdict(
        lambda: defaultdict(list)
    )
    row_order: dict[str, dict[str, None]] = defaultdict(dict)  # ordered sets: O(1) lookups
    for record in records:
        if record.engine == "-" or record.kind == "spec":  # spec cells: reporting/spec.py
            continue
        if record.control:  # controls check the harness: see control_summary
            continue
        row = f"{record.case} ({record.toolchain})"
        profile = record.profile
        row_order[profile][row] = None
        by_profile[profile][(row, record.engine)].append(record)
    tables = []
    for profile in sorted(by_profile, key=lambda name: (name != "default", name)):
        cells = {key: fold(group) for key, group in by_profile[profile].items()}
        tables.append(
            Table(
                f"Cases × engines, profile `{profile}`", sorted(row_order[profile]), engines, cells
            )
        )
    return tables


def outcome_counts(records: list[CellResult]) -> dict[Outcome, int]:
    counts = {outcome: 0 for outcome in Outcome}
    for record in records:
        counts[Outcome(record.outcome)] += 1
    return counts


def control_summary(records: list[CellResult]) -> tuple[int, list[CellResult]]:
    """How many control cells ran, and those that passed (each one a harness defect, turned
    into `error` by the runner)."""
    controls = [record for record in records if record.control]
    return len(controls), [record for record in controls if record.outcome == Outcome.ERROR]
