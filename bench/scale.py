"""The time and peak memory to plan, merge and render 100,000 synthetic cells.

* plan: 1,000 case files (written to a temporary folder, loaded and validated like the
  corpus) × 100 engine builds → 100,000 cells;
* merge: their results, as four shards' results.jsonl (25,000 lines each, as a CI fan-out
  writes them), read and merged into one run (a cell's last record wins);
* render: every report format in RENDERERS over the merged run: the Markdown summary and
  the HTML site (a page per case, every cell of the case on it: 1,000 pages here).

Targets: plan + render < 10 s and < 500 MB peak (the whole process's resident memory).
Run alone in its own process: `python bench/scale.py [--cases 1000] [--engines 100]
[--profile]` (--profile prints cProfile's top functions for each phase).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import save, verdict

from matrix.cases import load_cases
from matrix.engines import EngineBuild, load_engine_builds
from matrix.planner import plan
from matrix.records import CellResult
from matrix.reporting import markdown
from matrix.reporting.site import write_site
from matrix.results import RESULTS, RUN

TARGET_S, TARGET_MB = 10.0, 500.0
OUTCOMES = ["pass"] * 14 + ["fail", "trap", "reject", "crash", "timeout", "skip"]


def render_markdown(folder: Path) -> int:
    return len(markdown.write_summary(folder).read_bytes())


def render_site(folder: Path) -> int:
    site = write_site(folder, history_path=folder / "history.jsonl").parent
    return sum(page.stat().st_size for page in site.rglob("*") if page.is_file())


# Every report format: name -> write it for a run folder, return its size in bytes.
RENDERERS: dict[str, Callable[[Path], int]] = {"markdown": render_markdown, "site": render_site}

CASE = """\
description: "synthetic case {index}"
kind: {kind}
features: [{feature}]
tags: [synthetic]
module:
  wat: |
    (module
      (func (export "f{index}") (param i32) (result i32)
        (i32.add (local.get 0) (i32.const {index}))))
calls:
  - invoke: f{index}
    args: [i32:1]
    expect: [i32:{next}]
"""
FEATURES = ["mvp", "sign-ext", "multivalue", "bulk-memory", "simd128", "reference-types"]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def engines(count: int) -> list[EngineBuild]:
    real = load_engine_builds()
    return [replace(real[i % len(real)], version=f"{i}.0.0", disabled=()) for i in range(count)]


def write_cases(folder: Path, count: int) -> None:
    for index in range(count):
        text = CASE.format(
            index=index,
            kind="probe" if index % 10 == 0 else "program",
            feature=FEATURES[index % len(FEATURES)],
            next=index + 1,
        )
        (folder / f"synthetic-{index:05}.yaml").write_text(text, "utf-8")


def records_of(cells):
    """The cells' synthetic records, one at a time (a list of 100,000 would be the peak)."""
    return (
        {
            "case": cell.case.name,
            "toolchain": cell.toolchain,
            "profile": cell.profile,
            "engine": cell.engine.id,
            "outcome": OUTCOMES[i % len(OUTCOMES)],
            "message": "" if i % len(OUTCOMES) < 14 else f"synthetic message {i}\nsecond line",
            "case_file": str(cell.case.path.name),
            "kind": cell.case.kind,
            "features": list(cell.case.features),
            "engine_family": cell.engine.family.name,
            "engine_version": cell.engine.version,
            "module_sha256": "0" * 64,
            "module_uses": [],
            "rerun": f"wasm-matrix run {cell.case.path.name} --engines {cell.engine.id}",
            "duration_ms": 1.0,
            "finished_at": "2026-01-01T00:00:00.000+00:00",
        }
        for i, cell in enumerate(cells)
    )


def merge(shards: list[Path], into: Path) -> int:
    """Read every shard's results and write one run: a cell's last record wins. (A stand-in
    until the results store has its own merge; it does what that must do at least.)"""
    merged: dict[tuple, str] = {}
    for shard in shards:
        for line in (shard / RESULTS).read_text("utf-8").splitlines():
            try:
                merged[CellResult.from_record(json.loads(line)).key] = (
                    line  # the line as written: no re-encoding
                )
            except (ValueError, AttributeError):
                continue  # a torn or foreign line
    into.mkdir(parents=True, exist_ok=True)
    with open(into / RESULTS, "w", encoding="utf-8") as results:
        results.writelines(line + "\n" for line in merged.values())
    runs = [json.loads((shard / RUN).read_text("utf-8")) for shard in shards]
    run = {**runs[0], "cells_planned": sum(r["cells_planned"] for r in runs)}
    (into / RUN).write_text(json.dumps(run), "utf-8")
    return len(merged)


CPU: dict[str, float] = {}  # each phase's processor seconds (a busy machine stretches wall time)


def phase(name: str, profile: bool, work: Callable[[], object]) -> tuple[object, float]:
    profiler = cProfile.Profile() if profile else None
    started, processor = time.perf_counter(), time.process_time()
    if profiler:
        profiler.enable()
    value = work()
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - started
    CPU[name] = round(time.process_time() - processor, 3)
    if profiler:
        print(f"--- {name}: cProfile, top 15 by cumulative time")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(15)
    return value, seconds


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--engines", type=int, default=100)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--profile", action="store_true")
    options = parser.parse_args(argv)
    builds = engines(options.engines)
    with tempfile.TemporaryDirectory() as temporary:
        root = Path(temporary)
        (root / "cases").mkdir()
        write_cases(root / "cases", options.cases)

        def load_and_plan():
            cases, errors = load_cases([root / "cases"])
            assert not errors, errors[:3]
            return plan(cases, builds)

        cells, plan_s = phase("plan", options.profile, load_and_plan)
        planned = len(cells)
        after_plan_mb = peak_mb()

        # The shards' results, as a fanned-out run leaves them (setup, not timed).
        shards = [root / f"shard-{index}" for index in range(options.shards)]
        files = []
        for shard in shards:
            shard.mkdir()
            files.append(open(shard / RESULTS, "w", encoding="utf-8"))  # noqa: SIM115
        for index, record in enumerate(records_of(cells)):
            files[index % len(files)].write(json.dumps(record, sort_keys=True) + "\n")
        for file in files:
            file.close()
        run = {"engines": [{"id": b.id, "family": b.family.name} for b in builds]}
        for index, shard in enumerate(shards):
            part = len(range(index, planned, len(shards)))
            (shard / RUN).write_text(json.dumps({**run, "cells_planned": part}), "utf-8")
        del cells

        merged_folder = root / "merged"
        merged, merge_s = phase("merge", options.profile, lambda: merge(shards, merged_folder))
        after_merge_mb = peak_mb()
        render_s: dict[str, float] = {}
        sizes: dict[str, int] = {}
        for name, render in RENDERERS.items():
            sizes[name], render_s[name] = phase(
                f"render {name}", options.profile, lambda r=render: r(merged_folder)
            )
    peak = peak_mb()
    total = plan_s + sum(render_s.values())
    lines = [
        f"{planned:,} synthetic cells ({options.cases} cases x {options.engines} engines); "
        f"targets: plan + render < {TARGET_S:g} s, < {TARGET_MB:g} MB",
        f"  plan   {plan_s:6.2f} s (load and validate {options.cases} case files, expand)",
        f"  merge  {merge_s:6.2f} s ({options.shards} shards -> {merged:,} cells)",
        *(
            f"  render {seconds:6.2f} s ({name}, {sizes[name] / 2**20:.1f} MiB)"
            for name, seconds in render_s.items()
        ),
        f"  plan + render {total:.2f} s ({verdict(total, TARGET_S, False)}); "
        f"peak memory {peak:.0f} MB ({verdict(peak, TARGET_MB, False)}; "
        f"{after_plan_mb:.0f} MB after planning, {after_merge_mb:.0f} MB after merging)",
        "  processor time: " + ", ".join(f"{name} {s:.2f} s" for name, s in CPU.items()),
    ]
    figures = {
        "cells": planned,
        "cases": options.cases,
        "engines": options.engines,
        "plan_s": round(plan_s, 3),
        "merge_s": round(merge_s, 3),
        "render_s": {name: round(s, 3) for name, s in render_s.items()},
        "plan_and_render_s": round(total, 3),
        "peak_mb": round(peak, 1),
        "peak_mb_after_plan": round(after_plan_mb, 1),
        "peak_mb_after_merge": round(after_merge_mb, 1),
        "targets": {"seconds": TARGET_S, "mb": TARGET_MB},
        "processor_s": dict(CPU),
    }
    save("scale", figures, "\n".join(lines))
    return figures


if __name__ == "__main__":
    main()
