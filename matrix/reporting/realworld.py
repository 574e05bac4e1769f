"""The real-world page: shipped modules × engines, from a run's load cells.

One row per module (its package, size, toolchain and the features the scanner counts in
it), one column per engine build; then every refused cell with the engine's own message,
the feature the scanner blames and what wasm-opt's lowering does about it, measured where
the run has the module's lowered build (matrix/blame.py). Reads results only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..blame import Blame, blame, brief, lowered_cells, probe_outcomes
from ..outcomes import Outcome
from ..profiles import FEATURES_BY_NAME
from ..records import CellResult

DEFAULT = "default"
# A validator's `invalid` is a refusal too (blamed alike; it executes nothing).
REFUSED = (Outcome.REJECT, Outcome.INVALID, Outcome.CRASH, Outcome.TIMEOUT)


@dataclass
class ModuleRow:
    case: str
    package: dict
    size: int
    counts: dict[str, int]
    cells: dict[str, CellResult] = field(default_factory=dict)  # engine → default build

    @property
    def features(self) -> list[tuple[str, int]]:
        """The features beyond mvp the scanner found, with counts, in vocabulary order."""
        order = list(FEATURES_BY_NAME)
        named = [(f, n) for f, n in self.counts.items() if f != "mvp"]
        return sorted(named, key=lambda pair: order.index(pair[0]) if pair[0] in order else 99)

    @property
    def size_text(self) -> str:
        return (
            f"{self.size / 2**20:.1f} MiB" if self.size >= 2**20 else f"{self.size / 1024:.0f} KiB"
        )

    @property
    def passed(self) -> int:
        return sum(1 for r in self.cells.values() if r.outcome == Outcome.PASS)


@dataclass
class Refusal:
    record: CellResult
    blame: Blame

    @property
    def message(self) -> str:
        return brief(self.record.message)


@dataclass
class RealWorld:
    rows: list[ModuleRow]
    engines: list[str]
    refusals: list[Refusal]
    probes_from: str  # which run's feature probes the blame used

    @property
    def empty(self) -> bool:
        return not self.rows


def real_world(
    records: list[CellResult],
    engines: list[str],
    probe_records: list[CellResult] | None = None,
    probes_from: str = "",
) -> RealWorld:
    """The page's data. `probe_records`: feature probes to blame with, when the run itself
    has none (a run of cases/realworld only): the snapshot shipped with the package."""
    loads = [r for r in records if r.kind == "load"]
    rows: dict[str, ModuleRow] = {}
    for record in loads:
        if record.profile != DEFAULT:
            continue
        row = rows.get(record.case)
        if row is None:
            row = rows[record.case] = ModuleRow(record.case, record.package, 0, {})
        if record.module_size:
            row.size = record.module_size
            row.counts = record.module_counts or row.counts
        row.cells[record.engine] = record
    own_probes = [r for r in records if r.kind == "probe"]
    probes = probe_outcomes(own_probes or probe_records or [])
    lowered = lowered_cells(loads)
    refusals = []
    for row in rows.values():
        for engine in engines:
            record = row.cells.get(engine)
            if record is None or record.outcome not in REFUSED:
                continue
            found = blame(record, probes.get(engine, {}), lowered.get((row.case, engine)))
            refusals.append(Refusal(record, found))
    used = [e for e in engines if any(e in row.cells for row in rows.values())]
    source = "this run" if own_probes else (probes_from or "no probe results")
    return RealWorld(sorted(rows.values(), key=lambda r: r.case), used, refusals, source)


def page_for_run(records: list[CellResult], engines: list[str]) -> RealWorld:
    """The page for a run: blamed with the run's own probes, else the shipped snapshot's."""
    from .. import snapshot

    if not any(r.kind == "load" for r in records):
        return real_world([], engines)
    if any(r.kind == "probe" for r in records):
        return real_world(records, engines)
    try:
        shipped = snapshot.read()
    except snapshot.SnapshotError as error:
        return real_world(records, engines, [], f"no probe results ({error})")
    return real_world(records, engines, shipped.records, shipped.describe())


def markdown(page: RealWorld, escape, anchors: dict | None = None) -> str:
    """The same as Markdown, for summary.md and a CI job summary; `escape` the report's."""
    if page.empty:
        return ""
    lines = [
        "## Real-world modules × engines",
        "",
        "Shipped modules from npm and PyPI packages, compiled and instantiated against "
        "generated imports (`cases/realworld/`).",
        "",
        "| module | package | size | features used (count) | "
        + " | ".join(escape(e) for e in page.engines)
        + " |",
        "|---" * (4 + len(page.engines)) + "|",
    ]
    for row in page.rows:
        features = ", ".join(f"{f} {n}" for f, n in row.features) or "mvp only"
        cells = []
        for engine in page.engines:
            record = row.cells.get(engine)
            if record is None:
                cells.append("")
                continue
            outcome = Outcome(record.outcome)
            cells.append(f"{outcome.symbol} {outcome}")
        spec = escape(row.package.get("spec", ""))
        lines.append(
            f"| {escape(row.case)} | {spec} | {row.size_text} | {escape(features)} | "
            + " | ".join(cells)
            + " |"
        )
    if page.refusals:
        lines += [
            "",
            f"### Refused ({len(page.refusals)} cells; probes from {escape(page.probes_from)})",
            "",
        ]
        lines += [
            "| module | engine | blamed | engine's message | wasm-opt | checked |",
            "|---|---|---|---|---|---|",
        ]
        for refusal in page.refusals:
            record, found = refusal.record, refusal.blame
            lines.append(
                f"| {escape(record.case)} | {escape(record.engine)} | "
                f"{escape(', '.join(found.features) or '–')}: {escape(found.how)} | "
                f"{escape(refusal.message)} | {escape(found.lowering)} | {escape(found.checked)} |"
            )
    return "\n".join(lines) + "\n"
