"""judge(): a host's answer (engines/protocol.md) against what the case expects: values bit
for bit, traps by kind, validators never a pass, and what is not a trap never a trap."""

import pytest

from matrix.cases import load_case
from matrix.judging import Verdict
from matrix.outcomes import Outcome
from matrix.protocol import RunAnswer
from matrix.values import parse_value
from matrix.verdict import judge as judge_answer


def judge(case, answer: dict, validator_only: bool = False) -> Verdict:
    """The verdict on an answer as a host sends it (outside the schema too: not checked)."""
    return judge_answer(case, RunAnswer.from_wire(answer, check_schema=False), validator_only)


PROGRAM = """\
module:
  wat: "(module)"
calls:
  - invoke: add
    args: [i32:2, i32:3]
    expect: [i32:5]
  - invoke: half
    args: [f64:1]
    expect: [f64:0.5]
  - invoke: div
    args: [i32:1, i32:0]
    trap: integer divide by zero
"""

MUST_REJECT = """\
kind: probe
valid: false
module:
  hex: 0061736d02000000
"""

PROBE_WITHOUT_CALLS = """\
kind: probe
module:
  wat: "(module)"
"""


@pytest.fixture
def case_from(tmp_path):
    def load(text):
        path = tmp_path / "case.yaml"
        path.write_text(text, "utf-8")
        return load_case(path)

    return load


@pytest.fixture
def program(case_from):
    return case_from(PROGRAM)


def returned(*texts):
    return {"status": "return", "values": [parse_value(text).to_wire() for text in texts]}


def trapped(message="integer divide by zero", kinds=("integer divide by zero",)):
    return {"status": "trap", "message": message, "kinds": list(kinds)}


def ran(*calls):
    return {"status": "ran", "calls": list(calls)}


def test_right_values_and_expected_trap_pass(program):
    verdict = judge(program, ran(returned("i32:5"), returned("f64:0.5"), trapped()))
    assert verdict.outcome == Outcome.PASS
    assert verdict.message == "3 calls as expected"


def test_probe_without_calls_passes_when_it_instantiates(case_from):
    verdict = judge(case_from(PROBE_WITHOUT_CALLS), ran())
    assert verdict.outcome == Outcome.PASS
    assert verdict.message == "validated and instantiated"


def test_reject_is_reject(program):
    answer = {"status": "reject", "stage": "compile", "message": "unknown opcode 0xfc\n"}
    verdict = judge(program, answer)
    assert verdict.outcome == Outcome.REJECT
    assert verdict.message == "compile: unknown opcode 0xfc"


def test_reject_passes_when_the_case_must_be_rejected(case_from):
    answer = {"status": "reject", "stage": "compile", "message": "bad version"}
    verdict = judge(case_from(MUST_REJECT), answer)
    assert verdict.outcome == Outcome.PASS
    assert "bad version" in verdict.message


def test_accepting_a_module_that_must_be_rejected_fails(case_from):
    verdict = judge(case_from(MUST_REJECT), ran())
    assert verdict.outcome == Outcome.FAIL
    assert "accepted a module that must be rejected" in verdict.message


def test_wrong_value_fails_naming_the_call_and_both_values(program):
    verdict = judge(program, ran(returned("i32:5"), returned("f64:-0.5"), trapped()))
    assert verdict.outcome == Outcome.FAIL
    assert verdict.message == "half(f64:1.0) returned f64:-0.5; expected f64:0.5"


def test_wrong_type_fails(program):
    verdict = judge(program, ran(returned("i64:5"), returned("f64:0.5"), trapped()))
    assert verdict.outcome == Outcome.FAIL
    assert verdict.message == "add(i32:2, i32:3) returned i64:5; expected i32:5"


def test_wrong_number_of_results_fails(program):
    verdict = judge(program, ran(returned("i32:5", "i32:0"), returned("f64:0.5"), trapped()))
    assert verdict.outcome == Outcome.FAIL
    assert "returned i32:5, i32:0; expected i32:5" in verdict.message
    verdict = judge(program, ran(returned(), returned("f64:0.5"), trapped()))
    assert verdict.outcome == Outcome.FAIL
    assert "returned nothing; expected i32:5" in verdict.message


def test_first_failing_call_decides(program):
    verdict = judge(program, ran(returned("i32:6"), returned("f64:7"), trapped()))
    assert verdict.message.startswith("add(i32:2, i32:3)")


def test_unexpected_trap_is_trap(program):
    verdict = judge(program, ran(trapped("unreachable executed\n"), returned("f64:0.5"), trapped()))
    assert verdict.outcome == Outcome.TRAP
    assert verdict.message == "add(i32:2, i32:3) trapped: unreachable executed"


def test_expected_trap_that_returned_is_trap(program):
    verdict = judge(program, ran(returned("i32:5"), returned("f64:0.5"), returned("i32:0")))
    assert verdict.outcome == Outcome.TRAP
    assert verdict.message == (
        "div(i32:1, i32:0) returned i32:0; expected a trap (integer divide by zero)"
    )


def test_call_error_fails(program):
    error = {"status": "error", "message": "no export named 'add'"}
    verdict = judge(program, ran(error, returned("f64:0.5"), trapped()))
    assert verdict.outcome == Outcome.FAIL
    assert verdict.message == "add(i32:2, i32:3): no export named 'add'"


def test_call_count_mismatch_is_an_error(program):
    verdict = judge(program, ran(returned("i32:5")))
    assert verdict.outcome == Outcome.ERROR
    assert verdict.message == "the host answered 1 calls, the case made 3"


def test_host_error_is_an_error(program):
    verdict = judge(program, {"status": "error", "message": "engine panicked"})
    assert verdict.outcome == Outcome.ERROR
    assert "engine panicked" in verdict.message


@pytest.mark.parametrize("answer", [{}, {"status": "stopped"}, {"seq": 3}])
def test_answer_that_is_not_a_run_answer_is_an_error(program, answer):
    verdict = judge(program, answer)
    assert verdict.outcome == Outcome.ERROR
    assert "unexpected answer from the host" in verdict.message


@pytest.mark.parametrize(
    "bad_value",
    [{"type": "v129", "value": "0"}, {"type": "i32", "value": "-1"}, {"type": "i32"}],
)
def test_bad_value_from_the_host_is_an_error(program, bad_value):
    answer = ran({"status": "return", "values": [bad_value]}, returned("f64:0.5"), trapped())
    verdict = judge(program, answer)
    assert verdict.outcome == Outcome.ERROR
    assert verdict.message.startswith("add(i32:2, i32:3): the host returned a bad value")


def test_unknown_call_status_is_an_error(program):
    verdict = judge(program, ran({"status": "maybe"}, returned("f64:0.5"), trapped()))
    assert verdict.outcome == Outcome.ERROR
    assert "unexpected call answer" in verdict.message


def test_nan_expectations(case_from):
    case = case_from(
        """\
module:
  wat: "(module)"
calls:
  - invoke: nan
    expect: [f32:nan:canonical]
"""
    )
    canonical = {"type": "f32", "value": str(0xFFC0_0000)}  # negative canonical NaN
    payload = {"type": "f32", "value": str(0x7FC0_0001)}
    assert judge(case, ran({"status": "return", "values": [canonical]})).outcome == Outcome.PASS
    verdict = judge(case, ran({"status": "return", "values": [payload]}))
    assert verdict.outcome == Outcome.FAIL
    assert verdict.message == "nan() returned f32:nan:0x400001; expected f32:nan:canonical"


def test_a_validator_saying_valid_is_valid_never_a_pass(case_from):
    verdict = judge(case_from(PROGRAM), {"status": "valid"}, validator_only=True)
    assert verdict.outcome == Outcome.VALID
    assert "nothing was executed" in verdict.message
    refused = {"status": "reject", "stage": "compile", "message": "simd off"}
    assert judge(case_from(PROGRAM), refused, validator_only=True).outcome == Outcome.INVALID
    assert judge(case_from(MUST_REJECT), refused, validator_only=True).outcome == Outcome.INVALID


def test_a_validator_accepting_a_module_that_must_be_rejected_is_a_fail(case_from):
    verdict = judge(case_from(MUST_REJECT), {"status": "valid"})
    assert verdict.outcome == Outcome.FAIL


def test_a_trap_of_another_kind_fails_with_both_kinds(program):
    overflow = trapped("integer overflow", kinds=("integer overflow",))
    verdict = judge(program, ran(returned("i32:5"), returned("f64:0.5"), overflow))
    assert verdict.outcome == Outcome.FAIL
    assert "trapped with integer overflow, expected integer divide by zero" in verdict.message


def test_a_trap_the_engine_gives_no_kind_passes_and_is_counted_apart(program):
    unknown = trapped("RuntimeError: something", kinds=())
    verdict = judge(program, ran(returned("i32:5"), returned("f64:0.5"), unknown))
    assert (verdict.outcome, verdict.unobserved) == (Outcome.PASS, 1)
    assert "trap kind not observable on this engine" in verdict.message
    alike = trapped(kinds=("integer divide by zero", "integer overflow"))
    verdict = judge(program, ran(returned("i32:5"), returned("f64:0.5"), alike))
    assert (verdict.outcome, verdict.unobserved) == (Outcome.PASS, 1)
    verdict = judge(program, ran(returned("i32:5"), returned("f64:0.5"), trapped()))
    assert (verdict.outcome, verdict.unobserved, verdict.message) == (
        Outcome.PASS,
        0,
        "3 calls as expected",
    )


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ({"status": "fault", "message": "pywasm: KeyError"}, Outcome.CRASH),
        ({"status": "reject", "stage": "compile", "message": "no such opcode"}, Outcome.REJECT),
        ({"status": "exception", "message": "uncaught wasm exception"}, Outcome.TRAP),
        ({"status": "error", "message": "wasmtime refused the call"}, Outcome.FAIL),
        ({"status": "unsupported", "message": "an f32 signalling NaN"}, Outcome.SKIP),
    ],
)
def test_what_is_not_a_trap_never_passes_as_one(program, answer, outcome):
    verdict = judge(program, ran(returned("i32:5"), returned("f64:0.5"), answer))
    assert verdict.outcome == outcome
    assert verdict.message.startswith("div(i32:1, i32:0)")
