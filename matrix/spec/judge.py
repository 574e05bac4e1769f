"""Judging a host's answer to one of a script's directives against what the script expects.

Values are held to their patterns bit for bit (matrix/values.py: NaN patterns, v128 lane by
lane over all 128 bits, kinds of reference, `either`); traps to the kind the script names
(matrix/traps.py; `assert_exhaustion` is a trap of kind "call stack exhausted"); refusals
to their stage. Engines word errors differently, so texts are kept for the report, never
compared.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..judging import check_trap
from ..protocol import DirectiveAnswer
from ..traps import STACK, describe, kind_of
from ..values import Pattern, Ref, RefPattern, ValueSyntaxError, all_match, from_wire

PASS, FAIL, SKIP, OFF = "pass", "fail", "skip", "off"
MESSAGE_LIMIT = 400  # characters of an engine's message kept per failure
# Kinds of reference a host that answers just "any" (one it cannot look into) may hold.
OPAQUE = {"host", "struct", "array", "eq"}
CANNOT_TELL = "the host cannot tell which kind of reference came back"


@dataclass(frozen=True)
class Judgement:
    """One assertion's verdict: pass, fail, skip (with the reason) or off; `unobserved`:
    it passed on "it trapped" alone, the engine not saying which trap it was."""

    status: str
    expected: str = ""
    actual: str = ""
    message: str = ""  # the engine's own text, or the reason of a skip
    unobserved: bool = False


class Expectation(Protocol):
    """What a step expects (a plan.Step)."""

    command: str  # module, invoke, assert_return, assert_trap, …
    expect: str  # ok | return | trap | exhaustion | exception | compile-reject | …
    results: tuple[Pattern, ...]
    text: str  # the failure text the script gives
    expected: str  # all of it, for the report


def judge_step(step: Expectation, answer: DirectiveAnswer) -> Judgement:
    status = answer.status
    message = answer.message[:MESSAGE_LIMIT]
    if status == "unsupported":
        return Judgement(SKIP, message=message)
    expect, actual = step.expect, show_answer(answer)
    failed = Judgement(FAIL, step.expected, actual, message)
    if expect == "ok":
        return Judgement(PASS) if status in ("ok", "valid") else failed
    if expect == "return":
        if status != "return":
            return failed
        if step.command != "assert_return":
            return Judgement(PASS)
        try:
            values = [from_wire(value) for value in answer.values]
        except ValueSyntaxError as error:
            return Judgement(FAIL, step.expected, "a bad value", f"the host sent {error}")
        if all_match(step.results, values):
            return Judgement(PASS)
        return Judgement(SKIP, message=CANNOT_TELL) if _opaque(step.results, values) else failed
    if expect in ("trap", "exhaustion"):
        if status != "trap":
            return failed
        check = check_trap(STACK if expect == "exhaustion" else kind_of(step.text), answer)
        if not check.matches:
            return Judgement(FAIL, step.expected, actual, f"{check.note}: {message}")
        return Judgement(PASS, unobserved=not check.observed)
    if expect == "exception":
        return Judgement(PASS) if status == "exception" else failed
    stage = "compile" if expect == "compile-reject" else "instantiate"
    return Judgement(PASS) if status == "reject" and answer.stage == stage else failed


def _opaque(patterns: tuple, values: list) -> bool:
    """The values match except where a reference came back that the host cannot look into
    (a host reference held as anyref in wasmtime-py): no verdict either way."""
    if len(patterns) != len(values):
        return False
    unreadable = False
    for pattern, value in zip(patterns, values, strict=True):
        if (
            isinstance(pattern, RefPattern)
            and pattern.kind in OPAQUE
            and isinstance(value, Ref)
            and value.kind == "any"
        ):
            unreadable = True
        elif not pattern.matches(value):
            return False
    return unreadable


def show_answer(answer: DirectiveAnswer) -> str:
    """What an answer says, in a few words, for the report's `actual` column."""
    status = answer.status
    if status == "return":
        try:
            values = [from_wire(value) for value in answer.values]
        except ValueSyntaxError:
            return "a bad value"
        return " ".join(value.wat() for value in values) or "(nothing)"
    if status == "reject":
        return f"refused at {answer.stage or '?'}"
    if status == "trap":
        return f"trap: {describe(answer.kinds)}"
    if status == "fault":
        return "the engine failed (not a trap)"
    if status in ("ok", "valid"):
        return "accepted"
    return str(status)
