"""Milliseconds per cell on the validator-only hosts (binaryen.js, wabt.js) and on WABT's
interpreter, warm: the same cells as bench/overhead.py (programs, probes and C built by
wat, binary and clang-19, from the build cache) through `Runner.run` on a warm host, each
cell `--rounds` times; the host's start is timed apart.

In a full run a cell's `duration_ms` also holds the build of its module when the cache did
not have it yet, and the start of its host when it was the first cell of that host. Under
xdist's `--dist load`, every module's first cell was a binaryen-js cell (the first engine
in the collection's order), so binaryen-js carried the whole matrix's uncached builds.
Wall times on a busy machine stretch with its load; the processor time per cell (the
host's, its children's and the runner's) does much less, so both are reported.
`python bench/validators.py [--engines a,b] [--rounds n]`.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import save

from matrix.build import BuildCache
from matrix.cases import load_cases
from matrix.engines import load_engine_builds
from matrix.hosts import HostPool
from matrix.paths import cache_dir
from matrix.planner import plan
from matrix.provision import provision
from matrix.runner import Runner

ENGINES = "binaryen-js-132.0.0,binaryen-js-132.0.0[mvp],wabt-js-1.0.39,wabt-1.0.32"
PATHS = [Path("cases/programs"), Path("cases/probes"), Path("cases/c")]
TOOLCHAINS = {"wat", "binary", "clang-19"}


def measure(engine_id: str, rounds: int) -> dict:
    build = next(b for b in load_engine_builds() if b.id == engine_id)
    environment = provision(build, log=lambda text: None)
    cases, _errors = load_cases(PATHS)
    cells = [cell for cell in plan(cases, [build]) if cell.toolchain in TOOLCHAINS]
    # Twice: a host's life with the warm-up only, then with the timed rounds as well; the
    # difference in processor time (the host's and its children's, counted when they are
    # reaped, plus ours) is what the rounds cost, whatever else the machine was doing.
    _, start_s, idle_cpu, _ = host_life(build, environment, cells, 0)
    seconds, _, busy_cpu, outcomes = host_life(build, environment, cells, rounds)
    ordered = sorted(seconds)
    runs = rounds * len(cells)
    return {
        "engine": engine_id,
        "cells": len(cells),
        "rounds": rounds,
        "host_start_s": round(start_s, 3),
        "ms_per_cell_median": round(statistics.median(seconds) * 1000, 3),
        "ms_per_cell_mean": round(statistics.fmean(seconds) * 1000, 3),
        "ms_per_cell_p90": round(ordered[int(len(ordered) * 0.9)] * 1000, 3),
        "cpu_ms_per_cell": round((busy_cpu - idle_cpu) / runs * 1000, 3),
        "outcomes": outcomes,
    }


def host_life(build, environment, cells, rounds: int):
    """Start a host, run every cell once (builds what is not cached), then `rounds` timed
    rounds; returns the times, the host's start, the processor seconds used, outcomes."""
    before = processor_seconds()
    hosts = HostPool()
    runner = Runner(BuildCache(cache_dir() / "builds"), hosts, lambda _: environment)
    seconds: list[float] = []
    outcomes: dict[str, int] = {}
    try:
        started = time.perf_counter()
        hosts.get(build, environment)
        start_s = time.perf_counter() - started
        for cell in cells:
            runner.run(cell)
        for _ in range(rounds):
            for cell in cells:
                began = time.perf_counter()
                result = runner.run(cell)
                seconds.append(time.perf_counter() - began)
                outcomes[result.outcome] = outcomes.get(result.outcome, 0) + 1
    finally:
        runner.close()
    return seconds, start_s, processor_seconds() - before, outcomes


def processor_seconds() -> float:
    """User and system time of this process and of its reaped children (hosts, engines)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default=ENGINES)
    parser.add_argument("--rounds", type=int, default=5)
    options = parser.parse_args(argv)
    results = [measure(engine, options.rounds) for engine in options.engines.split(",")]
    lines = ["validator hosts and wabt: ms per cell, warm host, modules from the build cache"]
    for r in results:
        lines.append(
            f"  {r['engine']:26} {r['cells']:3} cells: median {r['ms_per_cell_median']:.2f} ms, "
            f"mean {r['ms_per_cell_mean']:.2f} ms, p90 {r['ms_per_cell_p90']:.2f} ms a cell, "
            f"processor {r['cpu_ms_per_cell']:.2f} ms a cell; host start {r['host_start_s']:.2f} s"
        )
    figures = {"engines": results}
    save("validators", figures, "\n".join(lines))
    return figures


if __name__ == "__main__":
    main()
