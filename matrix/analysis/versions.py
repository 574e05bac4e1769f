"""First measured version that passes: per engine family with a version series, per feature.

Only full builds count (no feature switched off): a build with `[-reference-types]` stands
in for an older engine, it is not a version of its own. Versions are the ones the hosts
reported (`engine_version`), compared as numbers. On a validator-only family (binaryen.js)
"passes" means every probe was `valid`: it validated, nothing ran (`FirstPass.validated`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from ..outcomes import VALIDATION, Outcome
from ..records import CellResult


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", version))


@dataclass(frozen=True)
class FirstPass:
    versions: tuple[str, ...]  # every measured version of the family, oldest first
    passing: tuple[bool, ...]  # whether each version passed every probe of the feature
    first: str | None  # the oldest version from which every newer measured one passes
    validated: bool = False  # a validator-only family: "passes" means it validates

    @property
    def oldest_measured(self) -> bool:
        return self.first is not None and self.first == self.versions[0]


def measured_versions(
    records: list[CellResult],
) -> dict[str, dict[str, dict[str, list[CellResult]]]]:
    """family -> version -> feature -> probe records, for full builds only."""
    series: dict[str, dict[str, dict[str, list[CellResult]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    for record in records:
        if record.kind != "probe" or record.engine_disabled or record.control:
            continue
        if record.outcome in (Outcome.SKIP, Outcome.ERROR):  # not a measurement
            continue
        family, version = record.engine_family, record.engine_version
        if not family or not version_key(version):
            continue
        for feature in record.features:
            series[family][version][feature].append(record)
    return series


def first_passing(
    records: list[CellResult], minimum_versions: int = 2
) -> dict[str, dict[str, FirstPass]]:
    """family -> feature -> FirstPass, for families with at least `minimum_versions` versions."""
    table: dict[str, dict[str, FirstPass]] = {}
    for family, by_version in measured_versions(records).items():
        versions = sorted(by_version, key=version_key)
        if len(versions) < minimum_versions:
            continue
        features = {feature for by_feature in by_version.values() for feature in by_feature}
        table[family] = {}
        for feature in features:
            measured = [v for v in versions if feature in by_version[v]]
            cells = [r for v in measured for r in by_version[v][feature]]
            validated = any(r.outcome in VALIDATION or r.executes is False for r in cells)
            good = Outcome.VALID if validated else Outcome.PASS
            passing = tuple(
                all(r.outcome == good for r in by_version[v][feature]) for v in measured
            )
            first = None
            for index in range(len(measured) - 1, -1, -1):  # newest back while passing
                if not passing[index]:
                    break
                first = measured[index]
            table[family][feature] = FirstPass(tuple(measured), passing, first, validated)
    return table
