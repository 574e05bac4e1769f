"""Figures for the reports: how evenly --shard splits a measured run, and how long the site
takes to render. Prints them (never asserted in tests).

    python bench/reports.py [RUN] [--shards 2,3,4,8]

RUN (default reports/latest) must hold a full run: its cells' `duration_ms` stand for
what each cell costs. For each shard count, the split is made twice: from the cost model
alone (what a first night does) and from the run's own durations (what later nights do);
each split is then weighed with the measured durations. Shards are separate machines, so
a shard's wall time is about its summed cell time divided by its workers; the slowest
shard is what the nightly job waits for.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from matrix.planner import assign_shards
from matrix.records import CellResult
from matrix.reporting.site import write_site
from matrix.results import RESULTS, RUN, read_durations, read_results


def split_figures(
    records: list[CellResult], count: int, durations: dict | None
) -> tuple[float, float]:
    cells = [(r.key, r.engine_family or "") for r in records]
    assignment = assign_shards(cells, count, durations)
    loads = [0.0] * count
    for record in records:
        loads[assignment[record.key] - 1] += float(record.duration_ms or 0.0)
    mean = sum(loads) / count
    return max(loads) / 1000, max(loads) / mean if mean else 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", nargs="?", default="reports/latest")
    parser.add_argument("--shards", default="2,3,4,8")
    options = parser.parse_args()
    folder = Path(options.run)
    records = read_results(folder)
    durations = read_durations(folder)
    total = sum(float(r.duration_ms or 0.0) for r in records) / 1000
    print(f"{folder.resolve().name}: {len(records)} cells, {total:.0f} s of cell time")
    print("shards  model: slowest s (slowest/mean)   durations: slowest s (slowest/mean)")
    for count in (int(n) for n in options.shards.split(",")):
        model = split_figures(records, count, None)
        measured = split_figures(records, count, durations)
        print(
            f"{count:6}  {model[0]:12.0f} ({model[1]:.2f})"
            f"                  {measured[0]:12.0f} ({measured[1]:.2f})"
        )
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / folder.resolve().name
        copy.mkdir()
        for name in (RESULTS, RUN):
            shutil.copyfile(folder / name, copy / name)
        started = time.perf_counter()
        index = write_site(copy)
        seconds = time.perf_counter() - started
        pages = sum(1 for _ in index.parent.rglob("*.html"))
        size = sum(p.stat().st_size for p in index.parent.rglob("*") if p.is_file())
        print(f"site: {pages} pages, {size / 1e6:.1f} MB, rendered in {seconds:.1f} s")


if __name__ == "__main__":
    main()
