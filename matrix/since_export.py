"""The since findings as data others can use, and held against the published tables.

* `features_json`: webassembly.org's features.json format (one platform per family, each
  feature's first passing release), validated against its vendored schema;
* `bcd_json`: MDN browser-compat-data's format for the `webassembly` tree (`version_added`,
  `flags`, `partial_implementation`, notes) for the families BCD knows, validated against
  BCD's vendored compat-data schema;
* `disagreements`: every place where webassembly.org's table or BCD (the npm package
  `@mdn/browser-compat-data`, pinned, fetched into the cache) says something else than the
  measurement, with the releases that show it.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema

from .analysis.compare import REFERENCE, read_claim
from .analysis.versions import version_key
from .engines import Tables, family_facts
from .install import npm_install
from .paths import cache_dir
from .profiles import FEATURES_BY_NAME
from .scanner import ADVISORY

BCD_PACKAGE = "@mdn/browser-compat-data"
BCD_VERSION = "8.1.9"  # pinned: a new BCD release is a deliberate update
SCHEMA = REFERENCE.with_name("webassembly-features.schema.json")  # webassembly.org's
BCD_SCHEMA = Path(__file__).with_name("reference") / "bcd-compat-data.schema.json"
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


def primary_findings(family: dict) -> dict[str, dict[str, dict]]:
    """feature -> role -> finding, from the probe named after the feature."""
    found: dict[str, dict[str, dict]] = {}
    for finding in family["findings"]:
        if finding["case"] in FEATURES_BY_NAME:
            found.setdefault(finding["case"], {})[finding["role"]] = finding
    return found


def first_of(finding: dict | None) -> str | None:
    if finding and finding["status"] in ("since", "oldest"):
        return finding["first"]
    if finding and finding["status"] == "ranges":
        return finding["ranges"][-1][0]  # supported since the start of the last range
    return None


def tables(family: str) -> Tables:
    """The family's names in webassembly.org's table and MDN's data (its manifest's
    `tables`); none for a family no manifest here describes."""
    facts = family_facts(family)
    return facts.tables if facts is not None else Tables()


# --- webassembly.org's format ----------------------------------------------------------------


def features_json(families: list[dict]) -> dict:
    reference = json.loads(REFERENCE.read_text("utf-8"))
    browsers, used = {}, set()
    for family in families:
        statuses = {}
        for feature, by_role in primary_findings(family).items():
            for reference_id in FEATURES_BY_NAME[feature].webassembly_org:
                statuses[reference_id] = _org_status(family, by_role)
                used.add(reference_id)
        browsers[f"{family['title']} (measured by wasm-matrix since)"] = {
            "url": f"https://www.npmjs.com/package/{family['package']}"
            if family["registry"] == "npm"
            else f"https://pypi.org/project/{family['package']}/",
            "category": tables(family["family"]).category,
            "features": statuses,
        }
    features = {k: v for k, v in reference["features"].items() if k in used}
    return {"features": features, "browsers": browsers}


def _org_status(family: dict, by_role: dict[str, dict]) -> object:
    default, flag = by_role.get("default"), by_role.get("flag")
    first = first_of(default)
    oldest = family["releases"][0] if family["releases"] else "?"
    if default and default["status"] == "oldest":
        return [first, f"the oldest release tried ({oldest}) passes; support may be older"]
    if default and default["status"] == "ranges":
        spans = ", ".join(f"{a}–{b}" for a, b in default["ranges"])
        return [first, f"passes in {spans} only"]
    if first:
        return first
    if first_of(flag):
        return ["flag", f"passes from {first_of(flag)} with the release's feature switches on"]
    newest = family["releases"][-1] if family["releases"] else "?"
    return [False, f"no release up to {newest} passes"]


def validate_features_json(data: dict) -> None:
    schema = json.loads(SCHEMA.read_text("utf-8"))
    jsonschema.Draft7Validator(schema).validate(data)


# --- MDN browser-compat-data's format --------------------------------------------------------


def bcd_json(families: list[dict]) -> dict:
    tree: dict = {}
    for family in families:
        browser = tables(family["family"]).mdn
        if browser is None:
            continue
        for feature, by_role in primary_findings(family).items():
            key = FEATURE_TO_BCD.get(feature)
            if key is None:
                continue
            node = tree
            for part in key.split("."):
                node = node.setdefault(part, {})
            compat = node.setdefault(
                "__compat",
                {
                    "description": FEATURES_BY_NAME[feature].title,
                    "support": {},
                    "status": {"experimental": False, "standard_track": True, "deprecated": False},
                },
            )
            compat["support"][browser] = _bcd_support(family, by_role)
    return {"webassembly": tree}


def _bcd_support(family: dict, by_role: dict[str, dict]) -> object:
    default, flag = by_role.get("default"), by_role.get("flag")
    statements = []
    first = first_of(default)
    if first:
        statement = {"version_added": first}
        if default["status"] == "ranges":
            statement["partial_implementation"] = True
            spans = ", ".join(f"{a}–{b}" for a, b in default["ranges"])
            statement["notes"] = f"Measured passing only in {spans} (wasm-matrix since)."
        statements.append(statement)
    flagged = first_of(flag)
    if flagged and (not first or version_key(flagged) < version_key(first)):
        flags = [
            {"type": "runtime_flag", "name": name}
            for name in flag.get("flags", []) or ["--experimental-wasm-*"]
        ]
        statement = {"version_added": flagged, "flags": flags}
        if first:
            statement["version_removed"] = first
        statements.append(statement)
    if not statements:
        return {"version_added": False}
    return statements[0] if len(statements) == 1 else statements


def validate_bcd_json(data: dict) -> None:
    schema = json.loads(BCD_SCHEMA.read_text("utf-8"))
    jsonschema.Draft7Validator(schema).validate(data)


def load_bcd() -> dict:
    """BCD's data.json from the pinned npm package, fetched once into the cache."""
    folder = cache_dir() / "reference" / f"bcd-{BCD_VERSION}"
    data = folder / "node_modules" / BCD_PACKAGE / "data.json"
    if not data.exists():
        npm_install(folder, [f"{BCD_PACKAGE}@{BCD_VERSION}"])
    return json.loads(data.read_text("utf-8"))


# --- disagreements ---------------------------------------------------------------------------


def disagreements(families: list[dict], bcd: dict | None = None) -> list[dict]:
    """Every feature × family where a published table says otherwise than the measurement."""
    reference = json.loads(REFERENCE.read_text("utf-8"))
    found = []
    for family in families:
        name = tables(family["family"]).webassembly_org
        table = reference["browsers"].get(name, {}).get("features", {}) if name else {}
        browser = tables(family["family"]).mdn
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


def render_disagreements(rows: list[dict]) -> str:
    if not rows:
        return "No disagreements.\n"
    lines = [
        "| family | feature | source | it says | measured | verdict | evidence |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        ours = row["ours"]
        measured = ours["first"] or (f"flag: {ours['flag']}" if ours["flag"] else "–")
        evidence = ", ".join(ours["evidence"])
        lines.append(
            f"| {row['family']} | {row['feature']} | {row['source']} | {row['theirs']} | "
            f"{measured} | {row['verdict']} | {evidence} |"
        )
    return "\n".join(lines) + "\n"
