"""The since findings as data others can use, each validated against its schema.

* `features_json`: webassembly.org's features.json format (one platform per family, each
  feature's first passing release), validated against its vendored schema;
* `bcd_json`: MDN browser-compat-data's format for the `webassembly` tree (`version_added`,
  `flags`, `partial_implementation`, notes) for the families BCD knows (a manifest's
  `tables: mdn`), validated against BCD's vendored compat-data schema.
"""

from __future__ import annotations

import json

import jsonschema

from ..analysis.compare import REFERENCE, family_tables
from ..analysis.since_compare import FEATURE_TO_BCD
from ..analysis.since_findings import first_of, primary_findings
from ..analysis.versions import version_key
from ..profiles import FEATURES_BY_NAME

SCHEMA = REFERENCE.with_name("webassembly-features.schema.json")  # webassembly.org's
BCD_SCHEMA = REFERENCE.with_name("bcd-compat-data.schema.json")


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
            "category": family_tables(family["family"]).category,
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
        browser = family_tables(family["family"]).mdn
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
