"""Throughput with one worker against two: the same real run (`wasm-matrix run`) with
`-n 1` and `-n 2`, after a warm-up run that fills the build cache and the engines' own
caches. Target: -n 2 >= 1.8x -n 1.

Two figures each: the wall time of the whole command (pytest start, collection, hosts'
start, the cells), and the steady rate (cells over the span between the first and the
last cell's finish), which leaves the fixed start-up out.
Both stretch on a machine whose cores are busy with other work, so it also reports the
processor time of the whole run and of the controller alone (the serial part), and the
speed-up they predict for two idle cores: (processor time of -n 1) / (controller's +
the rest / 2) of -n 2.
`python bench/throughput.py [--engines ...] [paths ...]`.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import save, verdict

from matrix.results import read_results, read_run

ENGINES = "wasmtime-50.0.1,wasmtime-48.0.0,node-22,node-24,wasm3-0.5.0"
PATHS = ["cases/programs", "cases/probes", "cases/c"]
TOOLCHAINS = "wat,binary,clang-19"  # one C compiler: the point is running cells, not building
TARGET = 1.8


# Runs `wasm-matrix run` and, as it exits, writes the processor time of that process alone
# (pytest's controller: the serial part of a run with -n) to the file named first.
CONTROLLER = """
import atexit, json, resource, runpy, sys
out = sys.argv.pop(1)
def record():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    with open(out, "w") as file:
        json.dump({"cpu_s": usage.ru_utime + usage.ru_stime}, file)
atexit.register(record)
sys.argv[0] = "wasm-matrix"
runpy.run_module("matrix.cli", run_name="__main__")
"""


def run(paths: list[str], engines: str, toolchains: str, workers: str) -> dict:
    with tempfile.TemporaryDirectory() as reports:
        controller_file = Path(reports) / "controller.json"
        command = [sys.executable, "-c", CONTROLLER, str(controller_file), "run", *paths]
        command += ["--engines", engines, "--toolchains", toolchains]
        command += ["--no-provision", "-n", workers, "--reports", reports]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started, started_at = time.perf_counter(), datetime.now(UTC)
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode not in (0, 1):
            sys.exit(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        records = read_results(Path(reports) / "latest")
        schedule = read_run(Path(reports) / "latest").get("schedule") or {}
        controller = json.loads(controller_file.read_text())["cpu_s"]
    # The floor: the cells' own time shared by the workers; and how far apart the workers'
    # last cells finished (run.json's `schedule`, with -n).
    floor = sum(float(r.duration_ms or 0) for r in records) / 1000 / max(int(workers), 1)
    lasts = [worker["last_cell_s"] for worker in schedule.get("workers", {}).values()]
    total = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    finished = sorted(datetime.fromisoformat(r.finished_at) for r in records)
    span = (finished[-1] - finished[0]).total_seconds() if len(finished) > 1 else 0.0
    return {
        "workers": workers,
        "cells": len(records),
        "wall_s": round(wall, 3),
        "cells_per_s_wall": round(len(records) / wall, 2),
        "steady_cells_per_s": round((len(records) - 1) / span, 2) if span else None,
        # Start-up: pytest, xdist, handshakes, hosts; a stall here is not the cells' speed.
        "to_first_cell_s": (
            round((finished[0] - started_at).total_seconds(), 3) if finished else None
        ),
        "cells_floor_s": round(floor, 3),
        "workers_last_cells_apart_s": round(max(lasts) - min(lasts), 3) if lasts else None,
        # Processor time: the controller's own (serial), and every process of the run's.
        "controller_cpu_s": round(controller, 3),
        "total_cpu_s": round(total, 3),
    }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", default=PATHS)
    parser.add_argument("--engines", default=ENGINES)
    parser.add_argument("--toolchains", default=TOOLCHAINS)
    options = parser.parse_args(argv)
    selection = (options.paths, options.engines, options.toolchains)
    run(*selection, "0")  # warm-up: builds cached, engines' caches warm
    one, two = (run(*selection, workers) for workers in ("1", "2"))
    wall_ratio = round(one["wall_s"] / two["wall_s"], 2)
    # What an idle machine with 2 cores would give: the controller's processor time runs
    # alone, the rest (workers, hosts, engines) is shared by the workers.
    predicted = round(
        one["total_cpu_s"]
        / (two["controller_cpu_s"] + (two["total_cpu_s"] - two["controller_cpu_s"]) / 2),
        2,
    )
    steady_ratio = (
        round(two["steady_cells_per_s"] / one["steady_cells_per_s"], 2)
        if one["steady_cells_per_s"] and two["steady_cells_per_s"]
        else None
    )
    lines = [
        f"throughput -n 1 vs -n 2 ({one['cells']} cells on {options.engines}; target {TARGET}x)",
        *(
            f"  -n {r['workers']}: {r['wall_s']:.2f} s wall ({r['cells_per_s_wall']} cells/s, "
            f"{r['to_first_cell_s']} s to the first cell), steady {r['steady_cells_per_s']} cells/s"
            for r in (one, two)
        ),
        *(
            f"  -n {r['workers']}: the cells' own floor {r['cells_floor_s']} s "
            f"(their times / workers); workers' last cells "
            f"{r['workers_last_cells_apart_s']} s apart"
            for r in (one, two)
        ),
        *(
            f"  -n {r['workers']}: processor time {r['total_cpu_s']} s in all, "
            f"{r['controller_cpu_s']} s of it the controller's"
            for r in (one, two)
        ),
        f"  speed-up from processor time on 2 idle cores: {predicted}x "
        f"({verdict(predicted, TARGET, True)})",
        f"  speed-up: {wall_ratio}x wall ({verdict(wall_ratio, TARGET, True)}), "
        f"{steady_ratio}x steady"
        + (f" ({verdict(steady_ratio, TARGET, True)})" if steady_ratio else ""),
    ]
    figures = {
        "target_speedup": TARGET,
        "engines": options.engines,
        "paths": options.paths,
        "n1": one,
        "n2": two,
        "speedup_wall": wall_ratio,
        "speedup_steady": steady_ratio,
        "speedup_predicted_from_cpu": predicted,
    }
    save("throughput", figures, "\n".join(lines))
    return figures


if __name__ == "__main__":
    main()
