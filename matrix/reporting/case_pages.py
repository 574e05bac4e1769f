"""The site's case pages: one page per case with every cell of the case on it (an anchor
per cell), grouped by build (toolchain and profile: the module is the same for every
engine), and a page listing every case. Non-pass cells carry the engine's message, the
rerun command and, for spec scripts, the assertions."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from jinja2 import Environment

from ..outcomes import Outcome
from ..records import CellResult
from .links import CASES, case_page
from .tables import outcome_counts

# The facts of a build: the same module for every engine it ran on.
BUILD_FACTS = (
    "toolchain_version",
    "build_command",
    "module_size",
    "module_sha256",
    "module_uses",
    "module_scan_error",
)


class Build:
    """One (toolchain, profile) of a case and its cells, one per engine."""

    def __init__(self, toolchain: str, profile: str, records: list[CellResult]):
        self.toolchain, self.profile, self.records = toolchain, profile, records
        first = records[0]
        self.facts = {key: getattr(first, key) for key in BUILD_FACTS}


class CasePage:
    def __init__(self, case: str, records: list[CellResult]):
        self.case, self.records = case, records
        first = records[0]
        self.case_file = first.case_file
        self.kind = first.kind
        self.features = first.features
        self.counts = outcome_counts(records)
        builds: dict[tuple[str, str], list[CellResult]] = defaultdict(list)
        for record in records:
            builds[(record.toolchain, record.profile)].append(record)
        self.builds = [Build(t, p, group) for (t, p), group in builds.items()]

    @property
    def page(self) -> str:
        return case_page(self.case)

    @property
    def passed(self) -> int:
        return self.counts[Outcome.PASS]


def case_pages(records: list[CellResult]) -> list[CasePage]:
    """Every case of the run, in name order, each with its cells in key order."""
    by_case: dict[str, list[CellResult]] = defaultdict(list)
    for record in sorted(records, key=lambda record: record.key):
        by_case[record.case].append(record)
    return [CasePage(case, by_case[case]) for case in sorted(by_case)]


def write_case_pages(
    environment: Environment, site: Path, records: list[CellResult], common: dict
) -> list[CasePage]:
    """cases/<case>.html for every case, and cases.html listing them."""
    pages = case_pages(records)
    (site / CASES).mkdir(exist_ok=True)
    template = environment.get_template("case.html.j2")
    context = {**common, "root": "../"}
    for page in pages:
        text = template.render(**context, title=page.case, case=page, page=page.page)
        (site / page.page).write_text(text, "utf-8")
    listing = environment.get_template("cases.html.j2").render(
        **common, title="Cases", cases=pages, page="cases.html"
    )
    (site / "cases.html").write_text(listing, "utf-8")
    return pages
