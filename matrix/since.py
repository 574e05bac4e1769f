"""`wasm-matrix since`: for each case and configuration, the first release that passes.

The releases of a series (matrix/series.py) are ordered; a bisection finds, for every
(case, configuration) at once, the release where the cell turns to `pass`. Every case
runs on every release visited (matrix/visits.py), so the searches share installs: a
round collects the releases the open searches want next and visits each once.

Monotonicity is not trusted: once a search has a boundary, the releases on each side of
it and a few sampled from each side are visited too. If any of them disagrees (a pass
before the boundary, a non-pass after it: a regression, a flag flip), the finding is
reported as the ranges of releases seen passing, with the releases that show it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from .cases import Case
from .series import Series, releases
from .visits import Visit, visit

SAMPLES = 3  # releases sampled on each side of a boundary
GRID = 8  # the samples' grid: the series cut into this many stretches


@dataclass
class Finding:
    """What one series shows for one case in one configuration."""

    case: str
    features: tuple[str, ...]
    configuration: str
    role: str  # default | flag
    status: str  # since | oldest | never | ranges | unknown
    first: str | None = None  # the first release that passes (status since / oldest)
    last_failing: str | None = None  # the release before it, seen not passing
    ranges: list[tuple[str, str]] = field(default_factory=list)  # releases seen passing
    disagreeing: list[str] = field(default_factory=list)  # releases that break monotonicity
    seen: dict[str, str] = field(default_factory=dict)  # release -> outcome, in order

    def to_record(self) -> dict:
        return {
            "case": self.case,
            "features": list(self.features),
            "configuration": self.configuration,
            "role": self.role,
            "status": self.status,
            "first": self.first,
            "last_failing": self.last_failing,
            "ranges": [list(r) for r in self.ranges],
            "disagreeing": self.disagreeing,
            "seen": self.seen,
        }


@dataclass
class SinceRun:
    """A series searched: its findings, and what the search cost."""

    series: Series
    versions: list[str]
    findings: list[Finding]
    visits: dict[str, Visit]

    @property
    def installed(self) -> int:
        return sum(1 for v in self.visits.values() if v.installed)

    @property
    def with_results(self) -> list[str]:
        """The releases visited that have results (or were found not installable)."""
        return [v for v, visit in self.visits.items() if visit.outcomes or visit.install_error]

    @property
    def crashing(self) -> dict[str, str]:
        """Releases that install but crash on every module (on this machine's CPU, say),
        and `VERSION [CONFIGURATION]` for a configuration of a release that does."""
        crashing = {}
        for version, seen in self.visits.items():
            if seen.crash:
                crashing[version] = seen.crash
            else:
                crashing.update({f"{version} [{c}]": why for c, why in seen.crashed.items()})
        return crashing

    @property
    def install_failures(self) -> dict[str, str]:
        return {v: visit.install_error for v, visit in self.visits.items() if visit.install_error}


class Search:
    """The bisection for one (case, configuration) over release indices 0..n-1."""

    def __init__(self, case: Case, configuration: str, n: int):
        self.case, self.configuration, self.n = case, configuration, n
        self.low, self.high = -1, n  # last index seen failing, first index seen passing
        self.unknown: set[int] = set()  # releases that said nothing (install failed, skip)
        self.bisected = False

    def key(self) -> tuple[str, str]:
        return (self.case.name, self.configuration)

    def wants(self) -> int | None:
        """The next release this search needs, or None once it has a boundary."""
        if self.bisected:
            return None
        candidates = [i for i in range(self.low + 1, self.high) if i not in self.unknown]
        if not candidates:
            self.bisected = True
            return None
        middle = (self.low + self.high) // 2
        return min(candidates, key=lambda i: (abs(i - middle), i))

    def learn(self, index: int, outcome: str | None) -> None:
        if outcome is None or outcome == "skip":
            self.unknown.add(index)
        elif outcome == "pass":
            self.high = min(self.high, index)
        else:
            self.low = max(self.low, index) if index < self.high else self.low


def checks(search: Search) -> set[int]:
    """The releases that test the boundary: its neighbours and samples on each side.

    Samples come from one grid over the whole series, so that searches with different
    boundaries ask for the same releases and share their installs."""
    wanted = {search.high - 1, search.high, search.high + 1, search.low, search.low + 1}
    grid = sorted({round(k * (search.n - 1) / GRID) for k in range(GRID + 1)})
    for side in ([i for i in grid if i < search.low], [i for i in grid if i > search.high]):
        if len(side) > SAMPLES:  # spread: the first, the last and those between
            side = [side[round(k * (len(side) - 1) / (SAMPLES - 1))] for k in range(SAMPLES)]
        wanted.update(side)
    return {i for i in wanted if 0 <= i < search.n}


def run_since(
    series: Series,
    cases: list[Case],
    reports: Path,
    refresh: bool = False,
    log: Callable[[str], None] = print,
    versions: list[str] | None = None,
    install: bool = True,
) -> SinceRun:
    versions = versions if versions is not None else releases(series, refresh=refresh)
    n = len(versions)
    visits: dict[str, Visit] = {}
    searches = [Search(case, c.name, n) for case in cases for c in series.configurations]

    def see(indices: set[int]) -> None:
        for index in sorted(indices - {versions.index(v) for v in visits}):
            version = versions[index]
            log(
                f"[{series.family.name}] visiting {version} ({len(visits) + 1} visited, "
                f"{n} releases)"
            )
            visits[version] = done = visit(series, version, cases, reports, log, install)
            log(f"[{series.family.name}]   {version}: {_summary(done)}")
            for search in searches:
                search.learn(index, _outcome(done, search.key()))

    if n:
        see({0, n - 1})  # the ends first: most searches are settled or bounded by them
    while True:
        wanted = {w for w in (search.wants() for search in searches) if w is not None}
        if not wanted:
            break
        see(wanted)
    see(set().union(*(checks(search) for search in searches)) if searches else set())
    findings = [_finding(search, series, versions, visits) for search in searches]
    return SinceRun(series, versions, findings, visits)


def _outcome(done: Visit, key: tuple[str, str]) -> str | None:
    # A release that cannot be installed, or crashes on every module (on this machine's
    # CPU, say), says nothing about any feature; nor does a configuration that does.
    if done.install_error or done.crash or key[1] in done.crashed:
        return None
    return done.outcomes.get(key)


def _summary(done: Visit) -> str:
    if done.install_error:
        return "not installable"
    passes = sum(1 for outcome in done.outcomes.values() if outcome == "pass")
    spent = f", {done.seconds:.0f} s" if done.seconds else " (from earlier results)"
    return f"{passes} of {len(done.outcomes)} cells pass{spent}"


def _finding(search: Search, series: Series, versions: list[str], visits: dict) -> Finding:
    role = next(c.role for c in series.configurations if c.name == search.configuration)
    seen = {}
    for version in versions:
        if version in visits:
            outcome = _outcome(visits[version], search.key())
            if outcome is not None:
                seen[version] = outcome
    finding = Finding(
        search.case.name, search.case.features, search.configuration, role, "unknown", seen=seen
    )
    known = [(versions.index(v), o) for v, o in seen.items() if o != "skip"]
    if not known:
        return finding
    passing = [i for i, o in known if o == "pass"]
    if not passing:
        finding.status = "never"
        return finding
    first = min(passing)
    disagreeing = [versions[i] for i, o in known if i > first and o != "pass"]
    if disagreeing:
        finding.status = "ranges"
        finding.disagreeing = disagreeing
        finding.ranges = _ranges(known, versions)
        return finding
    finding.first = versions[first]
    failing_before = [i for i, o in known if i < first]
    finding.status = "since" if failing_before else "oldest"
    if failing_before:
        finding.last_failing = versions[max(failing_before)]
    return finding


def _ranges(known: list[tuple[int, str]], versions: list[str]) -> list[tuple[str, str]]:
    """Runs of releases seen passing, each from its first to its last passing release."""
    ranges, start, last = [], None, None
    for index, outcome in sorted(known):
        if outcome == "pass":
            start = index if start is None else start
            last = index
        elif start is not None:
            ranges.append((versions[start], versions[last]))
            start = None
    if start is not None:
        ranges.append((versions[start], versions[last]))
    return ranges
