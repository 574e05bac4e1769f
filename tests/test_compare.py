"""Measured support against webassembly.org's features.json, and our export in that format."""

from __future__ import annotations

import json

import jsonschema
import pytest

from matrix.analysis.compare import compare, export, load_reference, read_claim
from matrix.records import CellResult
from matrix.reporting.site import write_site
from matrix.results import RESULTS, RUN, read_results

from .helpers import REPO, wasm_matrix

BUNDLED_SCHEMA = REPO / "matrix" / "reference" / "webassembly-features.schema.json"


def probe(family, version, feature, outcome, disabled=()):
    return CellResult.from_record(
        {
            "case": feature,
            "toolchain": "wat",
            "profile": "default",
            "engine": f"{family}-{version}" + (f"[-{disabled[0]}]" if disabled else ""),
            "engine_family": family,
            "engine_version": version,
            "engine_disabled": list(disabled),
            "kind": "probe",
            "features": [feature],
            "outcome": outcome,
        }
    )


REFERENCE = {
    "features": {
        "tailCall": {"description": "Tail calls", "url": "https://x.invalid/t", "phase": 5},
        "gc": {"description": "GC", "url": "https://x.invalid/g", "phase": 5},
        "simd": {"description": "SIMD", "url": "https://x.invalid/s", "phase": 5},
    },
    "browsers": {
        "Node.js": {
            "url": "https://x.invalid/node",
            "category": "Standalone Runtimes",
            "features": {"tailCall": "20.0", "gc": ["22.0", "a <b>note</b>"], "simd": "flag"},
        },
        "Wasmtime": {
            "url": "https://x.invalid/wasmtime",
            "category": "Standalone Runtimes",
            "features": {"tailCall": "22", "gc": "47"},
        },
    },
}
RECORDS = [
    probe("node", "18.20.8", "tail-call", "reject"),
    probe("node", "20.20.2", "tail-call", "pass"),  # agrees with "20.0"
    probe("node", "22.23.3", "gc", "reject"),  # claimed since 22.0: rejected
    probe("node", "24.21.0", "gc", "pass"),
    probe("node", "18.20.8", "simd128", "pass"),  # claimed behind a flag: passes
    probe("node", "24.21.0", "simd128", "pass"),
    probe("node", "24.21.0", "simd128", "reject", disabled=("simd128",)),  # not a version
    probe("wasmtime", "20.0.0", "tail-call", "pass"),  # the host switches it on
    probe("wasmtime", "48.0.0", "tail-call", "pass"),
    probe("wasmtime", "48.0.0", "gc", "pass"),
    probe("jsc", "2.50.6", "gc", "reject"),  # not mapped: never compared
]


def by_key(comparisons):
    return {(c.family, c.feature): c for c in comparisons}


def test_statuses_are_read_as_the_schema_defines_them():
    assert read_claim("17.2").since == "17.2"
    assert read_claim("17.2").covers("17.10") and not read_claim("17.2").covers("16.20.2")
    assert read_claim(True).covers("0.1") is True
    assert read_claim(False).covers("99") is False
    assert read_claim("flag").covers("99") is False
    assert read_claim(["flag", "needs --x"]).note == "needs --x"
    assert read_claim(None).covers("1") is None
    assert read_claim(None, present=False).covers("1") is False  # a missing key means "no"


def test_agreements_and_disagreements():
    found = by_key(compare(RECORDS, REFERENCE))
    assert found["node", "tail-call"].kind == "agrees"
    assert not found["node", "tail-call"].first_differs  # 20.20.2 is in "since 20.0"
    assert found["node", "gc"].kind == "claimed-but-rejected"
    assert found["node", "gc"].versions == ["22.23.3"]
    assert found["node", "gc"].first_differs  # the table: 22.0; measured: first 24.21.0
    assert found["node", "simd128"].kind == "claimed-absent-but-passes"
    assert found["node", "simd128"].versions == ["18.20.8", "24.21.0"]
    assert found["wasmtime", "tail-call"].kind == "passes-when-switched-on"
    assert found["wasmtime", "gc"].kind == "agrees"
    assert not any(c.family == "jsc" for c in found.values())


def test_export_is_valid_against_the_published_schema():
    schema = json.loads(BUNDLED_SCHEMA.read_text())
    exported = export(RECORDS, {"engines": [{"family": "node", "title": "Node.js (V8)"}]})
    jsonschema.validate(exported, schema)
    node = exported["browsers"]["Node.js (V8) (measured by wasm-matrix)"]["features"]
    assert node["tailCall"] == "20.20.2"
    assert node["gc"] == "24.21.0"
    assert node["simd"] == ["18.20.8", "the oldest version measured; support may be older"]
    assert exported["features"]["tailCall"]["phase"] == 5


def test_a_table_that_is_not_features_json_is_refused(tmp_path):
    bad = tmp_path / "t.json"
    bad.write_text('{"rows": []}')
    with pytest.raises(ValueError, match=r"not in features\.json format"):
        load_reference(bad)


def test_the_site_has_a_comparison_page_with_escaped_notes(tmp_path):
    run = tmp_path / "run"
    run.mkdir()
    (run / RESULTS).write_text("".join(json.dumps(r.to_record()) + "\n" for r in RECORDS))
    (run / RUN).write_text("{}")
    reference = tmp_path / "features.json"
    reference.write_text(json.dumps(REFERENCE))
    site = write_site(run, reference_path=reference).parent
    page = (site / "compare.html").read_text()
    assert "claimed supported, but the probes do not pass" in page
    assert "a &lt;b&gt;note&lt;/b&gt;" in page
    jsonschema.validate(
        json.loads((site / "features.json").read_text()), json.loads(BUNDLED_SCHEMA.read_text())
    )


@pytest.mark.engine
def test_real_wasmtime_measurements_against_the_published_table(tmp_path, provisioned):
    for engine in ("wasmtime-20.0.0", "wasmtime-48.0.0"):
        provisioned(engine)
    done = wasm_matrix(
        "run",
        str(REPO / "cases" / "probes"),
        *("--engines", "wasmtime-20.0.0,wasmtime-48.0.0", "-n", "0"),
        cwd=tmp_path,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    run = (tmp_path / "reports" / "latest").resolve()
    records = read_results(run)
    found = by_key(compare(records, load_reference()))
    outcome = {(r.engine_version, r.case): r.outcome for r in records}
    # The table says gc since Wasmtime 47: measured, 20 cannot, 48 can.
    assert (outcome["20.0.0", "gc"], outcome["48.0.0", "gc"]) == ("reject", "pass")
    assert found["wasmtime", "gc"].kind == "agrees"
    # Tail calls: the table says 22 (on by default); 20 runs them once switched on.
    assert outcome["20.0.0", "tail-call"] == "pass"
    assert found["wasmtime", "tail-call"].kind == "passes-when-switched-on"
    done = wasm_matrix("compare", str(run), "--export", "m.json", cwd=tmp_path, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "comparisons" in done.stdout
    schema = json.loads(BUNDLED_SCHEMA.read_text())
    jsonschema.validate(json.loads((tmp_path / "m.json").read_text()), schema)
    assert (run / "site" / "compare.html").exists()
