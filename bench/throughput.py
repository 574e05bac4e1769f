"""Throughput with one worker against two: the same real run (`wasm-matrix run`) with
`-n 1` and `-n 2`, after a warm-up run that fills the build cache and the engines' own
caches. Target: -n 2 >= 1.8x -n 1.

Two figures each: the wall time of the whole command (pytest start, collection, hosts'
start, the cells), and the steady rate (cells over the span between the first and the
last cell's finish), which leaves the fixed start-up out.
`python bench/throughput.py [--engines ...] [paths ...]`.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import save, verdict

from matrix.results import read_results

ENGINES = "wasmtime-50.0.1,wasmtime-48.0.0,node-22,node-24,wasm3-0.5.0"
PATHS = ["cases/programs", "cases/probes", "cases/c"]
TOOLCHAINS = "wat,binary,clang-19"  # one C compiler: the point is running cells, not building
TARGET = 1.8


def run(paths: list[str], engines: str, toolchains: str, workers: str) -> dict:
    with tempfile.TemporaryDirectory() as reports:
        command = [sys.executable, "-m", "matrix.cli", "run", *paths, "--engines", engines]
        command += ["--toolchains", toolchains]
        command += ["--no-provision", "-n", workers, "--reports", reports]
        started, started_at = time.perf_counter(), datetime.now(UTC)
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        if done.returncode not in (0, 1):
            sys.exit(f"{' '.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
        records = read_results(Path(reports) / "latest")
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
    }
    save("throughput", figures, "\n".join(lines))
    return figures


if __name__ == "__main__":
    main()
