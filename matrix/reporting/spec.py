"""The spec test suite in summary.md: totals per engine and a roll-up by proposal folder
and feature (everything from scripts and engines escaped). Per-script pass rates and the
failing assertions are on the site, whose size may grow with the suite."""

from __future__ import annotations

from collections import defaultdict

from ..outcomes import executes
from ..records import CellResult
from ..spec.features import group_of

COUNTS = ("pass", "fail", "skip", "off")


def spec_records(records: list[CellResult]) -> list[CellResult]:
    return [record for record in records if record.kind == "spec"]


def totals(record: CellResult) -> dict[str, int]:
    """A cell's assertion counts summed over commands."""
    summed = dict.fromkeys(COUNTS, 0)
    for counts in record.assertions.values():
        for key in COUNTS:
            summed[key] += counts.get(key, 0)
    return summed


def pass_rate(counts: dict[str, int]) -> float | None:
    """pass / (pass + fail); skip and off are not in it (None when nothing was judged)."""
    judged = counts["pass"] + counts["fail"]
    return counts["pass"] / judged if judged else None


def render_spec(
    records: list[CellResult], engines: list[str], escape, site: str | None
) -> list[str]:
    """Totals per engine and the roll-up by proposal folder and feature: a size that does
    not grow with the number of scripts. Per script, and every failing assertion: the
    site's spec page and the scripts' case pages."""
    cells = spec_records(records)
    if not cells:
        return []
    engines = [engine for engine in engines if any(r.engine == engine for r in cells)]
    where = f"[the site's spec page]({site}spec.html)" if site else "the site's spec page"
    return [
        "",
        "## Spec test suite",
        "",
        "Each cell is one script on one engine build. A pass rate is the share of the "
        "applicable assertions that pass (pass / (pass + fail); skipped assertions, and those "
        "about a feature the build has switched off, are not counted). A validator-only build "
        "executes nothing: its rate is how often it agrees with the script on which modules "
        "are valid, never a pass rate. Per script, and every failing assertion with the "
        f"expected and actual values: {where}.",
        "",
        _totals_table(cells, engines, escape),
        "",
        "### By proposal folder and feature",
        "",
        _rollup_table(cells, engines, escape),
    ]


def _percent(rate: float) -> str:
    return "100%" if rate == 1 else f"{min(rate * 100, 99.99):.2f}%"


def _sum(records: list[CellResult]) -> dict[str, int]:
    summed = dict.fromkeys(COUNTS, 0)
    for record in records:
        for key, value in totals(record).items():
            summed[key] += value
    return summed


def _totals_table(cells: list[CellResult], engines: list[str], escape) -> str:
    lines = [
        "| engine | scripts | assertions judged | pass rate | fail | skip | off | not run "
        "| trap kind not shown |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for engine in engines:
        mine = [record for record in cells if record.engine == engine]
        counts = _sum(mine)
        rate = pass_rate(counts)
        broken = sum(
            1 for record in mine if record.outcome in ("crash", "timeout", "error", "skip")
        )
        shown = _percent(rate) if rate is not None else "–"
        name = escape(engine)
        if mine and not any(executes(record) for record in mine):
            name += " (validator only)"
            shown = f"{shown} agree" if rate is not None else shown
        unobserved = sum(record.unobserved_trap_kinds for record in mine)
        lines.append(
            f"| {name} | {len(mine)} | {counts['pass'] + counts['fail']} | "
            f"{shown} | {counts['fail']} | {counts['skip']} | {counts['off']} | {broken} "
            f"| {unobserved} |"
        )
    return "\n".join(lines)


def _rollup_table(cells: list[CellResult], engines: list[str], escape) -> str:
    groups: dict[str, list[CellResult]] = defaultdict(list)
    for record in cells:
        groups[group_of(record.case)].append(record)
        for feature in record.features:
            groups[f"feature: {feature}"].append(record)
    lines = [
        "| group | " + " | ".join(escape(engine) for engine in engines) + " |",
        "| --- | " + " | ".join("---" for _ in engines) + " |",
    ]
    for group in sorted(groups, key=lambda name: (name.startswith("feature: "), name)):
        row = [escape(group)]
        for engine in engines:
            counts = _sum([record for record in groups[group] if record.engine == engine])
            rate = pass_rate(counts)
            row.append(
                f"{_percent(rate)} ({counts['pass']}/{counts['pass'] + counts['fail']})"
                if rate is not None
                else "–"
            )
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)
