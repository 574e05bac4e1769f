"""A warm start: how long `wasm-matrix run cases -n 2` takes, on a warm cache (every engine
provisioned, builds cached), before its first cell is written. Target: seconds.

Three marks, from the command's launch: run.json written (the controller has started:
imports, engines checked as provisioned, run folder), the first cell written (workers
started and collected, one host started, one cell run; that cell's own time is shown
beside it), and the processor time spent by then, the controller's and that of all
its processes (workers, hosts; the figure a busy machine does not stretch). The run is then stopped:
the cells are the other benches' business.
`python bench/startup.py [--repeat N] [-- more run options]`; with PYTHONPATH pointing at
another checkout it measures that one (how docs/performance.md's "before" was taken).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import save

TIMEOUT = 1800  # seconds: the slow start this bench was written to find took 9 minutes
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def processor_seconds(pid: int, ended_children: bool = False) -> float | None:
    """utime + stime of one process, from /proc (None once it is gone); with
    `ended_children`, also that of its children that have ended (and were waited for)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    ticks = int(fields[11]) + int(fields[12])
    if ended_children:
        ticks += int(fields[13]) + int(fields[14])
    return ticks / CLOCK_TICKS


def tree_processor_seconds(root: int) -> float:
    """Processor time of a process and every process under it, ended ones included (a
    host started and stopped again counts in its parent's children's time)."""
    parents: dict[int, int] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            parents[int(stat.parent.name)] = int(stat.read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError):
            continue
    tree, grew = {root}, True
    while grew:
        found = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= found
        grew = bool(found)
    return round(sum(processor_seconds(pid, ended_children=True) or 0 for pid in tree), 2)


def one_start(extra: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="wasm-matrix-startup-") as reports:
        command = [sys.executable, "-m", "matrix.cli", "run", "cases", "-n", "2"]
        command += ["--reports", reports, *extra]
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,  # its workers and hosts are stopped with it
        )
        latest = Path(reports) / "latest"
        run_json = first_cell = controller_cpu = all_cpu = None
        first: dict = {}
        try:
            while time.perf_counter() - started < TIMEOUT and process.poll() is None:
                elapsed = time.perf_counter() - started
                if run_json is None and (latest / "run.json").exists():
                    run_json = elapsed
                results = latest / "results.jsonl"
                if results.exists():
                    line = results.read_text("utf-8").split("\n", 1)[0]
                    if line.endswith("}"):
                        first_cell = elapsed
                        controller_cpu = processor_seconds(process.pid)
                        all_cpu = tree_processor_seconds(process.pid)
                        first = json.loads(line)
                        break
                time.sleep(0.05)
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
            _, stderr = process.communicate(timeout=120)
        if first_cell is None:
            sys.exit(f"no cell within {TIMEOUT} s:\n{stderr.decode()[-3000:]}")
        return {
            "run_json_s": round(run_json or 0, 2),
            "first_cell_s": round(first_cell, 2),
            "first_cell": f"{first.get('case')} ({first.get('toolchain')}) on "
            f"{first.get('engine')}",
            "first_cell_own_s": round(first.get("duration_ms", 0) / 1000, 2),
            "controller_cpu_s": controller_cpu,
            "all_processes_cpu_s": all_cpu,
        }


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("extra", nargs="*", help="more `wasm-matrix run` options (after --)")
    options = parser.parse_args(argv)
    load_before = os.getloadavg()[0]
    starts = [one_start(options.extra) for _ in range(options.repeat)]
    figures = {
        "starts": starts,
        "run_json_s_median": statistics.median(s["run_json_s"] for s in starts),
        "first_cell_s_median": statistics.median(s["first_cell_s"] for s in starts),
        "all_processes_cpu_s_median": statistics.median(s["all_processes_cpu_s"] for s in starts),
        "load_average_before": round(load_before, 2),
        "load_average_after": round(os.getloadavg()[0], 2),
    }
    lines = [
        "warm start of `wasm-matrix run cases -n 2` (every engine, warm caches), "
        f"load {load_before:.1f} -> {os.getloadavg()[0]:.1f}"
    ]
    for start in starts:
        lines.append(
            f"  run.json after {start['run_json_s']} s, first cell after "
            f"{start['first_cell_s']} s ({start['first_cell']}, {start['first_cell_own_s']} s "
            f"of its own); processor time: controller {start['controller_cpu_s']} s, "
            f"all its processes {start['all_processes_cpu_s']} s"
        )
    save("startup", figures, "\n".join(lines))
    return figures


if __name__ == "__main__":
    main()
