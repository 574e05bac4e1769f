"""The since findings as Markdown: one family's table as `wasm-matrix since` prints it,
the table over every family searched (`<reports>/since/since.md`), the disagreements with
the published tables, and what changed between two searches (`wasm-matrix diff`)."""

from __future__ import annotations

from .since_text import cell, describe


def render_family(family: dict) -> str:
    """One family's since.json as a table: case × configuration."""
    budget = family["budget"]
    configurations = [c["name"] for c in family["configurations"]]
    lines = [
        f"## {family['title']}: {budget['releases']} releases of {family['package']} "
        f"({family['registry']}), {budget['visited']} visited, {budget['installed']} installed",
        "",
        "| case | " + " | ".join(configurations) + " |",
        "|---|" + "---|" * len(configurations),
    ]
    by_case: dict[str, dict[str, dict]] = {}
    for finding in family["findings"]:
        by_case.setdefault(finding["case"], {})[finding["configuration"]] = finding
    for case, per in by_case.items():
        cells = [describe(per[name]) if name in per else "?" for name in configurations]
        lines.append(f"| {case} | " + " | ".join(cells) + " |")
    crashing = budget.get("crashing", {})
    if crashing:
        lines += ["", f"Installed, but every module crashes ({len(crashing)}):"]
        lines += [f"- {v}: {reason}" for v, reason in crashing.items()]
    failures = budget["install_failures"]
    if failures:
        lines += ["", f"Not installable here ({len(failures)}):"]
        lines += [f"- {v}: {reason.splitlines()[-1][:200]}" for v, reason in failures.items()]
    return "\n".join(lines) + "\n"


def render_table(families: list[dict]) -> str:
    """Case × family: the first release that passes, as shipped (and behind a flag)."""
    if not families:
        return "No series searched yet: run `wasm-matrix since`.\n"
    cases: dict[str, tuple[str, ...]] = {}
    for family in families:
        for finding in family["findings"]:
            cases.setdefault(finding["case"], tuple(finding["features"]))
    header = "| case | feature | " + " | ".join(f["title"] for f in families) + " |"
    lines = [
        "# Since which version?",
        "",
        "The first release of each series whose cell passes (every result checked); "
        "`(flag: X)`: from X with the release's own switches on; `≤ X`: already in the "
        "oldest release tried; `–`: no release passes; ⚠: not monotonic (the ranges seen "
        "passing). Each entry links to the run of its boundary release.",
        "",
        header,
        "|---|---|" + "---|" * len(families),
    ]
    for case, features in sorted(cases.items(), key=lambda item: (item[1], item[0])):
        row = [case, ", ".join(features)]
        for family in families:
            findings = [f for f in family["findings"] if f["case"] == case]
            text = cell(findings) if findings else ""
            first = next((f["first"] for f in findings if f["role"] == "default"), None)
            if first:
                text = f"[{text}]({family['family']}/{first}/results.jsonl)"
            row.append(text)
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", "| family | releases | visited | installed | not installable | seconds |"]
    lines.append("|---|---|---|---|---|---|")
    for family in families:
        b = family["budget"]
        lines.append(
            f"| {family['title']} | {b['releases']} | {b['visited']} | {b['installed']} | "
            f"{len(b['install_failures'])} | {b['seconds']} |"
        )
    return "\n".join(lines) + "\n"


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


def since_changes_text(changes: list[dict]) -> str:
    """`wasm-matrix diff` of two since searches (analysis.since_findings.diff_since)."""
    if not changes:
        return "since: no first version changed"
    lines = [f"since: {len(changes)} first versions changed"]
    lines += [
        f"  {c['family']} · {c['case']} · {c['configuration']}: "
        f"{describe(c['before'])} -> {describe(c['after'])}"
        for c in changes
    ]
    return "\n".join(lines)
