"""Judging a host's answers to a script: values by their patterns, traps by their kind
(`assert_exhaustion` is stack exhaustion, nothing else), what the assembler settles, what
"off" covers on a build with a feature switched off, and how a cell's counts and outcome
come out. (The values themselves: tests/test_values.py.)"""

from __future__ import annotations

import wasmtime

from matrix.protocol import DirectiveAnswer
from matrix.spec.judge import FAIL, OFF, PASS, SKIP
from matrix.spec.judge import judge_step as judge_answer
from matrix.spec.plan import plan
from matrix.spec.run import SpecCellResult, _mark_switched_off, _tally
from matrix.spec.script import parse_script


def judge_step(step, answer: dict):
    """judge_step on an answer as a host writes it (checked against the protocol)."""
    return judge_answer(step, DirectiveAnswer.from_wire(answer, check_schema=True))


def f32(bits: int) -> dict:
    return {"type": "f32", "value": str(bits)}


def step_of(text: str, validator_only: bool = False):
    return plan(parse_script(text), validator_only)[-1]


def trap(*kinds: str, message: str = "some words") -> dict:
    return {"status": "trap", "message": message, "kinds": list(kinds)}


def test_traps_are_judged_by_kind_not_text():
    step = step_of('(assert_trap (invoke "f") "integer divide by zero")')
    assert judge_step(step, trap("integer divide by zero")).status == PASS
    other = judge_step(step, trap("out of bounds memory access"))
    assert other.status == FAIL
    assert "out of bounds memory access" in other.actual
    assert "expected integer divide by zero" in other.message
    returned = judge_step(step, {"status": "return", "values": []})
    assert (returned.status, returned.actual) == (FAIL, "(nothing)")
    assert 'trap "integer divide by zero"' in returned.expected


def test_a_trap_of_no_observable_kind_passes_on_it_trapped_and_says_so():
    step = step_of('(assert_trap (invoke "f") "integer overflow")')
    unknown = judge_step(step, trap())
    assert (unknown.status, unknown.unobserved) == (PASS, True)
    alike = judge_step(step, trap("integer overflow", "invalid conversion to integer"))
    assert (alike.status, alike.unobserved) == (PASS, True)
    exact = judge_step(step, trap("integer overflow"))
    assert (exact.status, exact.unobserved) == (PASS, False)
    other = judge_step(step, trap("unreachable", "out of bounds memory access"))
    assert other.status == FAIL


def test_exhaustion_is_stack_exhaustion_not_any_overflow():
    step = step_of('(assert_exhaustion (invoke "f") "call stack exhausted")')
    assert judge_step(step, trap("call stack exhausted")).status == PASS
    # An integer overflow trap says "overflow" but is not the stack running out.
    overflow = trap("integer overflow", message="wasm trap: integer overflow")
    assert judge_step(step, overflow).status == FAIL
    assert judge_step(step, trap("unreachable", message="stack overflow?")).status == FAIL


def test_exceptions_and_refusals_are_judged_by_kind_and_stage():
    invalid = step_of('(assert_invalid (module binary "\\00asm\\01\\00\\00\\00") "type mismatch")')
    assert invalid.directive["expect_failure"] and not invalid.directive["instantiate"]
    refused = {"status": "reject", "stage": "compile", "message": "m"}
    assert judge_step(invalid, refused).status == PASS
    assert judge_step(invalid, {"status": "ok"}).status == FAIL
    unlinkable = step_of(
        '(assert_unlinkable (module binary "\\00asm\\01\\00\\00\\00") "unknown import")'
    )
    linked = {"status": "reject", "stage": "instantiate", "message": "m"}
    assert judge_step(unlinkable, linked).status == PASS
    assert judge_step(unlinkable, refused).status == FAIL
    thrown = step_of('(assert_exception (invoke "f"))')
    assert judge_step(thrown, {"status": "exception", "message": "x"}).status == PASS
    assert judge_step(thrown, trap("unreachable")).status == FAIL
    value = step_of('(assert_return (invoke "f") (i32.const 1))')
    assert judge_step(value, {"status": "unsupported", "message": "no v128"}).status == SKIP
    assert judge_step(value, {"status": "fault", "message": "pywasm: KeyError"}).status == FAIL


def test_a_nan_argument_gets_no_excuse():
    # A wrong answer to a call with a NaN argument is a failure on every host: values
    # cross exactly everywhere now, so there is nothing to excuse.
    step = step_of('(assert_return (invoke "f" (f32.const nan:0x200000)) (f32.const nan:0x200000))')
    quieted = {"status": "return", "values": [f32(0x7FE00000)]}
    assert judge_step(step, quieted).status == FAIL
    kept = {"status": "return", "values": [f32(0x7FA00000)]}
    assert judge_step(step, kept).status == PASS


def test_v128_answers_are_their_128_bits_and_nothing_beyond():
    step = step_of('(assert_return (invoke "f") (v128.const i32x4 1 2 3 4))')
    bits = 1 | 2 << 32 | 3 << 64 | 4 << 96
    assert (
        judge_step(
            step, {"status": "return", "values": [{"type": "v128", "value": str(bits)}]}
        ).status
        == PASS
    )
    beyond = {"status": "return", "values": [{"type": "v128", "value": str(bits | 1 << 128)}]}
    assert judge_step(step, beyond).status == FAIL
    flipped = {"status": "return", "values": [{"type": "v128", "value": str(bits ^ 1 << 127)}]}
    assert judge_step(step, flipped).status == FAIL


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


def test_counts_and_outcome():
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
    verdict = _tally(steps, result, validator_only=False)
    outcome, message = verdict.outcome, verdict.message
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


def test_a_validator_that_agrees_with_every_module_is_valid_never_pass():
    steps = plan(parse_script("(module)\n(module $M)"), validator_only=True)
    for step in steps:
        step.verdict = judge_step(step, {"status": "valid"})
    result = SpecCellResult("x.wast", "wast", "suite", "e", "error", "")
    verdict = _tally(steps, result, validator_only=True)
    outcome, message = verdict.outcome, verdict.message
    assert outcome == "valid"
    assert "validations agree" in message


REFS = (
    'binary "'
    + "".join(
        f"\\{byte:02x}"
        for byte in wasmtime.wat2wasm("(module (func (result externref) ref.null extern))")
    )
    + '"'
)


def switched_off(script: str, answers: list[dict]) -> list[str]:
    """The statuses of a script's steps on a build with reference types off, given the
    host's answers."""
    steps = [step for step in plan(parse_script(script)) if step.directive]
    typed = [DirectiveAnswer.from_wire(answer) for answer in answers]
    for step, answer in zip(steps, typed, strict=True):
        step.verdict = judge_answer(step, answer)
    _mark_switched_off(steps, typed, {"reference-types"})
    return [step.verdict.status for step in steps]


OFF_REFUSED = {"status": "reject", "stage": "compile", "message": "reference types off"}
NO_EXPORT = {"status": "error", "message": "no exported function"}
GOOD = {"status": "ok"}


def test_off_covers_the_refused_module_and_what_uses_it():
    script = (
        f"(module $R {REFS})\n"
        '(assert_return (invoke "f") (ref.null extern))\n'
        '(assert_return (invoke $R "f") (ref.null extern))\n'
        '(register "r" $R)\n'
    )
    assert switched_off(script, [OFF_REFUSED, NO_EXPORT, NO_EXPORT, NO_EXPORT]) == [OFF] * 4


def test_an_instance_of_a_definition_that_is_off_is_off():
    script = (
        f"(module definition $D {REFS})\n"
        "(module instance $I $D)\n"
        '(register "i" $I)\n'
        '(assert_return (invoke $I "f") (ref.null extern))\n'
    )
    no_definition = {"status": "error", "message": "no module definition '$D'"}
    no_instance = {"status": "error", "message": "no module named $I"}
    statuses = switched_off(script, [OFF_REFUSED, no_definition, no_instance, no_instance])
    assert statuses == [OFF] * 4


def test_off_stops_where_a_good_module_loads():
    script = (
        f"(module {REFS})\n"
        '(module $good (func (export "g")))\n'
        '(assert_return (invoke "missing"))\n'
        '(assert_return (invoke $good "missing"))\n'
        '(module (import "nowhere" "x" (func)))\n'
    )
    unlinked = {"status": "reject", "stage": "instantiate", "message": "unknown import"}
    statuses = switched_off(script, [OFF_REFUSED, GOOD, NO_EXPORT, NO_EXPORT, unlinked])
    # The failures after the good module are failures: nothing of them uses the refused one.
    assert statuses == [OFF, PASS, FAIL, FAIL, FAIL]


def test_a_module_refused_for_another_reason_is_a_failure():
    script = '(module (func (export "f")))\n(assert_return (invoke "f"))\n'
    refused = {"status": "reject", "stage": "compile", "message": "something else"}
    assert switched_off(script, [refused, NO_EXPORT]) == [FAIL, FAIL]


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
