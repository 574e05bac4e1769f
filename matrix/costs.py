"""What a cell is expected to cost: its time in an earlier run where there is one, else its
engine family's typical time per cell (the cost model).

The scheduler (matrix/balance.py) orders and deals cells by these figures; only their
ratios matter, and a wrong guess costs balance, never a result.
"""

from __future__ import annotations

from pathlib import Path

from .planner import modelled_cost
from .records import CellKey, CellResult
from .results import RESULTS, read_results, read_run


def run_costs(folder: Path) -> dict[CellKey, float]:
    """Each cell's time in a run, in seconds, without the build of its module (a warm build
    cache does not pay it again) or the start of its host (once per worker and build)."""
    costs = {}
    for record in read_results(folder):
        costs[record.key] = engine_seconds(record)
    return costs


def engine_seconds(record: CellResult) -> float:
    """A cell's `duration_ms` without its uncached build and its host's start, in seconds:
    the engine's own time for it, plus the harness's."""
    milliseconds = float(record.duration_ms or 0.0)
    if not record.build_cached:
        milliseconds -= float(record.build_ms or 0.0)
    milliseconds -= float(record.host_start_ms or 0.0)
    return max(milliseconds, 0.0) / 1000


def newest_run(reports: Path, besides: Path | None = None) -> Path | None:
    """The newest run folder under `reports` that has results (other than `besides`)."""
    if not reports.is_dir():
        return None
    skip = besides.resolve() if besides is not None else None
    runs = [
        folder
        for folder in reports.iterdir()
        if folder.is_dir()
        and not folder.is_symlink()
        and folder.resolve() != skip
        and (folder / RESULTS).is_file()
    ]
    # By when each started (run.json), not by name: a run folder kept under a name of its
    # own ("before-change") sorts after every timestamped name.
    return max(
        runs,
        key=lambda folder: (read_run(folder).get("started_at") or "", folder.name),
        default=None,
    )


def cell_cost(key: CellKey | None, family: str, measured: dict[CellKey, float]) -> float:
    """Expected seconds for a cell: measured before, else the family's model."""
    if key is not None and key in measured:
        return measured[key]
    return modelled_cost(family) / 1000
