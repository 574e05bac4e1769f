"""Join the runs of a sharded plan into one run: no cell doubled, none lost, one plan.

Each shard's run.json carries the fingerprint of the whole plan and of the split (see
planner.assign_shards); shards that disagree on either came from different plans (other
cases, engines or durations), and joining them would silently lose or double cells.
"""

from __future__ import annotations

import json
from pathlib import Path

from .results import RESULTS, RUN, read_results, read_run, record_line


class MergeError(Exception):
    pass


def merge_runs(shards: list[Path], out: Path, allow_missing: bool = False) -> dict:
    """Write `out`/results.jsonl and run.json from the shard folders; returns the run.json."""
    if not shards:
        raise MergeError("no shard folders given")
    runs = []
    for folder in shards:
        run = read_run(folder)
        if not (folder / RESULTS).exists() or not run:
            raise MergeError(f"{folder}: not a run folder (needs {RESULTS} and {RUN})")
        if "shard" not in run:
            raise MergeError(f"{folder}: {RUN} has no `shard`: it was not run with --shard")
        runs.append(run)
    first = runs[0]["shard"]
    for folder, run in zip(shards, runs, strict=True):
        shard = run["shard"]
        for field in ("plan", "count", "plan_cells", "assignment"):
            if shard.get(field) != first.get(field):
                raise MergeError(
                    f"{folder}: shard {shard['index']}/{shard['count']} has {field} "
                    f"{shard.get(field)!r} but {shards[0]} has {first.get(field)!r}: "
                    "the shards come from different plans (or different --shard-durations)"
                )
    indices = sorted(run["shard"]["index"] for run in runs)
    expected = list(range(1, first["count"] + 1))
    if indices != expected:
        missing = sorted(set(expected) - set(indices))
        doubled = sorted({i for i in indices if indices.count(i) > 1})
        problem = []
        if missing:
            problem.append(f"missing shard(s) {', '.join(map(str, missing))}")
        if doubled:
            problem.append(f"shard(s) {', '.join(map(str, doubled))} given twice")
        if doubled or not allow_missing:
            raise MergeError(f"of {first['count']} shards: {'; '.join(problem)}")
    records, seen = [], {}
    for folder in shards:
        for record in read_results(folder):
            key = record.key
            if key in seen:
                raise MergeError(f"cell {list(key)} is in both {seen[key]} and {folder}")
            seen[key] = folder
            records.append(record)
    lost = first["plan_cells"] - len(records)
    if lost and not allow_missing:
        raise MergeError(
            f"{lost} of {first['plan_cells']} planned cells have no result "
            "(an interrupted shard?); --allow-missing merges what there is"
        )
    out.mkdir(parents=True, exist_ok=True)
    if any((out / name).exists() for name in (RESULTS, RUN)):
        raise MergeError(f"{out} already holds a run; merge into a new folder")
    with open(out / RESULTS, "w", encoding="utf-8") as file:
        for record in records:
            file.write(record_line(record.to_record()))
    run = _merged_run(runs, shards, len(records))
    (out / RUN).write_text(json.dumps(run, indent=2, ensure_ascii=False), "utf-8")
    return run


def _merged_run(runs: list[dict], shards: list[Path], cells: int) -> dict:
    engines: dict[str, dict] = {}
    for run in runs:
        for engine in run.get("engines", []):
            engines.setdefault(engine["id"], engine)
    finished = [run.get("finished_at") for run in runs]
    shard = dict(runs[0]["shard"])
    for field in ("index", "cells", "durations_from"):
        shard.pop(field, None)
    shard["merged_from"] = [str(folder) for folder in shards]
    shard["cells_merged"] = cells
    return {
        **runs[0],
        "started_at": min(run.get("started_at") or "" for run in runs) or None,
        "finished_at": None if None in finished else max(finished),
        "cells_planned": runs[0]["shard"]["plan_cells"],
        "engines": list(engines.values()),
        "shard": shard,
        "machines": [run.get("machine", {}) for run in runs],
    }
