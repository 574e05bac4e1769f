"""Measured support against webassembly.org's hand-written feature table (features.json).

Only engine families whose measured versions mean the same thing as the table's are
compared: a family's manifest names its column (`tables: webassembly_org`), or says why it
has none (`tables: not_compared`); docs/reports.md explains each.

Statuses in the table: null (not applicable), true (supported, version unknown), false,
"flag", a version ("supported since"), or [status, "note"]; a missing key means "no".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from ..engines import Tables, families_by_name, family_facts
from ..profiles import FEATURES
from ..records import CellResult
from .versions import FirstPass, first_passing, version_key

REFERENCE = Path(__file__).parent.parent / "reference" / "webassembly-features.json"

# Our feature -> the table's id it is compared with. The exceptions probe uses the final
# (exnref) instructions; call-indirect-overlong has no column of its own (it is an LLVM
# encoding inside reference types) and mvp none at all.
FEATURE_TO_REFERENCE = {
    feature.name: feature.webassembly_org[-1]
    for feature in FEATURES
    if feature.webassembly_org and feature.name != "call-indirect-overlong"
}


def mapped_families() -> dict[str, str]:
    """Our engine family -> the table's name for the same product (from the manifests)."""
    return {
        name: family.tables.webassembly_org
        for name, family in families_by_name().items()
        if family.tables.webassembly_org
    }


def not_compared() -> str:
    """Why the other families have no column to compare with (from the manifests)."""
    return "; ".join(
        family.tables.not_compared
        for family in families_by_name().values()
        if not family.tables.webassembly_org and family.tables.not_compared
    )


def load_reference(path: Path | None = None) -> dict:
    path = path or REFERENCE
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"{path}: cannot read a features.json table: {error}") from None
    if not isinstance(data.get("browsers"), dict) or not isinstance(data.get("features"), dict):
        raise ValueError(f"{path}: not in features.json format (needs `features` and `browsers`)")
    return data


@dataclass(frozen=True)
class Claim:
    """One status from the table, read."""

    raw: object
    supported: bool | None  # None: not applicable
    since: str | None = None  # the version it is claimed from, when the table gives one
    note: str = ""

    def covers(self, version: str) -> bool | None:
        """Does the table claim support in this version?"""
        if self.supported is None:
            return None
        if not self.supported:
            return False
        return self.since is None or version_key(version) >= version_key(self.since)

    def __str__(self) -> str:
        if self.supported is None:
            return "n/a"
        if not self.supported:
            return "flag" if self.raw == "flag" or _first(self.raw) == "flag" else "no"
        return f"since {self.since}" if self.since else "yes"


def _first(raw: object) -> object:
    return raw[0] if isinstance(raw, list) and raw else raw


def read_claim(raw: object, present: bool = True) -> Claim:
    if not present:
        return Claim(None, False)
    note = raw[1] if isinstance(raw, list) and len(raw) > 1 else ""
    status = _first(raw)
    if status is None:
        return Claim(raw, None, note=note)
    if status is True:
        return Claim(raw, True, note=note)
    if status is False or status == "flag":
        return Claim(raw, False, note=note)
    return Claim(raw, True, since=str(status), note=note)


@dataclass
class Comparison:
    family: str
    reference_name: str
    feature: str
    reference_id: str
    claim: Claim
    measured: FirstPass
    kind: str  # a key of KIND_WORDS
    versions: list[str] = field(default_factory=list)  # the versions that disagree
    first_differs: bool = False  # the table's "since" is not our first passing version

    @property
    def disagrees(self) -> bool:
        return self.kind in ("claimed-but-rejected", "claimed-absent-but-passes")


def compare(records: list[CellResult], reference: dict) -> list[Comparison]:
    """Every (mapped family, feature) both sides speak of, in table order."""
    series = first_passing(records, minimum_versions=1)
    mapped = mapped_families()
    found = []
    for name, browser in reference["browsers"].items():  # in the table's order
        family = next((ours for ours, theirs in mapped.items() if theirs == name), None)
        if family is None or family not in series:
            continue
        claims = browser.get("features", {})
        for feature, reference_id in FEATURE_TO_REFERENCE.items():
            measured = series[family].get(feature)
            if measured is None:
                continue
            claim = read_claim(claims.get(reference_id), reference_id in claims)
            found.append(_judge(family, name, feature, reference_id, claim, measured))
    return found


def _judge(family, name, feature, reference_id, claim: Claim, measured: FirstPass) -> Comparison:
    comparison = Comparison(family, name, feature, reference_id, claim, measured, "agrees")
    if claim.supported is None:
        comparison.kind = "n/a"
        return comparison
    rejected, passes = [], []
    for version, passed in zip(measured.versions, measured.passing, strict=True):
        covered = claim.covers(version)
        if covered and not passed:
            rejected.append(version)
        elif not covered and passed:
            passes.append(version)
    if rejected:
        comparison.kind, comparison.versions = "claimed-but-rejected", rejected
    elif passes and feature in family_tables(family).switched_on:
        comparison.kind, comparison.versions = "passes-when-switched-on", passes
    elif passes:
        comparison.kind, comparison.versions = "claimed-absent-but-passes", passes
    if claim.since and measured.first:
        # Consistent when the table's version lies after the last measured version that
        # fails and no later than the first that passes (measurements are points).
        since, first = version_key(claim.since), version_key(measured.first)
        index = measured.versions.index(measured.first)
        before = version_key(measured.versions[index - 1]) if index else None
        comparison.first_differs = since > first or (before is not None and since <= before)
    return comparison


KIND_WORDS = {
    "agrees": "agrees",
    "claimed-but-rejected": "claimed supported, but the probes do not pass",
    "claimed-absent-but-passes": "claimed absent, but the probes pass",
    "passes-when-switched-on": "passes with the feature switched on (the table counts defaults)",
    "n/a": "not applicable in the table",
}


def ordered(comparisons: list[Comparison]) -> list[Comparison]:
    """Disagreements first, then the rest, each in table order."""
    rank = {"claimed-but-rejected": 0, "claimed-absent-but-passes": 1}
    return sorted(comparisons, key=lambda c: (rank.get(c.kind, 2), not c.first_differs))


def export(records: list[CellResult], run: dict, reference: dict | None = None) -> dict:
    """Our measurements as a features.json table: one platform per measured engine family
    (full builds only), each feature's status the first measured version that passes. A
    validator-only family says so in its name and in every note: it validated, nothing
    was executed."""
    reference = reference or load_reference()
    titles = {e.get("family"): e.get("title") for e in run.get("engines", [])}
    series = first_passing(records, minimum_versions=1)
    used_ids: set[str] = set()
    browsers = {}
    for family in sorted(series):
        statuses = {}
        for feature, reference_id in FEATURE_TO_REFERENCE.items():
            measured = series[family].get(feature)
            if measured is None:
                continue
            statuses[reference_id] = _status(family, measured)
            used_ids.add(reference_id)
        if not statuses:
            continue
        validator = any(measured.validated for measured in series[family].values())
        how = "validated by wasm-matrix: a validator, nothing executed" if validator else None
        name = f"{titles.get(family) or family} ({how or 'measured by wasm-matrix'})"
        facts = family_facts(family)
        browsers[name] = {
            "url": (facts and facts.homepage) or "https://webassembly.org/features/",
            "category": family_tables(family).category,
            "features": statuses,
        }
    features = {
        key: value for key, value in reference.get("features", {}).items() if key in used_ids
    }
    return {"features": features, "browsers": browsers}


def _status(family: str, measured: FirstPass) -> object:
    newest = measured.versions[-1]
    passes = "validates" if measured.validated else "passes"
    if measured.first is None:
        word = "are not valid" if measured.validated else "do not pass"
        return [False, f"the probes {word} on {family} {newest}, the newest measured"]
    if len(measured.versions) == 1:
        return [True, f"{passes} on {family} {newest}, the only version measured"]
    if measured.oldest_measured:
        return [measured.first, "the oldest version measured; support may be older"]
    if measured.validated:
        return [measured.first, "validated (a validator only: nothing was executed)"]
    return measured.first


def family_tables(family: str) -> Tables:
    """The family's `tables` facts; defaults for a family no manifest here describes (a
    run made with another checkout's engines)."""
    facts = family_facts(family)
    return facts.tables if facts is not None else Tables()
