"""Every verdict true, on real engines: what was seen to pass wrongly (issue "Every verdict
true") now ends as what it is.

- a validator's answer is `valid`, never `pass`, whatever the calls expect;
- a NaN's payload is judged exactly through every JavaScript host (nan:0x4 is not
  nan:canonical on node, bun, jsc, gjs, Firefox and Chromium), and so are signalling NaNs;
- a trap is held to its kind: an integer overflow is not stack exhaustion;
- a function that an engine compiles only when called and cannot compile is a `reject`,
  never a trap;
- in spec scripts, a wrong answer with a NaN argument is a failure on JS hosts (no skip),
  v128 results are judged there, `assert_exhaustion` wants stack exhaustion, and "off"
  covers only the module a switched-off feature kept out.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from .helpers import OLDER_NO_REFS, wasm_matrix

pytestmark = pytest.mark.engine

JS = ["node-24", "node-system", "bun-1.4.5", "jsc-system", "gjs-system"]
BROWSERS = ["firefox-esr", "chromium-stable"]
VALIDATORS = ["binaryen-js-132.0.0", "wabt-js-1.0.39"]
EXECUTING = ["wasmtime-50.0.1", "wasm3-0.5.0", *JS, *BROWSERS]

CASES = {
    "wrong-integer": """
        module:
          wat: '(module (func (export "f") (result i64) (i64.const 0x7fffffffffffffff)))'
        calls:
          - invoke: f
            expect: [i64:0x7ffffffffffffffe]
    """,
    "nan4-is-not-canonical": """
        module:
          wat: '(module (func (export "f") (result f64) (f64.const nan:0x4)))'
        calls:
          - invoke: f
            expect: [f64:nan:canonical]
    """,
    "nan4-exact": """
        module:
          wat: '(module (func (export "f") (result f64) (f64.const nan:0x4)))'
        calls:
          - invoke: f
            expect: [f64:nan:0x4]
    """,
    "signalling-f32-round-trip": """
        module:
          wat: '(module (func (export "f") (param f32) (result f32) (local.get 0)))'
        calls:
          - invoke: f
            args: [f32:nan:0x200001]
            expect: [f32:nan:0x200001]
    """,
    "overflow-is-not-exhaustion": """
        module:
          wat: |
            (module (func (export "f") (result i32)
              (i32.div_s (i32.const 0x80000000) (i32.const -1))))
        calls:
          - invoke: f
            trap: call stack exhausted
    """,
    "lazily-compiled-callee": """
        module:
          wat: |
            (module
              (func $g (result i32) (ref.is_null (ref.null func)))
              (func (export "f") (result i32) (call $g)))
        calls:
          - invoke: f
            trap: unreachable
    """,
}


def run_cases(tmp_path: Path, engines: list[str]) -> dict[tuple[str, str], dict]:
    folder = tmp_path / "cases"
    folder.mkdir()
    for name, text in CASES.items():
        (folder / f"{name}.yaml").write_text(textwrap.dedent(text).lstrip(), "utf-8")
    done = wasm_matrix(
        "run",
        str(folder),
        "--engines",
        ",".join(engines),
        "--reports",
        str(tmp_path / "reports"),
        "-n",
        "2",
        cwd=tmp_path,
    )
    results = tmp_path / "reports" / "latest" / "results.jsonl"
    assert results.exists(), done.stdout + done.stderr
    records = [json.loads(line) for line in results.read_text().splitlines()]
    return {(record["case"], record["engine"]): record for record in records}


@pytest.fixture(scope="module")
def cells(tmp_path_factory) -> dict[tuple[str, str], dict]:
    return run_cases(tmp_path_factory.mktemp("verdicts"), [*EXECUTING, *VALIDATORS])


def outcome(cells, case: str, engine: str) -> str:
    record = cells[(case, engine)]
    if record["outcome"] == "skip" and "not available" in record["message"]:
        pytest.skip(record["message"])
    return record["outcome"]


@pytest.mark.parametrize("engine", VALIDATORS)
def test_a_validator_never_passes_a_program_it_did_not_run(cells, engine):
    record = cells[("wrong-integer", engine)]
    assert outcome(cells, "wrong-integer", engine) == "valid"
    assert record["executes"] is False
    assert "nothing was executed" in record["message"]


@pytest.mark.parametrize("engine", [*JS, *BROWSERS])
def test_nan4_is_not_nan_canonical_through_javascript(cells, engine):
    assert outcome(cells, "nan4-is-not-canonical", engine) == "fail"
    assert "f64:nan:0x4" in cells[("nan4-is-not-canonical", engine)]["message"]
    # Not a mere failure to carry NaNs: the payload arrives exactly.
    assert outcome(cells, "nan4-exact", engine) == "pass"


@pytest.mark.parametrize("engine", [*JS, *BROWSERS, "wasmtime-50.0.1"])
def test_a_signalling_nan_crosses_exactly(cells, engine):
    assert outcome(cells, "signalling-f32-round-trip", engine) == "pass"


def test_a_host_that_would_quiet_a_signalling_nan_says_it_cannot_measure_it(cells):
    record = cells[("signalling-f32-round-trip", "wasm3-0.5.0")]
    assert outcome(cells, "signalling-f32-round-trip", "wasm3-0.5.0") == "skip"
    assert "signalling NaN" in record["message"]


@pytest.mark.parametrize("engine", EXECUTING)
def test_an_integer_overflow_is_not_stack_exhaustion(cells, engine):
    record = cells[("overflow-is-not-exhaustion", engine)]
    assert outcome(cells, "overflow-is-not-exhaustion", engine) == "fail"
    assert "integer overflow" in record["message"]


def test_a_function_compiled_when_called_is_a_reject_not_a_trap(cells):
    record = cells[("lazily-compiled-callee", "wasm3-0.5.0")]
    assert outcome(cells, "lazily-compiled-callee", "wasm3-0.5.0") == "reject"
    assert "when called" in record["message"]


# --- spec scripts ---------------------------------------------------------------------

SCRIPT = """\
(module
  (func (export "zero") (param f32) (result f32) (f32.const 0))
  (func (export "lanes") (result v128) (v128.const i32x4 1 2 3 4))
  (func (export "overflow") (result i32) (i32.div_s (i32.const 0x80000000) (i32.const -1)))
  (func $loop (export "loop") (call $loop)))
(assert_return (invoke "zero" (f32.const nan:0x200000)) (f32.const nan:0x200000))
(assert_return (invoke "lanes") (v128.const i32x4 1 2 3 4))
(assert_exhaustion (invoke "overflow") "call stack exhausted")
(assert_exhaustion (invoke "loop") "call stack exhausted")
"""


def run_suite(tmp_path: Path, script: str, engines: list[str]) -> dict[str, dict]:
    (tmp_path / "s.wast").write_text(script, "utf-8")
    wasm_matrix(
        "run",
        "--suite",
        str(tmp_path / "s.wast"),
        "--engines",
        ",".join(engines),
        "--reports",
        str(tmp_path / "reports"),
        "-n",
        "0",
        cwd=tmp_path,
    )
    lines = (tmp_path / "reports" / "latest" / "results.jsonl").read_text().splitlines()
    return {record["engine"]: record for record in map(json.loads, lines)}


@pytest.mark.parametrize("engine", ["node-24", "bun-1.4.5", "gjs-system", "wasmtime-50.0.1"])
def test_spec_judges_nan_arguments_v128_and_exhaustion_exactly(tmp_path, engine):
    record = run_suite(tmp_path, SCRIPT, [engine])[engine]
    if record["outcome"] == "skip":
        pytest.skip(record["message"])
    failed = {failure["line"]: failure for failure in record["failures"]}
    assert sorted(failed) == [6, 8], record["failures"]  # the wrong answer, the overflow
    assert "integer overflow" in failed[8]["actual"]
    assert record["assertions"]["assert_return"] == {"pass": 1, "fail": 1, "skip": 0, "off": 0}
    assert record["assertions"]["assert_exhaustion"]["pass"] == 1


OFF_SCRIPT = """\
(module $R (func (export "r") (result externref) (ref.null extern)))
(assert_return (invoke $R "r") (ref.null extern))
(module $G (func (export "g") (result i32) (i32.const 1)))
(assert_return (invoke "missing") (i32.const 1))
"""


def test_off_stops_at_the_next_module_that_loads(tmp_path):
    record = run_suite(tmp_path, OFF_SCRIPT, [OLDER_NO_REFS])[OLDER_NO_REFS]
    if record["outcome"] == "skip":
        pytest.skip(record["message"])
    counts = record["assertions"]
    assert counts["module"]["off"] == 1 and counts["module"]["pass"] == 1
    # The call on $R is off; the call on $G, which loaded, is a real failure.
    assert counts["assert_return"] == {"pass": 0, "fail": 1, "skip": 0, "off": 1}
    assert [failure["line"] for failure in record["failures"]] == [4]
