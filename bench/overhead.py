"""Per-cell harness overhead over each host's raw floor, measured side by side.

For each engine (default: wasmtime-50.0.1 and node-22), the same modules (every cell of
cases/programs and cases/probes that passes there) are run two ways in the same run:

* through the harness, warm: `Runner.run(cell)` on a warm host (build-cache lookup,
  request, the host's protocol loop, the answer, the verdict), timed around the call;
* at the raw floor: compiled, instantiated and called straight through the engine's
  embedding API in the engine's own process (wasmtime-py in the engine's venv, the
  WebAssembly JS API in node): bench/raw_wasmtime.py, bench/raw_node.mjs.

Overhead per cell = median(harness) - median(raw), per module, then the median over modules;
also from the fastest round of each side, which a busy machine disturbs least, and in
processor time (the runner's and the host's, against the raw process's), which a busy
machine stretches least. For wasmtime, the floor is measured also with the host's epoch
interruption compiled in, so the epoch checks' own cost shows apart from the harness's.
Target: <= 0.5 ms a cell. `python bench/overhead.py [--engines a,b] [--rounds n]`.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import median_ms, save, verdict

from matrix.build import BuildCache
from matrix.cases import load_cases
from matrix.engines import load_engine_builds
from matrix.hosts import HostPool, host_command
from matrix.paths import cache_dir
from matrix.planner import plan
from matrix.provision import provision
from matrix.runner import Runner

HERE = Path(__file__).resolve().parent
RAW = {"wasmtime": HERE / "raw_wasmtime.py", "node": HERE / "raw_node.mjs"}
TARGET_MS = 0.5


def raw_command(build, environment) -> list[str]:
    """The host's own interpreter (its venv's Python, its node) running the raw script."""
    host = str(build.family.host_path)
    command = host_command(build, environment)
    at = command.index(host)
    return [part for part in command[:at] if not part.startswith("--")] + [
        str(RAW[build.family.name])
    ]


def measure(engine_id: str, rounds: int) -> dict:
    build = next(b for b in load_engine_builds() if b.id == engine_id)
    environment = provision(build, log=lambda text: None)
    cases, _errors = load_cases([Path("cases/programs"), Path("cases/probes")])
    hosts = HostPool()
    runner = Runner(BuildCache(cache_dir() / "builds"), hosts, lambda _: environment)
    harness: dict[str, list[float]] = {}
    modules = []
    try:
        cells = []
        for cell in plan(cases, [build]):
            if runner.run(cell).outcome != "pass":  # also the warm-up: builds, starts the host
                continue
            cells.append(cell)
            built = runner.builds.build(cell.case, runner.toolchains[cell.toolchain], cell.profile)
            calls = [
                {"invoke": c.invoke, "args": [a.to_wire() for a in c.args]} for c in cell.case.calls
            ]
            modules.append(
                {
                    "id": name_of(cell),
                    "module": base64.b64encode(built.module).decode(),
                    "calls": calls,
                }
            )
        host = hosts.get(build, environment)
        before = processor_seconds(host.pid)
        for cell in cells:
            seconds = []
            for _ in range(rounds):
                started = time.perf_counter()
                runner.run(cell)
                seconds.append(time.perf_counter() - started)
            harness[name_of(cell)] = seconds
        harness_cpu = processor_seconds(host.pid) - before
    finally:
        runner.close()
    raw, raw_cpu = raw_floor(build, environment, rounds, modules)
    # wasmtime's host compiles epoch checks into every module (so it can stop one at the
    # time limit itself): the floor with that same configuration says what they cost.
    same_config, epochs_cpu = (
        raw_floor(build, environment, rounds, modules, epochs=True)
        if build.family.name == "wasmtime"
        else (None, None)
    )
    runs = rounds * len(cells)
    per_module = {
        name: {
            "harness_ms": median_ms(harness[name]),
            "raw_ms": median_ms(raw[name]),
            "overhead_ms": round(median_ms(harness[name]) - median_ms(raw[name]), 3),
            # The fastest rounds: what is left when the machine's other load stays out.
            "overhead_best_ms": round((min(harness[name]) - min(raw[name])) * 1000, 3),
        }
        for name in harness
    }
    if same_config is not None:
        for name, figures in per_module.items():
            figures["raw_epochs_ms"] = median_ms(same_config[name])
            figures["overhead_vs_epochs_ms"] = round(
                figures["harness_ms"] - figures["raw_epochs_ms"], 3
            )
    overheads = [figures["overhead_ms"] for figures in per_module.values()]
    if same_config is not None:
        over_epochs = [figures["overhead_vs_epochs_ms"] for figures in per_module.values()]
        epochs_median = round(statistics.median(over_epochs), 3) if over_epochs else None
    else:
        epochs_median = None
    best = [figures["overhead_best_ms"] for figures in per_module.values()]
    cpu = {
        # Processor time a cell, the harness's (this process and the host) and the raw
        # floor's: what the harness does, whatever else the machine is doing.
        "harness_cpu_ms": round(harness_cpu / runs * 1000, 3) if runs else None,
        "raw_cpu_ms": round(raw_cpu / runs * 1000, 3) if runs else None,
        "raw_epochs_cpu_ms": round(epochs_cpu / runs * 1000, 3) if runs and epochs_cpu else None,
    }
    cpu["overhead_cpu_ms"] = round(cpu["harness_cpu_ms"] - cpu["raw_cpu_ms"], 3) if runs else None
    if cpu["raw_epochs_cpu_ms"] is not None:
        cpu["epochs_cpu_ms"] = round(cpu["raw_epochs_cpu_ms"] - cpu["raw_cpu_ms"], 3)
        cpu["overhead_vs_epochs_cpu_ms"] = round(
            cpu["harness_cpu_ms"] - cpu["raw_epochs_cpu_ms"], 3
        )
    return {
        **cpu,
        "engine": engine_id,
        "cells": len(per_module),
        "rounds": rounds,
        "overhead_ms_median": round(statistics.median(overheads), 3) if overheads else None,
        "overhead_best_ms_median": round(statistics.median(best), 3) if best else None,
        "harness_ms_median": round(
            statistics.median(f["harness_ms"] for f in per_module.values()), 3
        ),
        "raw_ms_median": round(statistics.median(f["raw_ms"] for f in per_module.values()), 3),
        "overhead_vs_epochs_floor_ms_median": epochs_median,
        "per_module": per_module,
    }


def raw_floor(build, environment, rounds: int, modules: list[dict], epochs: bool = False):
    """Each module's seconds per round straight through the engine's API, and the
    processor seconds of those rounds."""
    job = json.dumps({"rounds": rounds, "modules": modules, "epochs": epochs})
    done = subprocess.run(
        raw_command(build, environment), input=job, capture_output=True, text=True, check=False
    )
    if done.returncode:
        sys.exit(f"the raw floor for {build.id} failed:\n{done.stderr[-2000:]}")
    answer = json.loads(done.stdout)
    return answer["times"], answer["cpu_s"]


def name_of(cell) -> str:
    return f"{cell.case.name}/{cell.toolchain}/{cell.profile}"


def processor_seconds(host_pid: int) -> float:
    """User and system time of this process (the runner and its threads) and of the host."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    with open(f"/proc/{host_pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return own.ru_utime + own.ru_stime + (int(fields[11]) + int(fields[12])) / ticks


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--engines", default="wasmtime-50.0.1,node-22")
    parser.add_argument("--rounds", type=int, default=20)
    options = parser.parse_args(argv)
    results = [measure(engine, options.rounds) for engine in options.engines.split(",")]
    lines = [f"per-cell harness overhead over the raw floor (warm hosts, target <= {TARGET_MS} ms)"]
    for r in results:
        lines.append(
            f"  {r['engine']:18} {r['cells']:3} cells: harness {r['harness_ms_median']:.3f} ms, "
            f"raw {r['raw_ms_median']:.3f} ms, overhead {r['overhead_ms_median']:.3f} ms a cell "
            f"({verdict(r['overhead_ms_median'], TARGET_MS, higher_is_better=False)}); "
            f"fastest rounds: {r['overhead_best_ms_median']:.3f} ms"
        )
        lines.append(
            f"  {'':18} processor time a cell: harness {r['harness_cpu_ms']} ms, raw "
            f"{r['raw_cpu_ms']} ms, overhead {r['overhead_cpu_ms']} ms"
            + (
                f"; epoch checks {r['epochs_cpu_ms']} ms, overhead over a floor with them "
                f"{r['overhead_vs_epochs_cpu_ms']} ms"
                if r.get("epochs_cpu_ms") is not None
                else ""
            )
        )
        if r["overhead_vs_epochs_floor_ms_median"] is not None:
            lines.append(
                f"  {'':18} over a floor with the host's epoch checks compiled in: "
                f"{r['overhead_vs_epochs_floor_ms_median']:.3f} ms a cell"
            )
    figures = {"target_ms": TARGET_MS, "engines": results}
    save("overhead", figures, "\n".join(lines))
    return figures


if __name__ == "__main__":
    main()
