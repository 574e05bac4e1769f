"""What a CI job shows: a short Markdown summary (for $GITHUB_STEP_SUMMARY) and JUnit XML
written from results.jsonl (for a run merged from shards, which pytest never saw whole)."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from pathlib import Path

from ..analysis.diff import RunDiff
from ..outcomes import Outcome
from ..records import CellResult
from ..results import read_results, read_run
from .badges import pass_rates
from .markdown import escape
from .tables import outcome_counts

JUNIT = "junit.xml"  # written into every run's folder


def step_summary(run_folder: Path, diff: RunDiff | None = None, url: str | None = None) -> str:
    """A few lines and one small table: counts, pass rate per engine family, the diff."""
    records = read_results(run_folder)
    run = read_run(run_folder)
    counts = outcome_counts(records)
    shown = ", ".join(f"{n} {outcome}" for outcome, n in counts.items() if n)
    lines = [f"### wasm-matrix: run {escape(run_folder.resolve().name)}", ""]
    lines.append(f"{len(records)} cells: {shown or 'none'}.")
    planned = run.get("cells_planned") or 0
    if planned > len(records):
        lines.append(f"**{planned - len(records)} of {planned} planned cells have no result.**")
    if url:
        lines.append(f"Report: {escape(url)}")
    if diff is not None:
        lines += [
            "",
            f"Against the previous run: **{len(diff.regressions)} regressions**, "
            f"{len(diff.fixes)} fixes, {len(diff.changed)} other changes, "
            f"{len(diff.new)} new and {len(diff.vanished)} vanished cells.",
        ]
        for change in diff.regressions[:10]:
            lines.append(f"- {escape(' · '.join(change.key))}: {change.before} → {change.after}")
        if len(diff.regressions) > 10:
            lines.append(f"- … and {len(diff.regressions) - 10} more")
    families: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    family_of = {r.engine: r.engine_family or r.engine for r in records}
    for engine, (passed, measured) in pass_rates(records).items():
        families[family_of[engine]][0] += passed
        families[family_of[engine]][1] += measured
    lines += ["", "| engine family | pass rate | passed / measured |", "|---|---:|---:|"]
    for family, (passed, measured) in sorted(families.items()):
        rate = f"{passed / measured * 100:.1f}%" if measured else "–"
        lines.append(f"| {escape(family)} | {rate} | {passed} / {measured} |")
    return "\n".join(lines) + "\n"


def write_junit(run_folder: Path, path: Path) -> Path:
    """One testsuite per engine build, one testcase per cell (as pytest's names them)."""
    suites: dict[str, list[CellResult]] = defaultdict(list)
    for record in read_results(run_folder):
        suites[record.engine].append(record)
    root = ElementTree.Element("testsuites", name="wasm-matrix")
    for engine, records in sorted(suites.items()):
        counts = outcome_counts(records)
        broken = sum(counts[o] for o in (Outcome.CRASH, Outcome.TIMEOUT, Outcome.ERROR))
        suite = ElementTree.SubElement(
            root,
            "testsuite",
            name=engine,
            tests=str(len(records)),
            failures=str(
                len(records)
                - counts[Outcome.PASS]
                - counts[Outcome.VALID]
                - counts[Outcome.SKIP]
                - broken
            ),
            errors=str(broken),
            skipped=str(counts[Outcome.SKIP]),
        )
        for record in records:
            case = ElementTree.SubElement(
                suite,
                "testcase",
                classname=record.case_file or record.case,
                name=f"{record.toolchain}/{record.profile}/{record.engine}",
                time=f"{(record.duration_ms or 0) / 1000:.3f}",
            )
            outcome, message = record.outcome, record.message or ""
            if outcome == Outcome.SKIP:
                ElementTree.SubElement(case, "skipped", message=message[:500])
            elif outcome in (Outcome.CRASH, Outcome.TIMEOUT, Outcome.ERROR):
                ElementTree.SubElement(
                    case, "error", type=outcome, message=message[:500]
                ).text = f"{message}\nrerun: {record.rerun}"
            elif outcome not in (Outcome.PASS, Outcome.VALID):
                ElementTree.SubElement(
                    case, "failure", type=outcome, message=message[:500]
                ).text = f"{message}\nrerun: {record.rerun}"
    ElementTree.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)
    return path
