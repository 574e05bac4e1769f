"""The pytest plugin, run the way users run it: real pytest, real xdist, real engines."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest

from matrix.cases import load_case

from .helpers import NEWEST, NEWEST_NO_REFS, OLDER, OLDER_NO_REFS, REPO

pytestmark = pytest.mark.engine

ENGINES = ",".join([NEWEST, NEWEST_NO_REFS, OLDER, OLDER_NO_REFS])
PREDATE_REFERENCE_TYPES = [
    "sign-ext",
    "multivalue",
    "bulk-memory",
    "nontrapping-fptoint",
    "simd128",
    "mutable-globals",
    "mvp",
]
NEED_REFERENCE_TYPES = ["call-indirect-overlong", "reference-types", "gc", "exceptions"]


def results(folder: Path) -> list[dict]:
    run = folder / "latest"
    return [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]


# The features Wasmtime 48 and 50 have (and wasmtime-py switches on): their probes pass.
WASMTIME_HAS = {
    *("mvp", "mutable-globals", "sign-ext", "nontrapping-fptoint", "multivalue", "bulk-memory"),
    *("reference-types", "call-indirect-overlong", "simd128", "tail-call", "extended-const"),
    *("exceptions", "gc", "memory64", "threads", "multi-memory", "relaxed-simd"),
    "function-references",
}


@pytest.fixture
def probes(provisioned) -> list[str]:
    for engine in ENGINES.split(","):
        provisioned(engine)
    return sorted(path.stem for path in (REPO / "cases" / "probes").glob("*.yaml"))


def module_probes_of(features: set[str]) -> list[str]:
    """Probes without a JS-API part whose features are all in `features`."""
    found = []
    for path in sorted((REPO / "cases" / "probes").glob("*.yaml")):
        case = load_case(path)
        if case.js is None and set(case.features) <= features:
            found.append(case.name)
    return found


def test_probe_matrix_under_xdist_measures_what_each_engine_supports(pytester, probes):
    shutil.copytree(REPO / "cases" / "probes", pytester.path / "probes")
    outcome = pytester.runpytest_subprocess(
        "probes",
        "--wasm-matrix",
        "--matrix-engines",
        ENGINES,
        "-n",
        "2",
        "--matrix-reports",
        "reports",
        "-p",
        "no:cacheprovider",
        "--junitxml",
        "junit.xml",
    )
    records = results(pytester.path / "reports")
    cells = Counter((r["case"], r["engine"]) for r in records)
    # Every cell exactly once, none lost, none doubled, across two workers.
    assert set(cells) == {(p, e) for p in probes for e in ENGINES.split(",")}
    assert set(cells.values()) == {1}
    by_cell = {(r["case"], r["engine"]): r for r in records}

    shipped = module_probes_of(WASMTIME_HAS)
    assert len(shipped) == 19  # the 17 first probes, function references, memory64 tables
    for probe in shipped:
        assert by_cell[(probe, NEWEST)]["outcome"] == "pass", by_cell[(probe, NEWEST)]
        assert by_cell[(probe, OLDER)]["outcome"] == "pass", by_cell[(probe, OLDER)]
    for probe in probes:
        record = by_cell[(probe, NEWEST_NO_REFS)]
        if load_case(REPO / "cases" / "probes" / f"{probe}.yaml").js is not None:
            # JS-API probes never reach a host without JavaScript: a skip, with the reason.
            assert record["outcome"] == "skip" and "JavaScript host" in record["message"]
            continue
        # Wasmtime 49+ aborts when reference-types is switched off: a crash, not a dead run.
        assert record["outcome"] == "crash" and "SIGABRT" in record["message"]
    for probe in PREDATE_REFERENCE_TYPES:
        assert by_cell[(probe, OLDER_NO_REFS)]["outcome"] == "pass", by_cell[(probe, OLDER_NO_REFS)]
    for probe in NEED_REFERENCE_TYPES:
        rejected = by_cell[(probe, OLDER_NO_REFS)]
        assert rejected["outcome"] == "reject", rejected
        assert rejected["message"]
    overlong = by_cell[("call-indirect-overlong", OLDER_NO_REFS)]
    assert "zero byte expected" in overlong["message"]
    # The scanner says why: the module needs the overlong index, nothing else.
    assert overlong["module_uses"] == ["call-indirect-overlong"]
    assert by_cell[("sign-ext", NEWEST)]["module_uses"] == ["sign-ext"]

    # pytest's own view agrees: non-pass cells are failures, the rest pass.
    skipped = sum(1 for r in records if r["outcome"] == "skip")
    failing = sum(1 for r in records if r["outcome"] not in ("pass", "skip"))
    outcome.assert_outcomes(
        passed=len(records) - failing - skipped, failed=failing, skipped=skipped
    )
    junit = ET.parse(pytester.path / "junit.xml").getroot()
    assert int(junit.find("testsuite").get("tests")) == len(records)
    summary = (pytester.path / "reports" / "latest" / "summary.md").read_text()
    assert "call-indirect-overlong = referenceTypes" in summary
    run = json.loads((pytester.path / "reports" / "latest" / "run.json").read_text())
    assert run["cells_planned"] == len(records) and run["finished_at"]
    versions = {engine["id"]: engine["handshake"]["version"] for engine in run["engines"]}
    assert versions[OLDER] == "48.0.0" and versions[NEWEST] == "50.0.1"
    # The handshakes are the workers' hosts' own; a build whose host cannot start is
    # described once more at the end, with why.
    no_refs = next(engine for engine in run["engines"] if engine["id"] == NEWEST_NO_REFS)
    assert "SIGABRT" in no_refs["start_error"]
    older_no_refs = next(engine for engine in run["engines"] if engine["id"] == OLDER_NO_REFS)
    assert older_no_refs["handshake"]["features"]["reference-types"] is False
    # The cells were dealt by engine build: every cell ran on one of the two workers, and
    # no build's host was started on both unless a worker ran dry and took some of its cells.
    workers = run["schedule"]["workers"]
    assert sum(worker["cells"] for worker in workers.values()) == len(records)
    assert sum(worker["builds"] for worker in workers.values()) <= len(ENGINES.split(",")) + 2


def test_a_bad_case_is_one_error_and_the_others_still_run(pytester, provisioned):
    provisioned(NEWEST)
    pytester.makefile(
        ".yaml",
        good="""
        kind: program
        module: {wat: '(module (func (export "one") (result i32) i32.const 1))'}
        calls:
          - {invoke: one, expect: [i32:1]}
        """,
    )
    pytester.makefile(
        ".yaml",
        bad="""
        kind: program
        module: {wat: '(module)'}
        calls:
          - {invoke: one, args: [i32:one]}
        """,
    )
    outcome = pytester.runpytest_subprocess(
        ".",
        "--wasm-matrix",
        "--matrix-engines",
        NEWEST,
        "--matrix-reports",
        "reports",
        "-p",
        "no:cacheprovider",
    )
    outcome.assert_outcomes(passed=1, failed=1)
    assert "bad.yaml:4: field 'calls[0].args[0]': not an integer" in outcome.stdout.str()
    by_case = {r["case"]: r for r in results(pytester.path / "reports")}
    assert by_case["good"]["outcome"] == "pass"
    assert by_case["bad"]["outcome"] == "error"
    assert "calls[0].args[0]" in by_case["bad"]["message"]


def test_k_and_markers_select_cells(pytester, provisioned):
    provisioned(NEWEST)
    provisioned(OLDER)
    for name in ("sign-ext", "simd128"):
        shutil.copy(REPO / "cases" / "probes" / f"{name}.yaml", pytester.path)
    common = [
        "--wasm-matrix",
        "--matrix-engines",
        f"{NEWEST},{OLDER}",
        "--matrix-reports",
        "reports",
        "-p",
        "no:cacheprovider",
        "--collect-only",
        "-q",
    ]
    by_k = pytester.runpytest_subprocess(".", "-k", "simd128 and 48", *common)
    by_k.stdout.fnmatch_lines(["simd128.yaml::wat/default/wasmtime-48.0.0"])
    assert "sign-ext.yaml::" not in by_k.stdout.str()
    by_marker = pytester.runpytest_subprocess(".", "-m", "sign-ext", *common)
    collected = [line for line in by_marker.stdout.lines if "::" in line]
    assert sorted(collected) == [
        "sign-ext.yaml::wat/default/wasmtime-48.0.0",
        "sign-ext.yaml::wat/default/wasmtime-50.0.1",
    ]


def test_plugin_stays_out_of_the_way_unless_asked(pytester):
    pytester.makefile(".yaml", stray="just: some yaml")
    pytester.makepyfile(test_plain="def test_ok():\n    assert 1 + 1 == 2\n")
    outcome = pytester.runpytest_subprocess("-p", "no:cacheprovider")
    outcome.assert_outcomes(passed=1)
    assert not (pytester.path / "reports").exists()


def test_case_tags_are_registered_markers(pytester, provisioned):
    provisioned(NEWEST)
    pytester.makefile(
        ".yaml",
        tagged="""
        kind: probe
        tags: [smoke]
        module: {wat: '(module)'}
        """,
    )
    pytester.makefile(
        ".yaml",
        untagged="""
        kind: probe
        module: {wat: '(module)'}
        """,
    )
    outcome = pytester.runpytest_subprocess(
        ".",
        "--wasm-matrix",
        "--matrix-engines",
        NEWEST,
        "--matrix-reports",
        "reports",
        "-p",
        "no:cacheprovider",
        "--strict-markers",
        "-m",
        "smoke",
        "--collect-only",
        "-q",
    )
    assert outcome.ret == 0, outcome.stdout.str()
    assert [line for line in outcome.stdout.lines if "::" in line] == [
        f"tagged.yaml::wat/default/{NEWEST}"
    ]


TOOLCHAIN_SPY = """
from matrix.toolchains import all_toolchains


def spy(name):
    def provision(system, log):  # (they are installed here already)
        with open("provisioned.txt", "a") as file:
            file.write(name + "\\n")

    return provision


for name, toolchain in all_toolchains().items():  # the instances every caller gets
    toolchain.provision = spy(name)
"""


@pytest.mark.parametrize("workers", [["-p", "no:xdist"], ["-n", "2"]])
def test_the_toolchains_provisioned_are_those_the_collected_cells_name(
    pytester, provisioned, workers
):
    provisioned(NEWEST)
    pytester.makeconftest(TOOLCHAIN_SPY)
    (pytester.path / "checks").mkdir()
    (pytester.path / "checks" / "one.yaml").write_text(
        "module: {wat: '(module (func (export \"one\") (result i32) i32.const 1))'}\n"
        "calls:\n  - {invoke: one, expect: [i32:1]}\n"
    )
    (pytester.path / "checks" / "two.c").write_text(
        '__attribute__((export_name("two"))) int two(void) { return 2; }\n'
    )
    (pytester.path / "checks" / "two.yaml").write_text(
        "module: {files: [two.c]}\ncalls:\n  - {invoke: two, expect: [i32:2]}\n"
    )
    outcome = pytester.runpytest_subprocess(
        "checks",
        "--wasm-matrix",
        "--matrix-engines",
        NEWEST,
        "-k",
        "wat or clang-19",
        "--matrix-reports",
        "reports",
        "-p",
        "no:cacheprovider",
        *workers,
    )
    assert outcome.ret == 0, outcome.stdout.str()
    # Once, in the controlling process: what -k left, nothing else (side by side: any order).
    assert sorted((pytester.path / "provisioned.txt").read_text().split()) == ["clang-19", "wat"]
