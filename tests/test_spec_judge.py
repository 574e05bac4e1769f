"""Judging a host's answers: NaN patterns, v128 lanes, references, `either`, failure kinds,
what the assembler settles, and how a cell's counts and outcome come out."""

from __future__ import annotations

from matrix.protocol import DirectiveAnswer
from matrix.spec.judge import FAIL, OFF, PASS, SKIP, Verdict, matches, show_pattern
from matrix.spec.plan import Step, plan
from matrix.spec.run import SpecCellResult, _tally
from matrix.spec.run import judge_step as judge_answer
from matrix.spec.script import parse_script


def judge_step(step: Step, answer: dict, javascript: bool = False) -> Verdict:
    """The verdict on a directive's answer as a host sends it."""
    return judge_answer(step, DirectiveAnswer.from_wire(answer), javascript)


def f32(bits: int) -> dict:
    return {"type": "f32", "value": str(bits)}


def test_nan_patterns():
    canonical, arithmetic = ("nan", "f32", "canonical"), ("nan", "f32", "arithmetic")
    assert matches(canonical, f32(0x7FC00000)) and matches(canonical, f32(0xFFC00000))
    assert not matches(canonical, f32(0x7FC00001))  # a payload is not canonical
    assert matches(arithmetic, f32(0x7FC00001))
    assert not matches(arithmetic, f32(0x7FA00000))  # quiet bit clear: signalling
    assert not matches(arithmetic, f32(0x7F800000))  # infinity
    assert not matches(("num", "f32", 0x7FA00000), f32(0x7FE00000))  # exact bits


def test_v128_lanes_and_either():
    lanes = (
        "v128",
        "i32",
        [("num", "i32", 1), ("num", "i32", 2), ("num", "i32", 3), ("num", "i32", 0xFFFFFFFF)],
    )
    value = (0xFFFFFFFF << 96) | (3 << 64) | (2 << 32) | 1
    assert matches(lanes, {"type": "v128", "value": str(value)})
    assert not matches(lanes, {"type": "v128", "value": str(value ^ (1 << 64))})
    float_lanes = ("v128", "f64", [("nan", "f64", "canonical"), ("num", "f64", 0)])
    assert matches(float_lanes, {"type": "v128", "value": str(0x7FF8000000000000)})
    either = ("either", [("num", "i32", 1), ("num", "i32", 2)])
    assert matches(either, {"type": "i32", "value": "2"})
    assert not matches(either, {"type": "i32", "value": "3"})


def test_reference_patterns():
    def ref(kind, value=None):
        return {
            "type": "ref",
            "kind": kind,
            **({"value": value} if value else {}),
        }

    assert matches(("ref", "null", None), ref("null"))
    assert not matches(("ref", "func", None), ref("null"))
    assert matches(("ref", "extern", 3), ref("extern", "3"))
    assert not matches(("ref", "extern", 3), ref("extern", "4"))
    assert matches(("ref", "extern", None), ref("extern", "4"))
    assert matches(("ref", "eq", None), ref("struct")) and matches(("ref", "eq", None), ref("i31"))
    assert not matches(("ref", "eq", None), ref("func"))
    assert show_pattern(("ref", "extern", 3)) == "(ref.extern 3)"


def step_of(text: str, validator_only: bool = False):
    return plan(parse_script(text), validator_only)[-1]


def test_failure_kinds_are_judged_by_kind_not_text():
    trap = step_of('(assert_trap (invoke "f") "integer divide by zero")')
    assert judge_step(trap, {"status": "trap", "message": "wasm trap: other words"}).status == PASS
    returned = judge_step(trap, {"status": "return", "values": []})
    assert (returned.status, returned.actual) == (FAIL, "(nothing)")
    assert 'trap "integer divide by zero"' in returned.expected
    exhaustion = step_of('(assert_exhaustion (invoke "f") "call stack exhausted")')
    assert (
        judge_step(exhaustion, {"status": "trap", "message": "x", "exhaustion": True}).status
        == PASS
    )
    assert (
        judge_step(
            exhaustion, {"status": "trap", "message": "Maximum call stack size exceeded"}
        ).status
        == PASS
    )
    assert judge_step(exhaustion, {"status": "trap", "message": "unreachable"}).status == FAIL
    invalid = step_of('(assert_invalid (module binary "\\00asm\\01\\00\\00\\00") "type mismatch")')
    assert invalid.directive["expect_failure"] and not invalid.directive["instantiate"]
    assert (
        judge_step(invalid, {"status": "reject", "stage": "compile", "message": "m"}).status == PASS
    )
    assert judge_step(invalid, {"status": "ok"}).status == FAIL
    unlinkable = step_of(
        '(assert_unlinkable (module binary "\\00asm\\01\\00\\00\\00") "unknown import")'
    )
    assert (
        judge_step(unlinkable, {"status": "reject", "stage": "instantiate", "message": "m"}).status
        == PASS
    )
    assert (
        judge_step(unlinkable, {"status": "reject", "stage": "compile", "message": "m"}).status
        == FAIL
    )
    value = step_of('(assert_return (invoke "f") (i32.const 1))')
    assert judge_step(value, {"status": "unsupported", "message": "no v128"}).status == SKIP


def test_nan_payloads_through_javascript_are_skips_only_when_they_fail():
    step = step_of('(assert_return (invoke "f" (f32.const nan:0x200000)) (f32.const nan:0x200000))')
    quieted = {"status": "return", "values": [f32(0x7FE00000)]}
    assert judge_step(step, quieted, javascript=True).status == SKIP
    assert judge_step(step, quieted, javascript=False).status == FAIL
    kept = {"status": "return", "values": [f32(0x7FA00000)]}
    assert judge_step(step, kept, javascript=True).status == PASS


def test_the_assembler_settles_malformed_text():
    malformed = step_of(
        '(assert_malformed (module quote "(func (i32.const 0x))") "unknown operator")'
    )
    assert malformed.directive is None and malformed.verdict.status == PASS
    accepted = step_of('(assert_malformed (module quote "(func)") "should be refused")')
    assert accepted.directive is not None  # the engine gets to refuse it
    not_utf8 = step_of('(assert_malformed (module quote "(@a \\80)") "malformed UTF-8 encoding")')
    assert not_utf8.verdict.status == PASS


def test_validator_only_engines_skip_what_needs_execution():
    steps = plan(
        parse_script('(module (func (export "f")))\n(assert_return (invoke "f"))\n(register "m")'),
        validator_only=True,
    )
    assert steps[0].directive is not None
    assert [step.verdict.status for step in steps[1:]] == [SKIP, SKIP]
    assert "validator-only" in steps[1].verdict.message


def test_counts_outcome_and_switched_off_features():
    steps = plan(
        parse_script(
            '(module (func (export "f") (result i32) (i32.const 1)))\n'
            '(assert_return (invoke "f") (i32.const 1))\n'
            '(assert_return (invoke "f") (i32.const 2))\n'
            "(thread $T)"
        )
    )
    answers = [{"status": "ok"}, {"status": "return", "values": [{"type": "i32", "value": "1"}]}]
    answers.append(answers[1])
    for step, answer in zip([s for s in steps if s.directive], answers, strict=True):
        step.verdict = judge_step(step, answer)
    result = SpecCellResult("x.wast", "wast", "suite", "e", "error", "")
    outcome, message = _tally(steps, result, off=False)
    assert outcome == FAIL
    assert message == "2/3 assertions pass, 1 fail, 1 skip"
    assert result.assertions["assert_return"] == {"pass": 1, "fail": 1, "skip": 0, "off": 0}
    assert result.failures == [
        {
            "line": 3,
            "command": "assert_return",
            "expected": "(i32.const 2)",
            "actual": "(i32.const 1)",
            "message": "",
        }
    ]
    assert result.skips[0]["command"] == "thread" and result.skips[0]["count"] == 1
    # With the script's feature switched off, a refused module is "off", not a failure.
    refused = plan(parse_script('(module)\n(assert_return (invoke "f"))'))
    refused[0].verdict = judge_step(
        refused[0], {"status": "reject", "stage": "compile", "message": "off"}
    )
    refused[1].verdict = judge_step(refused[1], {"status": "error", "message": "no module"})
    result = SpecCellResult("x.wast", "wast", "suite", "e", "error", "")
    outcome, message = _tally(refused, result, off=True)
    assert result.assertions["module"][OFF] == 1 and result.assertions["assert_return"][OFF] == 1
    assert outcome == "skip" and "2 off" in message


def test_what_uses_a_module_the_assembler_refuses_is_skipped_not_failed():
    steps = plan(
        parse_script(
            "(module $bad (func (do)))\n"
            '(assert_return (invoke "f"))\n'
            '(module $good (func (export "f")))\n'
            '(assert_return (invoke "f"))\n'
            '(assert_return (invoke $bad "f"))\n'
            '(register "x" $bad)\n'
        )
    )
    assert [s.verdict.status if s.verdict else "sent" for s in steps] == [
        SKIP,
        SKIP,
        "sent",
        "sent",
        SKIP,
        SKIP,
    ]
    assert "assembler refuses" in steps[0].verdict.message


def test_a_host_that_dies_mid_script_keeps_what_it_answered(fake_engine, tmp_path, monkeypatch):
    from matrix.hosts import HostPool
    from matrix.spec import run
    from matrix.spec.run import SpecCell, SpecRunner

    monkeypatch.setattr(run, "CHUNK", 2)  # two directives per request
    build, environment = fake_engine("script_dies")
    script = tmp_path / "dies.wast"
    script.write_text(
        "(module)\n"
        + '(assert_return (invoke "f") (i32.const 7))\n' * 2
        + '(assert_return (invoke "f") (i32.const 8))\n'
        + '(assert_return (invoke "die") (i32.const 7))\n'
        + '(assert_return (invoke "f") (i32.const 7))\n'
    )
    runner = SpecRunner(HostPool(), environment_of=lambda _: environment)
    try:
        result = runner.run(SpecCell(script, tmp_path, build))
    finally:
        runner.hosts.close()
    assert result.outcome == "crash"
    assert "segmentation fault" in result.message
    assert result.message.startswith("crash after 4 of 6 directives")
    assert result.assertions["module"]["pass"] == 1
    assert result.assertions["assert_return"] == {"pass": 2, "fail": 1, "skip": 2, "off": 0}
    assert [failure["line"] for failure in result.failures] == [4]
