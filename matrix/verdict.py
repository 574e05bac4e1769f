"""Judge a host's answer against what the case expects: outcome and a readable reason."""

from __future__ import annotations

from dataclasses import dataclass

from .cases import Call, Case
from .outcomes import Outcome
from .protocol import CallAnswer, RunAnswer
from .values import Value, ValueSyntaxError


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    message: str


def judge(case: Case, answer: RunAnswer) -> Verdict:
    status = answer.status
    if status == "reject":
        message = f"{answer.stage or 'compile'}: {answer.message.strip()}"
        if not case.valid:
            return Verdict(Outcome.PASS, f"rejected as the case requires ({message})")
        return Verdict(Outcome.REJECT, message)
    if status == "error":
        return Verdict(Outcome.ERROR, f"the host failed: {answer.message}")
    if status == "unsupported":  # the host cannot do what the case asks (a JS-API probe)
        return Verdict(Outcome.SKIP, f"this host cannot run it: {answer.message}")
    if status == "valid":
        # A validator-only engine: it can say the module is valid, never that it runs.
        if not case.valid:
            return Verdict(Outcome.FAIL, "the validator accepted a module that must be rejected")
        return Verdict(Outcome.PASS, "validates (validator only: nothing was executed)")
    if status != "ran":
        return Verdict(Outcome.ERROR, f"unexpected answer from the host: {answer.wire!r}"[:2000])
    if not case.valid:
        return Verdict(Outcome.FAIL, "the engine accepted a module that must be rejected")
    results = answer.calls
    if len(results) != len(case.calls):
        return Verdict(
            Outcome.ERROR,
            f"the host answered {len(results)} calls, the case made {len(case.calls)}",
        )
    for call, result in zip(case.calls, results, strict=True):
        verdict = _judge_call(call, result)
        if verdict is not None:
            return verdict
    calls = len(case.calls)
    return Verdict(
        Outcome.PASS,
        f"{calls} call{'s' if calls != 1 else ''} as expected"
        if calls
        else "validated and instantiated",
    )


def describe_call(call: Call) -> str:
    return f"{call.invoke}({', '.join(map(str, call.args))})"


def _judge_call(call: Call, result: CallAnswer) -> Verdict | None:
    # The call is described only for a verdict: most calls pass, and formatting each one's
    # arguments was a quarter of the harness's own time a cell.
    status = result.status
    if status == "error":
        return Verdict(Outcome.FAIL, f"{describe_call(call)}: {result.message}")
    if status == "unsupported":
        what = describe_call(call)
        return Verdict(Outcome.SKIP, f"{what}: this host cannot make the call: {result.message}")
    if status == "trap":
        if call.trap is not None:
            return None
        return Verdict(Outcome.TRAP, f"{describe_call(call)} trapped: {result.message.strip()}")
    if status != "return":
        return Verdict(
            Outcome.ERROR, f"{describe_call(call)}: unexpected call answer {result.wire!r}"[:2000]
        )
    try:
        values = [Value.from_wire(value) for value in result.values]
    except (ValueSyntaxError, KeyError, ValueError) as error:
        return Verdict(
            Outcome.ERROR, f"{describe_call(call)}: the host returned a bad value: {error}"
        )
    expected = call.expect or ()
    if call.trap is None and (
        len(values) == len(expected)
        and all(want.matches(got) for want, got in zip(expected, values, strict=False))
    ):
        return None
    what, shown = describe_call(call), ", ".join(map(str, values)) or "nothing"
    if call.trap is not None:
        return Verdict(Outcome.TRAP, f"{what} returned {shown}; expected a trap ({call.trap})")
    wanted = ", ".join(map(str, expected)) or "nothing"
    return Verdict(Outcome.FAIL, f"{what} returned {shown}; expected {wanted}")
