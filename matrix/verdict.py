"""Judge a host's answer to a case cell against what the case expects: an outcome and a
reason a person can read (docs/cases.md, "Outcomes").

`pass` is a promise: the engine executed the module, every result was checked bit for bit
and every trap was of the kind expected. A validator-only engine never passes: it says
`valid` or `invalid`. A value the host could not carry exactly is a `skip` with the
reason; an engine failing on a call in a way that is not a trap is never a trap.
"""

from __future__ import annotations

from .cases import Call, Case
from .judging import Verdict, check_trap
from .outcomes import Outcome
from .protocol import CallAnswer, RunAnswer
from .traps import kind_of
from .values import ValueSyntaxError, all_match, from_wire


def judge(case: Case, answer: RunAnswer, validator_only: bool = False) -> Verdict:
    status = answer.status
    if status == "valid" or (validator_only and status == "reject"):
        return _validation(case, answer)
    if status == "reject":
        message = f"{answer.stage or 'compile'}: {answer.message.strip()}"
        if not case.valid:
            return Verdict(Outcome.PASS, f"rejected as the case requires ({message})")
        return Verdict(Outcome.REJECT, message)
    if status == "error":
        return Verdict(Outcome.ERROR, f"the host failed: {answer.message}")
    if status == "unsupported":  # the host cannot do what the case asks (a JS-API probe)
        return Verdict(Outcome.SKIP, f"this host cannot run it: {answer.message}")
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
    unobserved, notes = 0, []
    for call, result in zip(case.calls, results, strict=True):
        verdict = _judge_call(call, result)
        if verdict.outcome != Outcome.PASS:
            return verdict
        if verdict.unobserved:
            unobserved += 1
            notes.append(verdict.message)
    calls = len(case.calls)
    message = f"{calls} call{'s' if calls != 1 else ''} as expected"
    if not calls:
        message = "validated and instantiated"
    if notes:
        message += f"; {unobserved} trap{'s' if unobserved != 1 else ''} passed on 'it trapped': "
        message += "; ".join(notes)
    return Verdict(Outcome.PASS, message, unobserved)


def _validation(case: Case, answer: RunAnswer) -> Verdict:
    """A validator-only engine's answer: what it says, never that anything ran."""
    if answer.status == "valid":
        if not case.valid:
            return Verdict(Outcome.FAIL, "the validator accepted a module that must be rejected")
        return Verdict(Outcome.VALID, "validates (a validator only: nothing was executed)")
    message = f"{answer.stage or 'compile'}: {answer.message.strip()}"
    if not case.valid:
        return Verdict(Outcome.INVALID, f"refused, as the case requires ({message})")
    return Verdict(Outcome.INVALID, message)


def describe_call(call: Call) -> str:
    return f"{call.invoke}({', '.join(map(str, call.args))})"


def _judge_call(call: Call, result: CallAnswer) -> Verdict:
    # The call is described only for a verdict that is not a plain pass: most calls pass,
    # and formatting each one's arguments was a quarter of the harness's own time a cell.
    status = result.status
    if status == "return" and call.trap is None:
        try:
            values = [from_wire(value) for value in result.values]
        except ValueSyntaxError as error:
            return Verdict(
                Outcome.ERROR, f"{describe_call(call)}: the host returned a bad value: {error}"
            )
        wanted = call.expect or ()
        if all_match(wanted, values):
            return PASSED
        shown = ", ".join(map(str, values)) or "nothing"
        expected = ", ".join(map(str, wanted)) or "nothing"
        return Verdict(Outcome.FAIL, f"{describe_call(call)} returned {shown}; expected {expected}")
    what = describe_call(call)
    message = result.message.strip()
    expected = f"a trap ({call.trap})" if call.trap is not None else "a result"
    if status == "error":
        return Verdict(Outcome.FAIL, f"{what}: {message}")
    if status == "unsupported":
        return Verdict(Outcome.SKIP, f"{what}: not measured: {message}")
    if status == "fault":
        return Verdict(Outcome.CRASH, f"{what}: the engine failed (not a trap): {message}")
    if status == "reject":  # a function the engine compiles only when it is first called
        return Verdict(Outcome.REJECT, f"{what}: refused when called: {message}")
    if status == "exception":
        return Verdict(Outcome.TRAP, f"{what} threw an uncaught exception; expected {expected}")
    if status == "trap":
        if call.trap is None:
            return Verdict(Outcome.TRAP, f"{what} trapped: {message}")
        check = check_trap(kind_of(call.trap), result)
        if not check.matches:
            return Verdict(Outcome.FAIL, f"{what} {check.note} ({message})")
        if not check.observed:
            return Verdict(Outcome.PASS, f"{what}: {check.note}", unobserved=1)
        return PASSED
    if status != "return":
        return Verdict(Outcome.ERROR, f"{what}: unexpected call answer {result.wire!r}"[:2000])
    try:
        values = [from_wire(value) for value in result.values]
    except ValueSyntaxError as error:
        return Verdict(Outcome.ERROR, f"{what}: the host returned a bad value: {error}")
    shown = ", ".join(map(str, values)) or "nothing"
    return Verdict(Outcome.TRAP, f"{what} returned {shown}; expected {expected}")


PASSED = Verdict(Outcome.PASS, "")  # one call as expected (verdicts are not changed)
