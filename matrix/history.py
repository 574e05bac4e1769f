"""The history of runs: one JSON line per run with each engine's pass rate, appended by
`wasm-matrix report` (and at the end of a run), drawn as a chart on the site."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from .outcomes import Outcome, measures_engine
from .results import read_results, read_run

HISTORY = "history.jsonl"


def run_summary(run_folder: Path) -> dict:
    """A run as one history entry: per engine, cells measured (not skipped) and passed;
    validator-only builds, which execute nothing, have no entry."""
    run = read_run(run_folder)
    engines: dict[str, dict[str, int]] = defaultdict(lambda: {"pass": 0, "measured": 0})
    for record in read_results(run_folder):
        if (
            record["engine"] == "-"
            or record["outcome"] == Outcome.SKIP
            or not measures_engine(record)
        ):
            continue
        engines[record["engine"]]["measured"] += 1
        engines[record["engine"]]["pass"] += record["outcome"] == Outcome.PASS
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


PALETTE = (
    "#0969da", "#1a7f37", "#cf222e", "#8250df", "#bf8700", "#1b7c83", "#e16f24",
    "#6e7781", "#a40e26", "#0550ae", "#4d2d00", "#116329", "#953800", "#512a97",
)  # fmt: skip


def chart(entries: list[dict], width: int = 720, height: int = 260) -> dict:
    """Geometry for the pass-rate chart: one polyline per engine family (drawn by the
    template, so every label goes through the template's escaping)."""
    rates = family_rates(entries)
    left, right, top, bottom = 44, 12, 10, 28
    plot_w, plot_h = width - left - right, height - top - bottom
    count = len(entries)

    def x(index: int) -> float:
        return left + (plot_w * index / (count - 1) if count > 1 else plot_w / 2)

    def y(rate: float) -> float:
        return top + plot_h * (1 - rate)

    lines = []
    for index, (family, values) in enumerate(rates.items()):
        points = [(round(x(i), 1), round(y(v), 1)) for i, v in enumerate(values) if v is not None]
        lines.append(
            {
                "family": family,
                "color": PALETTE[index % len(PALETTE)],
                "points": " ".join(f"{px},{py}" for px, py in points),
                "dots": points,
                "last": values[-1] if values else None,
            }
        )
    ticks = [{"y": round(y(t / 100), 1), "label": f"{t}%"} for t in (0, 25, 50, 75, 100)]
    runs = [
        {"x": round(x(i), 1), "label": (e.get("started_at") or e["run"])[:10]}
        for i, e in enumerate(entries)
    ]
    step = max(1, len(runs) // 6)  # at most about six dates under the axis
    return {
        "width": width,
        "height": height,
        "left": left,
        "bottom": height - bottom,
        "right": width - right,
        "top": top,
        "lines": lines,
        "ticks": ticks,
        "runs": runs[::step],
    }
