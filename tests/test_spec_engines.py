"""A fast subset of the real spec test suite on real engines (wasmtime and node), a
script with wrong expectations that must fail where it is wrong, and a suite run through
the command line that writes spec cells into results.jsonl."""

from __future__ import annotations

import json
import shutil
import textwrap

import pytest

from matrix.hosts import HostPool
from matrix.reporting.links import case_page
from matrix.spec.run import SpecCell, SpecRunner

from .helpers import NEWEST, REPO, TESTSUITE, wasm_matrix

ENGINES = [NEWEST, "node-22"]
# Small files that between them use registration, exceptions, v128 values, references,
# NaN patterns and awkward export names.
SUBSET = [
    "linking.wast",
    "throw.wast",
    "simd_lane.wast",
    "ref_null.wast",
    "names.wast",
    "f32_cmp.wast",
]

WRONG = """\
(module
  (func (export "one") (result i32) (i32.const 1))
  (func (export "nan") (result f32) (f32.const nan:0x200000))
  (func (export "boom") unreachable))
(assert_return (invoke "one") (i32.const 1))
(assert_return (invoke "one") (i32.const 2))
(assert_return (invoke "nan") (f32.const nan:canonical))
(assert_trap (invoke "one") "should trap")
(assert_trap (invoke "boom") "unreachable")
(assert_invalid (module (func (result i32) (i32.const 0))) "this one is valid")
"""


@pytest.fixture(scope="module")
def runner():
    spec_runner = SpecRunner(HostPool())
    yield spec_runner
    spec_runner.hosts.close()


@pytest.fixture(params=ENGINES)
def engine(request, provisioned):
    build, _ = provisioned(request.param)
    return build


@pytest.mark.parametrize("name", SUBSET)
def test_real_suite_files_pass(runner, engine, name):
    result = runner.run(SpecCell(TESTSUITE / name, TESTSUITE, engine))
    assert result.outcome == "pass", (result.message, result.failures[:5])
    judged = sum(c["pass"] + c["fail"] for c in result.assertions.values())
    assert judged > 0 and result.failures == []
    if name == "simd_lane.wast":
        # v128 values are judged on every host, the JavaScript ones too (as bits, through
        # the JS core's trampolines): nothing is left unjudged.
        assert result.skips == []


def test_a_wrong_script_fails_where_it_is_wrong(runner, engine, tmp_path):
    script = tmp_path / "wrong.wast"
    script.write_text(WRONG)
    result = runner.run(SpecCell(script, tmp_path, engine))
    assert result.outcome == "fail"
    assert result.case == "wrong.wast" and result.kind == "spec"
    failed = [(f["line"], f["command"]) for f in result.failures]
    # Line 7's signalling NaN is not canonical on any engine: values cross every host
    # exactly, so the JS engines decide it like the others.
    wrong = [(6, "assert_return"), (7, "assert_return"), (8, "assert_trap"), (10, "assert_invalid")]
    assert failed == wrong
    by_line = {f["line"]: f for f in result.failures}
    assert (by_line[6]["expected"], by_line[6]["actual"]) == ("(i32.const 2)", "(i32.const 1)")
    assert result.assertions["assert_trap"]["pass"] == 1


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not on PATH")
def test_a_suite_run_from_the_command_line_writes_spec_cells(tmp_path, provisioned):
    provisioned(NEWEST)
    suite = tmp_path / "suite"
    (suite / "proposals" / "x").mkdir(parents=True)
    shutil.copy(TESTSUITE / "fac.wast", suite / "fac.wast")
    (suite / "proposals" / "x" / "wrong.wast").write_text(textwrap.dedent(WRONG))
    reports = tmp_path / "reports"
    completed = wasm_matrix(
        *("run", "--suite", str(suite), "--engines", NEWEST, "-n", "0"),
        *("--reports", str(reports), "--no-provision"),
        cwd=REPO,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr
    records = [json.loads(line) for line in (reports / "latest" / "results.jsonl").open()]
    by_case = {record["case"]: record for record in records}
    assert set(by_case) == {"fac.wast", "proposals/x/wrong.wast"}
    fac = by_case["fac.wast"]
    assert (fac["kind"], fac["toolchain"], fac["profile"], fac["outcome"]) == (
        "spec",
        "wast",
        "suite",
        "pass",
    )
    assert fac["assertions"]["assert_return"]["pass"] > 0
    assert by_case["proposals/x/wrong.wast"]["outcome"] == "fail"
    summary = (reports / "latest" / "summary.md").read_text()
    assert "## Spec test suite" in summary
    rollup = summary[summary.index("### By proposal folder and feature") :]
    assert "\n| proposals/x | " in rollup  # a row of the roll-up by proposal folder
    page = (reports / "latest" / "site" / case_page("proposals/x/wrong.wast")).read_text()
    assert "<td>6</td><td>assert_return</td>" in page  # the failing assertion and its line


def test_a_build_with_a_feature_switched_off_counts_it_off_not_failed(runner, provisioned):
    from .helpers import OLDER_NO_REFS

    build, _ = provisioned(OLDER_NO_REFS)
    result = runner.run(SpecCell(TESTSUITE / "linking.wast", TESTSUITE, build))
    off = sum(counts["off"] for counts in result.assertions.values())
    passed = sum(counts["pass"] for counts in result.assertions.values())
    assert off > 0 and passed > 0
    assert result.failures == [], result.failures[:3]
    assert result.outcome == "pass" and f"{off} off" in result.message


def test_a_validator_only_engine_judges_modules_and_skips_the_rest(runner, provisioned):
    build, _ = provisioned("wabt-js-1.0.39")
    result = runner.run(SpecCell(TESTSUITE / "i32.wast", TESTSUITE, build))
    assert result.assertions["assert_invalid"]["pass"] > 0
    assert result.assertions["assert_return"]["pass"] == 0
    assert result.assertions["assert_return"]["skip"] > 0
    reasons = {skip["reason"] for skip in result.skips}
    assert "a validator-only engine cannot run code" in reasons


@pytest.mark.parametrize("engine_id", ["chromium-stable", "firefox-esr"])
def test_browsers_run_scripts_in_the_page(runner, provisioned, engine_id):
    build, _ = provisioned(engine_id)
    result = runner.run(SpecCell(TESTSUITE / "linking.wast", TESTSUITE, build))
    if result.outcome == "skip":
        pytest.skip(result.message)  # no browser on this machine
    assert result.outcome == "pass", (result.message, result.failures[:3])
    assert result.assertions["register"]["pass"] > 0


@pytest.mark.parametrize(
    "engine_id", ["wasmer-1.1.0", "pywasm-2.2.3", "jsc-system", "gjs-system", "bun-1.2.23"]
)
def test_other_script_hosts_answer_without_host_errors(runner, provisioned, engine_id):
    build, _ = provisioned(engine_id)
    for name in ("i32.wast", "linking.wast"):
        result = runner.run(SpecCell(TESTSUITE / name, TESTSUITE, build))
        if result.outcome == "skip" and "not available" in result.message:
            pytest.skip(result.message)
        assert result.outcome in ("pass", "fail"), result.message
        assert sum(c["pass"] for c in result.assertions.values()) > 0
        host_errors = [f for f in result.failures if f["message"].startswith("host error")]
        assert host_errors == []


MODULE_IMPORTS = """\
(module (func (export "f") (result i32) (i32.const 7)))
(register "m")
(module $uses (import "m" "f" (func (result i32))) (func (export "g") (result i32) (call 0)))
(assert_return (invoke $uses "g") (i32.const 7))
(module (import "spectest" "print_i32" (func (param i32)))
  (func (export "h") (result i32) (call 0 (i32.const 5)) (i32.const 5)))
(assert_return (invoke "h") (i32.const 5))
"""


def test_wasm3_runs_scripts_and_says_what_it_cannot_link(runner, provisioned, tmp_path):
    build, _ = provisioned("wasm3-0.5.0")
    script = tmp_path / "wrong.wast"
    script.write_text(WRONG)
    result = runner.run(SpecCell(script, tmp_path, build))
    failed = [(f["line"], f["command"]) for f in result.failures]
    # the same lines as every other engine, line 7's NaN included (wasm3 keeps f32 bits)
    assert [line for line in failed if line[0] != 7] == [
        (6, "assert_return"),
        (8, "assert_trap"),
        (10, "assert_invalid"),
    ]
    linking = tmp_path / "linking.wast"
    linking.write_text(MODULE_IMPORTS)
    result = runner.run(SpecCell(linking, tmp_path, build))
    # wasm3 links host functions (spectest's print_i32), not another module's exports:
    # the module importing m.f and the assertion on it are skips with the reason
    assert result.assertions["assert_return"]["pass"] == 1
    assert result.assertions["assert_return"]["skip"] == 1
    assert any("links host functions only" in skip["reason"] for skip in result.skips)
