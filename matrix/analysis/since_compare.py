"""Since findings held against the published tables: webassembly.org's features.json
(vendored) and MDN's browser-compat-data (the pinned npm package, matrix/bcd.py).

Every feature × family where a table says otherwise than the measurement is a row, with
the releases whose results show it. A claim that falls between the last release seen
failing and the first seen passing agrees; custom-section features (accepted, not
necessarily used) are not compared.
"""

from __future__ import annotations

import json

from ..profiles import FEATURES_BY_NAME
from ..scanner import ADVISORY
from .compare import REFERENCE, family_tables, read_claim
from .since_findings import first_of, primary_findings
from .versions import version_key

# Our feature -> its key under BCD's `webassembly` tree.
FEATURE_TO_BCD = {
    "js-bigint": "BigInt-to-i64-integration",
    "branch-hinting": "branch-hinting",
    "bulk-memory": "bulk-memory-operations",
    "exceptions-legacy": "exception-handling",
    "exceptions": "exceptionsFinal",
    "extended-const": "extended-constant-expressions",
    "simd128": "fixed-width-SIMD",
    "gc": "garbage-collection",
    "js-string-builtins": "jsStringBuiltins",
    "jspi": "jspi",
    "memory64": "memory64",
    "multivalue": "multi-value",
    "multi-memory": "multiMemory",
    "nontrapping-fptoint": "non-trapping-float-to-int-conversions",
    "reference-types": "reference-types",
    "relaxed-simd": "relaxed-SIMD",
    "sign-ext": "sign-extension-operations",
    "tail-call": "tail-calls",
    "threads": "threads-and-atomics",
    "type-reflection": "type-reflection",
    "function-references": "typedFunctionReferences",
    "wide-arithmetic": "wideArithmetic",
    "mutable-globals": "definitions.global.mut",
    "compact-import-section": "definitions.import.compact_imports",
}


def disagreements(families: list[dict], bcd: dict | None = None) -> list[dict]:
    """Every feature × family where a published table says otherwise than the measurement."""
    reference = json.loads(REFERENCE.read_text("utf-8"))
    found = []
    for family in families:
        name = family_tables(family["family"]).webassembly_org
        table = reference["browsers"].get(name, {}).get("features", {}) if name else {}
        browser = family_tables(family["family"]).mdn
        for feature, by_role in primary_findings(family).items():
            if feature in ADVISORY:  # a probe shows the section is accepted, not used
                continue
            ours = _ours(family, by_role)
            for reference_id in FEATURES_BY_NAME[feature].webassembly_org if name else ():
                raw = table.get(reference_id, "absent")
                theirs = read_claim(raw, present=reference_id in table)
                verdict = _verdict(ours, theirs.supported, theirs.since, family)
                if verdict:
                    found.append(
                        _row(family, feature, "webassembly.org", str(theirs), ours, verdict)
                    )
            key = FEATURE_TO_BCD.get(feature)
            if bcd is not None and browser and key:
                support = _bcd_entry(bcd, key, browser)
                supported, since = _read_bcd(support)
                verdict = _verdict(ours, supported, since, family)
                if verdict:
                    shown = json.dumps(support) if support is not None else "no entry"
                    found.append(_row(family, feature, "MDN BCD", shown, ours, verdict))
    return found


def _ours(family: dict, by_role: dict[str, dict]) -> dict:
    default, flag = by_role.get("default"), by_role.get("flag")
    return {
        "first": first_of(default),
        "flag": first_of(flag),
        "status": default["status"] if default else "unknown",
        "last_failing": default.get("last_failing") if default else None,
        "newest": family["releases"][-1] if family["releases"] else None,
        "oldest": family["releases"][0] if family["releases"] else None,
        "evidence": _evidence(family, default),
    }


def _evidence(family: dict, finding: dict | None) -> list[str]:
    if not finding:
        return []
    versions = [v for v in (finding.get("last_failing"), finding.get("first")) if v]
    if not versions:
        versions = list(finding["seen"])[-1:]
    return [f"since/{family['family']}/{v}/results.jsonl" for v in versions]


def _verdict(ours: dict, supported: bool | None, since: str | None, family: dict) -> str | None:
    first = ours["first"]
    if supported is None:
        return "the table has no data" if first else None
    if not supported and first:
        return f"measured passing from {first}; the table says not supported"
    if supported and not first:
        if ours["status"] == "unknown":
            return None
        return f"the table says supported; no release up to {ours['newest']} passes"
    if supported and first and since:
        if ours["status"] == "oldest" and version_key(since) <= version_key(first):
            return None  # both only say "by the oldest release we tried"
        if _same_release(since, first):
            return None
        last = ours["last_failing"]
        if last and version_key(last) < version_key(since) <= version_key(first):
            # The boundary lies between the last release seen failing and the first seen
            # passing; the releases between said nothing here (not published in this
            # package, or their cells were skips): the claim fits the measurement.
            return None
        return f"first passing release measured {first}; the table says {since}"
    return None


def _same_release(claimed: str, measured: str) -> bool:
    """A table's `16.4` names the same release line as a measured `16.4.0`."""
    parts, got = claimed.split("."), measured.split(".")
    return got[: len(parts)] == parts and all(p == "0" for p in got[len(parts) :])


def _row(family, feature, source, theirs, ours, verdict) -> dict:
    return {
        "family": family["family"],
        "feature": feature,
        "source": source,
        "theirs": theirs,
        "ours": ours,
        "verdict": verdict,
    }


def _bcd_entry(bcd: dict, key: str, browser: str):
    node = bcd.get("webassembly", {})
    for part in key.split("."):
        node = node.get(part, {})
    return node.get("__compat", {}).get("support", {}).get(browser)


def _read_bcd(support) -> tuple[bool | None, str | None]:
    if support is None:
        return None, None
    statements = support if isinstance(support, list) else [support]
    plain = [s for s in statements if not s.get("flags") and not s.get("version_removed")]
    if not plain:
        return False, None
    added = plain[0].get("version_added")
    if added is None:
        return None, None
    if added is False:
        return False, None
    if added is True:
        return True, None
    return True, str(added).lstrip("≤")
