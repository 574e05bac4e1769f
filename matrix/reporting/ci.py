"""What a CI job shows: the Markdown summary (for $GITHUB_STEP_SUMMARY) and JUnit XML
written from results.jsonl (for a run merged from shards, which pytest never saw whole)."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections import defaultdict
from pathlib import Path

from ..outcomes import Outcome
from ..records import CellResult
from ..results import read_results
from .markdown import render
from .tables import outcome_counts

JUNIT = "junit.xml"  # written into every run's folder
STEP_SUMMARY_LIMIT = 1024 * 1024 - 4096  # GitHub's limit for one step's summary, and room


def step_summary(run_folder: Path, previous: Path | None = None, url: str | None = None) -> str:
    """The run's summary for a CI job page ($GITHUB_STEP_SUMMARY): summary.md's bounded
    tables, with cell links into the site published at `url` (none without it), and the
    changes against `previous`. Never over GitHub's limit for one step."""
    site = url if url is None or url.endswith("/") else url + "/"
    return fit(render(run_folder, previous, site=site), STEP_SUMMARY_LIMIT)


def fit(text: str, limit: int) -> str:
    """The text, or as many of its whole lines as fit in `limit` bytes with a note."""
    if len(text.encode("utf-8")) <= limit:
        return text
    note = "\n**… cut here to fit a job summary: the whole report is summary.md.**\n"
    room = limit - len(note.encode("utf-8"))
    kept = text.encode("utf-8")[:room].decode("utf-8", errors="ignore")
    return kept[: kept.rfind("\n") + 1] + note


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
