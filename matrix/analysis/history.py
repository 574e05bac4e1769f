"""The history of runs: one JSON line per run with each engine's pass rate, appended by
`wasm-matrix report` (and at the end of a run); reporting/chart.py draws it on the site."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from ..outcomes import Outcome, measures_engine
from ..results import read_results, read_run

HISTORY = "history.jsonl"


def run_summary(run_folder: Path) -> dict:
    """A run as one history entry: per engine, cells measured (not skipped) and passed;
    validator-only builds, which execute nothing, have no entry."""
    run = read_run(run_folder)
    engines: dict[str, dict[str, int]] = defaultdict(lambda: {"pass": 0, "measured": 0})
    for record in read_results(run_folder):
        if record.engine == "-" or record.outcome == Outcome.SKIP or not measures_engine(record):
            continue
        engines[record.engine]["measured"] += 1
        engines[record.engine]["pass"] += record.outcome == Outcome.PASS
    families = {e["id"]: e.get("family", "") for e in run.get("engines", [])}
    return {
        "run": run_folder.resolve().name,
        "started_at": run.get("started_at"),
        "revision": run.get("revision"),
        "engines": {
            engine: {**counts, "family": families.get(engine, "")}
            for engine, counts in sorted(engines.items())
        },
    }


def read_history(path: Path) -> list[dict]:
    if not path.exists():
        return []
    entries = []
    for line in path.read_text("utf-8").splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            continue  # a torn line; the rest still draws
    return sorted(entries, key=lambda entry: entry.get("started_at") or entry["run"])


def add_run(path: Path, run_folder: Path) -> list[dict]:
    """Add (or replace) the run's entry; returns the whole history, oldest first."""
    entry = run_summary(run_folder)
    entries = [e for e in read_history(path) if e.get("run") != entry["run"]] + [entry]
    entries.sort(key=lambda e: e.get("started_at") or e["run"])
    path.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in entries)
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(text, "utf-8")
    temporary.replace(path)
    return entries


def family_rates(entries: list[dict]) -> dict[str, list[float | None]]:
    """Per engine family, its pass rate in each run (None where it was not measured)."""
    families = sorted(
        {c.get("family") or e for entry in entries for e, c in entry["engines"].items()}
    )
    rates: dict[str, list[float | None]] = {family: [] for family in families}
    for entry in entries:
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for engine, counts in entry["engines"].items():
            family = counts.get("family") or engine
            totals[family][0] += counts["pass"]
            totals[family][1] += counts["measured"]
        for family in families:
            passed, measured = totals.get(family, (0, 0))
            rates[family].append(passed / measured if measured else None)
    return rates
