"""The full matrix against its floor: a real `wasm-matrix run cases -n 2` (every engine
build that is provisioned), its wall time beside (sum of the cells' `duration_ms`) /
workers, the least time any schedule could take on those workers. Target: within 10% of
the floor, on a warm build cache.

Also, from the run's results: each engine family's share (its cells' time without
uncached builds and host starts, matrix/costs.py), binaryen-js's milliseconds per cell,
each worker's last cell (run.json's `schedule`), and how many builds were not cached
(a cold cache makes the run a build benchmark).

It takes minutes: `python bench/full_matrix.py [--workers 2] [--run FOLDER] [-- run options]`.
`--run FOLDER` reads a run made before instead of making one (its wall time is then
run.json's start to end).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import threading
import time
from collections import defaultdict
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import save

from matrix.costs import engine_seconds
from matrix.results import read_results, read_run

TARGET = 1.10  # wall time at most 10% over the floor


class LoadSampler:
    """The machine's 1-minute load average every few seconds while a run goes on: wall
    times on a shared machine mean little without it."""

    def __init__(self, every: float = 10.0):
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, args=(every,), daemon=True)

    def _sample(self, every: float) -> None:
        while not self._stop.wait(every):
            self.samples.append(os.getloadavg()[0])

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def summary(self) -> dict | None:
        if not self.samples:
            return None
        return {
            "min": round(min(self.samples), 1),
            "mean": round(sum(self.samples) / len(self.samples), 1),
            "max": round(max(self.samples), 1),
        }


def make_run(workers: int, extra: list[str], reports: Path) -> tuple[Path, float, float]:
    """Run the matrix; returns its folder, wall seconds and processor seconds (every
    process of the run: pytest, workers, hosts, engines, toolchains)."""
    command = [sys.executable, "-m", "matrix.cli", "run", "cases", "-n", str(workers)]
    command += ["--no-provision", "--reports", str(reports), *extra]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        sys.exit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return (reports / "latest").resolve(), wall, cpu


def analyse(folder: Path, workers: int, wall: float | None, cpu: float | None) -> dict:
    records = read_results(folder)
    run = read_run(folder)
    if wall is None:  # a run made before: from its start to its end (or its last cell)
        end = run.get("finished_at") or max(r.finished_at for r in records)
        wall = (
            datetime.fromisoformat(end) - datetime.fromisoformat(run["started_at"])
        ).total_seconds()
    total = sum(r.duration_ms for r in records) / 1000
    families: dict[str, list[float]] = defaultdict(list)
    for record in records:
        families[record.engine_family or "-"].append(engine_seconds(record))
    share = {
        family: {"cells": len(times), "seconds": round(sum(times), 1)}
        for family, times in sorted(families.items(), key=lambda item: -sum(item[1]))
    }
    binaryen = [r for r in records if r.engine_family == "binaryen-js" and r.outcome != "skip"]
    floor = total / workers
    schedule = run.get("schedule") or {}
    finishes = [w["last_cell_s"] for w in schedule.get("workers", {}).values()]
    return {
        "run": str(folder),
        "cells": len(records),
        "workers": workers,
        "wall_s": round(wall, 1),
        "processor_s": round(cpu, 1) if cpu is not None else None,
        "sum_of_cells_s": round(total, 1),
        "floor_s": round(floor, 1),
        "wall_over_floor": round(wall / floor, 3) if floor else None,
        "uncached_builds": sum(1 for r in records if r.build_ms and not r.build_cached),
        "host_starts_s": round(sum(r.host_start_ms for r in records) / 1000, 1),
        "workers_finished_apart_s": round(max(finishes) - min(finishes), 1) if finishes else None,
        "schedule_workers": schedule.get("workers"),
        "binaryen_js_ms_per_cell": round(sum(r.duration_ms for r in binaryen) / len(binaryen), 2)
        if binaryen
        else None,
        "binaryen_js_engine_ms_per_cell": round(
            sum(engine_seconds(r) for r in binaryen) * 1000 / len(binaryen), 2
        )
        if binaryen
        else None,
        "families": share,
        "outcomes": _count(r.outcome for r in records),
    }


def _count(values) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return counts


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--run", type=Path, help="a run folder made before: read, not run")
    parser.add_argument("--reports", type=Path, default=Path("reports"), help="where the run goes")
    parser.add_argument("extra", nargs="*", help="more `wasm-matrix run` options (after --)")
    options = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    if options.run:
        figures = analyse(options.run.resolve(), options.workers, None, None)
    else:  # kept under reports/ like any run: the next run's scheduler reads its times
        with LoadSampler() as load:
            folder, wall, cpu = make_run(options.workers, options.extra, options.reports)
        figures = analyse(folder, options.workers, wall, cpu)
        figures["load_average_during"] = load.summary()
    figures["load_average_before"] = round(load_before, 2)
    figures["target_wall_over_floor"] = TARGET
    met = figures["wall_over_floor"] is not None and figures["wall_over_floor"] <= TARGET
    lines = [
        f"full matrix, -n {figures['workers']}: {figures['cells']} cells",
        f"  wall {figures['wall_s']} s against a floor of {figures['floor_s']} s "
        f"(sum of cells {figures['sum_of_cells_s']} s / {figures['workers']}): "
        f"{figures['wall_over_floor']}x ({'met' if met else 'MISSED'}, target {TARGET}x)",
        f"  processor time of the whole run: {figures['processor_s']} s; "
        f"load average before: {figures['load_average_before']}, during: "
        f"{figures.get('load_average_during')}",
        f"  workers' last cells {figures['workers_finished_apart_s']} s apart; "
        f"host starts {figures['host_starts_s']} s; uncached builds: "
        f"{figures['uncached_builds']}",
        f"  binaryen-js: {figures['binaryen_js_ms_per_cell']} ms a cell "
        f"({figures['binaryen_js_engine_ms_per_cell']} ms without builds and host starts)",
        "  by family (seconds without builds and host starts): "
        + ", ".join(f"{name} {f['seconds']}" for name, f in list(figures["families"].items())[:8]),
    ]
    save("full_matrix", figures, "\n".join(lines))
    print(json.dumps(figures["outcomes"]))
    return figures


if __name__ == "__main__":
    main()
