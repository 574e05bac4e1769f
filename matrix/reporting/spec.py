"""The spec test suite in summary.md: files × engines with pass rates, a roll-up by
proposal folder and feature, totals per engine, and every failing assertion with the
expected and actual texts side by side (everything from scripts and engines escaped)."""

from __future__ import annotations

from collections import defaultdict

from ..outcomes import Outcome, executes
from ..records import CellResult
from ..spec.features import group_of

COUNTS = ("pass", "fail", "skip", "off")
FAILURES_SHOWN = 100  # per cell; results.jsonl keeps them all


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


def render_spec(records: list[CellResult], engines: list[str], escape) -> list[str]:
    cells = spec_records(records)
    if not cells:
        return []
    engines = [engine for engine in engines if any(r.engine == engine for r in cells)]
    by_key = {(record.case, record.engine): record for record in cells}
    files = sorted({record.case for record in cells})
    parts = [
        "",
        "## Spec test suite: files × engines",
        "",
        "Each cell is one script on one engine build: the share of its applicable assertions "
        "that pass (pass / (pass + fail); skipped assertions, and those about a feature the "
        "build has switched off, are not counted), then the counts. A validator-only build "
        "executes nothing: its rate is how often it agrees with the script on which modules "
        "are valid, never a pass rate. Failing assertions are listed below.",
        "",
        _totals_table(cells, engines, escape),
        "",
        "### By proposal folder and feature",
        "",
        _rollup_table(cells, engines, escape),
        "",
        "### Files",
        "",
        "| file | " + " | ".join(escape(engine) for engine in engines) + " |",
        "| --- | " + " | ".join("---" for _ in engines) + " |",
    ]
    for case in files:
        row = [escape(case)]
        for engine in engines:
            record = by_key.get((case, engine))
            row.append(_cell(record, escape) if record else "")
        parts.append("| " + " | ".join(row) + " |")
    parts += ["", "### Failing assertions", ""]
    parts += _failures(cells, escape)
    return parts


def _cell(record: CellResult, escape) -> str:
    outcome = Outcome(record.outcome)
    counts = totals(record)
    rate = pass_rate(counts)
    if rate is None:
        return f"{outcome.symbol} {escape(outcome.value)}"
    text = f"{outcome.symbol} {_percent(rate)} ({counts['pass']}/{counts['pass'] + counts['fail']})"
    if counts["off"]:
        text += f", {counts['off']} off"
    return text


def _percent(rate: float) -> str:
    return "100%" if rate == 1 else f"{min(rate * 100, 99.99):.2f}%"


def _sum(records: list[CellResult]) -> dict[str, int]:
    summed = dict.fromkeys(COUNTS, 0)
    for record in records:
        for key, value in totals(record).items():
            summed[key] += value
    return summed


def _totals_table(cells: list[dict], engines: list[str], escape) -> str:
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


def _rollup_table(cells: list[dict], engines: list[str], escape) -> str:
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


def _failures(cells: list[dict], escape) -> list[str]:
    lines: list[str] = []
    shown_any = False
    for record in sorted(cells, key=lambda r: (r.engine, r.case)):
        failures = record.failures
        if record.outcome in ("crash", "timeout", "error"):
            lines.append(
                f"- {escape(record.case)} on {escape(record.engine)}: "
                f"{escape(record.outcome)}: {escape(record.message[:300])}"
            )
            shown_any = True
        if not failures:
            continue
        shown_any = True
        lines += [
            "",
            f"#### {escape(record.case)} on {escape(record.engine)}",
            "",
            "| line | command | expected | actual | engine's message |",
            "| --- | --- | --- | --- | --- |",
        ]
        for failure in failures[:FAILURES_SHOWN]:
            lines.append(
                f"| {failure['line']} | {escape(failure['command'])} | "
                f"{escape(failure['expected'])} | {escape(failure['actual'])} | "
                f"{escape(failure['message'][:200])} |"
            )
        if len(failures) > FAILURES_SHOWN:
            lines.append(f"\n… and {len(failures) - FAILURES_SHOWN} more in results.jsonl.")
    return lines if shown_any else ["None."]
