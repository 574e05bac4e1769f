"""`wasm-matrix diff` of two since searches: a first version that changed is a finding.

Given two folders that hold `since/<family>/since.json` (two nightly reports folders, or
two family folders), every (family, case, configuration) whose first passing release
moved, or whose status changed (a new regression shows as `ranges`), is listed.
"""

from __future__ import annotations

import json
from pathlib import Path

from .reporting.since_text import describe
from .since_report import SINCE_JSON


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


def diff_since(base: dict[str, dict], new: dict[str, dict]) -> list[dict]:
    """Each finding whose answer changed: family, case, configuration, before, after."""
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
                        "before": describe(old),
                        "after": describe(finding),
                    }
                )
    return changes


def render(changes: list[dict]) -> str:
    if not changes:
        return "since: no first version changed"
    lines = [f"since: {len(changes)} first versions changed"]
    lines += [
        f"  {c['family']} · {c['case']} · {c['configuration']}: {c['before']} -> {c['after']}"
        for c in changes
    ]
    return "\n".join(lines)
