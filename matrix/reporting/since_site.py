"""The since pages: the table, each family's series chart, the disagreements with the
published tables, and an evidence page per finding (its boundary cells), written to
`<reports>/since/site/`."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from ..records import CellResult
from ..results import read_results
from .since_text import cell as table_cell
from .since_text import describe
from .site import _environment

SITE = "site"


def evidence_page(family: str, finding: dict) -> str:
    name = f"{family}-{finding['case']}-{finding['configuration']}"
    return "evidence/" + re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".html"


def write_since_site(reports: Path, families: list[dict], disagreements: list | None) -> Path:
    site = reports / "since" / SITE
    if site.exists():
        shutil.rmtree(site)
    (site / "evidence").mkdir(parents=True)
    environment = _environment()
    common = {"run_name": "since", "nav": [("index.html", "Since which version?")]}
    rows = _rows(families)
    charts = {family["family"]: _charts(family) for family in families}
    text = environment.get_template("since.html.j2").render(
        **common,
        root="",
        page="index.html",
        title="Since which version?",
        families=families,
        rows=rows,
        charts=charts,
        disagreements=disagreements,
    )
    (site / "index.html").write_text(text, "utf-8")
    template = environment.get_template("since_evidence.html.j2")
    for family in families:
        for finding in family["findings"]:
            boundary = [
                (version, _record(reports, family, finding, version))
                for version in (finding.get("last_failing"), finding.get("first"))
                if version
            ]
            text = template.render(
                **common,
                root="../",
                page=evidence_page(family["family"], finding),
                title=f"{finding['case']} · {family['title']} · {finding['configuration']}",
                family=family,
                finding=finding,
                verdict=describe(finding),
                boundary=boundary,
            )
            (site / evidence_page(family["family"], finding)).write_text(text, "utf-8")
    return site / "index.html"


def _rows(families: list[dict]) -> list[dict]:
    cases: dict[str, list[str]] = {}
    for family in families:
        for finding in family["findings"]:
            cases.setdefault(finding["case"], finding["features"])
    rows = []
    for case, features in sorted(cases.items(), key=lambda item: (item[1], item[0])):
        entries = []
        for family in families:
            findings = [f for f in family["findings"] if f["case"] == case]
            default = next((f for f in findings if f["role"] == "default"), None)
            entries.append(
                {
                    "text": table_cell(findings) if findings else "",
                    "page": evidence_page(family["family"], default) if default else None,
                    "css": _css(default),
                }
            )
        rows.append({"case": case, "features": ", ".join(features), "entries": entries})
    return rows


def _css(finding: dict | None) -> str:
    if finding is None:
        return ""
    return {"since": "o-pass", "oldest": "o-pass", "never": "o-reject", "ranges": "o-fail"}.get(
        finding["status"], "o-skip"
    )


def _charts(family: dict) -> list[dict]:
    versions = family.get("visited", [])
    charts = []
    for configuration in family["configurations"]:
        findings = [f for f in family["findings"] if f["configuration"] == configuration["name"]]
        rows = [(f["case"], [f["seen"].get(v) for v in versions]) for f in findings]
        charts.append({"configuration": configuration["name"], "versions": versions, "rows": rows})
    return charts


def _record(reports: Path, family: dict, finding: dict, version: str) -> CellResult | None:
    folder = reports / "since" / family["family"] / version
    for record in read_results(folder) if folder.exists() else []:
        if (
            record.case == finding["case"]
            and _configuration(record, family) == finding["configuration"]
        ):
            return record
    return None


def _configuration(record: CellResult, family: dict) -> str:
    label = re.search(r"\[([^\]]+)\]$", record.engine)
    by_label = {c["label"]: c["name"] for c in family["configurations"]}
    return by_label.get(label.group(1) if label else None, "")
