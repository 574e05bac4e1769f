"""A script's commands as steps: the directive each one sends to a host (engines/protocol.md,
"Scripts") and what it expects back. Steps the harness settles itself (a `quote` module the
assembler refuses, a command the harness cannot run) carry their verdict already."""

from __future__ import annotations

import base64
from dataclasses import dataclass

from ..values import Pattern
from .assemble import AssemblyFailed, assemble
from .judge import FAIL, PASS, SKIP, Judgement
from .script import Action, Assertion, Instance, Module, Register, Unsupported

VALIDATOR_ONLY = "a validator-only engine cannot {what}"
# What each expectation is called in the report's `expected` column.
EXPECTED_TEXT = {
    "ok": "accepted",
    "return": "returns",
    "trap": "trap",
    "exhaustion": "stack exhaustion",
    "exception": "uncaught exception",
    "compile-reject": "refused at compile",
    "link-reject": "refused at instantiate (link)",
    "instantiate-reject": "refused at instantiate (start traps)",
}


@dataclass
class Step:
    line: int
    command: str  # what it counts as: module, register, invoke, assert_return, …
    expect: str  # a key of EXPECTED_TEXT
    directive: dict | None = None
    results: tuple[Pattern, ...] = ()
    text: str = ""  # the failure text the suite gives (error texts differ between engines)
    verdict: Judgement | None = None  # settled without the engine

    @property
    def expected(self) -> str:
        if self.expect == "return" and self.command == "assert_return":
            return " ".join(pattern.wat() for pattern in self.results) or "(nothing)"
        words = EXPECTED_TEXT[self.expect]
        return f'{words} "{self.text}"' if self.text else words


UNASSEMBLED = "its module could not be assembled, so no engine saw it"


def plan(commands: list, validator_only: bool = False) -> list[Step]:
    steps = [_step(command, validator_only) for command in commands]
    _skip_what_uses_unassembled_modules(commands, steps)
    return steps


def _skip_what_uses_unassembled_modules(commands: list, steps: list[Step]) -> None:
    """A module the assembler refuses (e.g. legacy exception syntax that the `wat` crate
    no longer reads) is the harness's limit, not the engine's: it and every command that
    uses it are skips, not failures."""
    latest_missing, missing_names = False, set()
    for command, step in zip(commands, steps, strict=True):
        if isinstance(command, Module):
            missing = step.directive is None and step.verdict is not None
            latest_missing = missing
            if command.name:
                (missing_names.add if missing else missing_names.discard)(command.name)
            if missing and step.verdict.status == FAIL:
                step.verdict = Judgement(
                    SKIP,
                    message=f"the assembler refuses this module: "
                    f"{step.verdict.message.splitlines()[0]}",
                )
            continue
        if isinstance(command, Instance):
            latest_missing = command.definition in missing_names
            continue
        action = command.action if isinstance(command, Assertion) else command
        target = getattr(action, "module", None) if isinstance(action, (Action, Register)) else None
        if not isinstance(action, (Action, Register)):
            continue
        if (target is None and latest_missing) or target in missing_names:
            step.directive, step.verdict = None, Judgement(SKIP, message=UNASSEMBLED)


def _step(command, validator_only: bool) -> Step:
    if isinstance(command, Unsupported):
        return Step(
            command.line, command.command, "ok", verdict=Judgement(SKIP, message=command.reason)
        )
    if isinstance(command, Module):
        step = Step(command.line, "module", "ok")
        return _with_module(step, command, instantiate=not command.definition, failure=False)
    if isinstance(command, Instance):
        step = Step(command.line, "module", "ok")
        if validator_only:
            step.verdict = Judgement(SKIP, message=VALIDATOR_ONLY.format(what="instantiate"))
        else:
            step.directive = {"do": "instance", "definition": command.definition}
            if command.name:
                step.directive["name"] = command.name
        return step
    if isinstance(command, Register):
        step = Step(command.line, "register", "ok")
        if validator_only:
            step.verdict = Judgement(SKIP, message=VALIDATOR_ONLY.format(what="link modules"))
        else:
            step.directive = {"do": "register", "as": command.name}
            if command.module:
                step.directive["module"] = command.module
        return step
    if isinstance(command, Action):
        return _action_step(Step(command.line, command.kind, "return"), command, validator_only)
    assert isinstance(command, Assertion)
    name = command.command
    if command.action is not None:
        expect = {
            "assert_return": "return",
            "assert_trap": "trap",
            "assert_exhaustion": "exhaustion",
            "assert_exception": "exception",
        }[name]
        step = Step(command.line, name, expect, results=command.results, text=command.text)
        return _action_step(step, command.action, validator_only)
    expect = {
        "assert_invalid": "compile-reject",
        "assert_malformed": "compile-reject",
        "assert_unlinkable": "link-reject",
        "assert_uninstantiable": "instantiate-reject",
    }[name]
    step = Step(command.line, name, expect, text=command.text)
    if validator_only and expect != "compile-reject":
        step.verdict = Judgement(SKIP, message=VALIDATOR_ONLY.format(what="instantiate"))
        return step
    return _with_module(step, command.module, instantiate=expect != "compile-reject", failure=True)


def _with_module(step: Step, module: Module, instantiate: bool, failure: bool) -> Step:
    if module.form == "binary":
        data = module.binary
    else:
        try:
            data = assemble(module.source)
        except AssemblyFailed as error:
            step.verdict = _assembler_refused(step, str(error))
            return step
    step.directive = {
        "do": "module",
        "module": base64.b64encode(data).decode("ascii"),
        "instantiate": instantiate,
    }
    if failure:
        step.directive["expect_failure"] = True
    if module.name:
        step.directive["name"] = module.name
    return step


def _assembler_refused(step: Step, message: str) -> Judgement:
    actual = "the assembler refuses the text"
    if step.command == "assert_malformed":
        # Malformed text is the text format's business: judged by the assembler.
        return Judgement(PASS, step.expected, actual, message)
    if step.command in ("assert_invalid", "assert_unlinkable", "assert_uninstantiable"):
        reason = f"the assembler refuses this text, so no engine sees it: {message}"
        return Judgement(SKIP, message=reason)
    return Judgement(FAIL, step.expected, actual, message)


def _action_step(step: Step, action: Action, validator_only: bool) -> Step:
    if validator_only:
        step.verdict = Judgement(SKIP, message=VALIDATOR_ONLY.format(what="run code"))
        return step
    step.directive = {"do": action.kind, "field": action.field}
    if action.kind == "invoke":
        step.directive["args"] = list(action.args)
    if action.module:
        step.directive["module"] = action.module
    return step
