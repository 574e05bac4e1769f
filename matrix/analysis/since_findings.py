"""Since findings as `wasm-matrix since` stores them, read back and compared.

Each searched family leaves `<reports>/since/<family>/since.json` (matrix/since_command.py
writes it): the series, what the search cost, and one finding per (case, configuration).
Here they are read, the finding for each feature picked out, and two searches compared:
a first version that moved is a finding of `wasm-matrix diff`.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..profiles import FEATURES_BY_NAME

SINCE_JSON = "since.json"


def read_all(reports: Path) -> list[dict]:
    """Every family's since.json under the reports folder."""
    found = []
    for path in sorted((reports / "since").glob(f"*/{SINCE_JSON}")):
        try:
            found.append(json.loads(path.read_text("utf-8")))
        except (OSError, ValueError):
            continue
    return found


def since_files(folder: Path) -> dict[str, dict]:
    """family -> since.json data, for a family folder or a reports folder."""
    if (folder / SINCE_JSON).exists():
        paths = [folder / SINCE_JSON]
    else:
        paths = sorted((folder / "since").glob(f"*/{SINCE_JSON}")) or sorted(
            folder.glob(f"*/{SINCE_JSON}")
        )
    found = {}
    for path in paths:
        data = json.loads(path.read_text("utf-8"))
        found[data["family"]] = data
    return found


def is_since_folder(folder: Path) -> bool:
    return bool(since_files(folder))


def primary_findings(family: dict) -> dict[str, dict[str, dict]]:
    """feature -> role -> finding, from the probe named after the feature."""
    found: dict[str, dict[str, dict]] = {}
    for finding in family["findings"]:
        if finding["case"] in FEATURES_BY_NAME:
            found.setdefault(finding["case"], {})[finding["role"]] = finding
    return found


def first_of(finding: dict | None) -> str | None:
    """The release a finding says the feature works from (the last range's start when the
    series is not monotonic), or None."""
    if finding and finding["status"] in ("since", "oldest"):
        return finding["first"]
    if finding and finding["status"] == "ranges":
        return finding["ranges"][-1][0]  # supported since the start of the last range
    return None


def diff_since(base: dict[str, dict], new: dict[str, dict]) -> list[dict]:
    """Each finding whose answer changed: family, case, configuration, and the finding
    before and after."""
    changes = []
    for family in sorted(set(base) & set(new)):
        before = {(f["case"], f["configuration"]): f for f in base[family]["findings"]}
        for finding in new[family]["findings"]:
            key = (finding["case"], finding["configuration"])
            old = before.get(key)
            if old is None:
                continue
            if (old["status"], old["first"], old["ranges"]) != (
                finding["status"],
                finding["first"],
                finding["ranges"],
            ):
                changes.append(
                    {
                        "family": family,
                        "case": finding["case"],
                        "configuration": finding["configuration"],
                        "before": old,
                        "after": finding,
                    }
                )
    return changes
