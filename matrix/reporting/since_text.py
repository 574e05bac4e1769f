"""How one since finding reads in a table cell (shared by the Markdown table and the site)."""

from __future__ import annotations


def describe(finding: dict) -> str:
    """One table cell: the first release that passes, or what the search saw instead."""
    status = finding["status"]
    if status == "since":
        return f"{finding['first']}"
    if status == "oldest":
        return f"≤ {finding['first']}"
    if status == "never":
        return "–"
    if status == "ranges":
        return " and ".join(f"{a}–{b}" if a != b else a for a, b in finding["ranges"]) + " ⚠"
    return "?"


def cell(findings: list[dict]) -> str:
    """Default and flag configurations in one cell: `24.0.0 (flag: 22.0.0)`."""
    by_role = {f["role"]: f for f in findings}
    default = by_role.get("default")
    flag = by_role.get("flag")
    text = describe(default) if default else "?"
    if flag and flag["status"] in ("since", "oldest", "ranges"):
        flagged = describe(flag)
        if not default or describe(default) != flagged:
            text += f" (flag: {flagged})"
    return text
