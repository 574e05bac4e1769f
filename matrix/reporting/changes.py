"""The largest changes since the previous run, for summary.md: counts, the engine builds
whose pass rate moved most, and the changed cells (regressions first), each bounded."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from ..analysis.diff import Change, diff_runs
from ..outcomes import Outcome, measures_engine
from ..records import CellResult
from ..results import run_folders

ENGINES_SHOWN = 10
CHANGES_SHOWN = {"regressions": 20, "fixes": 10, "other changes": 10}


def previous_run(run_folder: Path) -> Path | None:
    """The newest run beside this one that started before it (run folders are named by
    their start time), or None."""
    here = run_folder.resolve()
    earlier = [f for f in run_folders(here.parent) if f.name < here.name]
    return earlier[0] if earlier else None


def render_changes(
    records: list[CellResult],
    base: list[CellResult],
    base_name: str,
    link: Callable[[dict, str], str],
    escape: Callable[[object], str],
) -> list[str]:
    """The section's Markdown lines; `link(record, text)` links a cell into the site."""
    diff = diff_runs(base, records)
    parts = [
        "",
        f"## Changes since the previous run ({escape(base_name)})",
        "",
        f"**{len(diff.regressions)} regressions**, {len(diff.fixes)} fixes, "
        f"{len(diff.changed)} other changes of outcome, {len(diff.new)} new and "
        f"{len(diff.vanished)} vanished cells, {diff.unchanged} unchanged. "
        "A regression is a cell that passed and now does not (skip aside); "
        "`wasm-matrix diff` lists every change.",
    ]
    moved = _pass_rate_changes(base, records)
    if moved:
        parts += [
            "",
            "| engine | pass rate before | now | change | cells in both runs |",
            "|---|---:|---:|---:|---:|",
        ]
        for engine, before, now, cells in moved[:ENGINES_SHOWN]:
            parts.append(
                f"| {escape(engine)} | {before:.1%} | {now:.1%} | {(now - before) * 100:+.1f} "
                f"points | {cells} |"
            )
    for title, changes in (
        ("regressions", diff.regressions),
        ("fixes", diff.fixes),
        ("other changes", diff.changed),
    ):
        if changes:
            parts += ["", f"{title.capitalize()}:", ""]
            parts += _listed(changes, CHANGES_SHOWN[title], link, escape)
    return parts


def _pass_rate_changes(base: list[CellResult], records: list[CellResult]) -> list[tuple]:
    """(engine, rate before, rate now, cells) over the cells measured in both runs (neither
    a skip), the largest move first; engines that did not move are left out."""
    before = {r.key: r.outcome for r in base}
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # passed before, now, cells
    for record in records:
        old = before.get(record.key)
        if old is None or Outcome.SKIP in (old, record.outcome) or not measures_engine(record):
            continue  # validators and controls have no pass rate
        tally = counts[record.engine]
        tally[0] += old == Outcome.PASS
        tally[1] += record.outcome == Outcome.PASS
        tally[2] += 1
    moved = [
        (engine, passed_before / cells, passed_now / cells, cells)
        for engine, (passed_before, passed_now, cells) in counts.items()
        if passed_before != passed_now
    ]
    return sorted(moved, key=lambda row: (-abs(row[2] - row[1]), row[0]))


def _listed(changes: list[Change], limit: int, link, escape) -> list[str]:
    lines = []
    for change in changes[:limit]:
        after = Outcome(change.after) if change.after else None
        text = f"{after.symbol} {after}" if after else "vanished"
        message = " ".join((change.record.message or "").split())[:100]
        lines.append(
            f"- {link(change.record, text)} {escape(' · '.join(change.key))} "
            f"(was {escape(change.before or '–')})" + (f": {escape(message)}" if message else "")
        )
    if len(changes) > limit:
        lines.append(f"- … and {len(changes) - limit} more")
    return lines
