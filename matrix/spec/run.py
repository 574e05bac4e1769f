"""One spec-suite cell: one script on one engine build, in one round trip to its host.

The script is read and its modules assembled (cached), the directives go to a warm host
as `script` requests, and each answer is judged here (matrix/spec/judge.py, on the rules
matrix/judging.py shares with case cells; the cell ends as matrix/cellrun.py says). The
cell's record (docs/results.md, "Spec-suite cells") counts assertions per command and keeps
every failing one with the expected and actual texts and the engine's message.
"""

from __future__ import annotations

import base64
import shlex
from collections import Counter
from dataclasses import dataclass, replace
from pathlib import Path

from ..cellrun import CellRunner, Settled
from ..engines import EngineBuild
from ..hosts import Host
from ..judging import Verdict
from ..outcomes import Outcome
from ..paths import display_path
from ..profiles import dependents
from ..protocol import DirectiveAnswer, Script
from ..records import SpecCellResult
from ..scanner import ScanError, scan
from .assemble import assembler_name
from .features import script_features
from .judge import FAIL, OFF, PASS, SKIP, Judgement, judge_step
from .plan import Step, plan
from .script import load_script
from .sexpr import WastSyntaxError

BASE_TIMEOUT = 120.0  # seconds per request, plus a little per directive
PER_DIRECTIVE = 0.05
CHUNK = 1000  # directives per request: what a crash mid-script can lose


@dataclass(frozen=True)
class SpecCell:
    script: Path
    suite: Path  # the suite's root folder: the case name is the path relative to it
    engine: EngineBuild

    @property
    def case(self) -> str:
        try:
            return self.script.resolve().relative_to(self.suite.resolve()).as_posix()
        except ValueError:
            return self.script.name

    @property
    def name(self) -> str:
        return self.engine.id

    @property
    def key(self) -> tuple[str, str, str, str]:
        """The cell's identity in results.jsonl, as a case cell's `Cell.key`."""
        return (self.case, "wast", "suite", self.engine.id)


def rerun_command(cell: SpecCell) -> str:
    return shlex.join(
        ["wasm-matrix", "run", "--suite", display_path(cell.script), "--engines", cell.engine.id]
    )


class SpecRunner(CellRunner[SpecCell, SpecCellResult]):
    """Spec cells: a script's directives to a warm host, chunk by chunk, each one judged."""

    def record(self, cell: SpecCell) -> SpecCellResult:
        return SpecCellResult(
            case=cell.case,
            toolchain="wast",
            profile="suite",
            engine=cell.engine.id,
            outcome=Outcome.ERROR,
            message="",
            case_file=display_path(cell.script),
            kind="spec",
            features=script_features(cell.case),
            engine_family=cell.engine.family.name,
            engine_version=cell.engine.version,
            engine_disabled=list(cell.engine.disabled),
            rerun=rerun_command(cell),
            executes=not cell.engine.family.validator_only,
        )

    def judge(self, cell: SpecCell, result: SpecCellResult) -> Verdict:
        environment = self.environment(cell.engine)
        try:
            script = load_script(cell.script)
        except (WastSyntaxError, OSError) as error:
            return Verdict(Outcome.ERROR, f"cannot read the script: {error}")
        result.toolchain_version = assembler_name()
        host = self.host(cell.engine, environment)
        handshake = host.handshake
        result.engine_version = handshake.version or cell.engine.version
        if not handshake.script:
            return Verdict(
                Outcome.SKIP, f"the {cell.engine.family.name} host does not run scripts yet"
            )
        validator_only = self.validator_only(cell.engine, host)
        result.executes = not validator_only
        steps = plan(script.commands, validator_only=validator_only)
        sent = [step for step in steps if step.directive is not None]
        directives = [{**step.directive, "line": step.line} for step in sent]
        answers, ended = self._send(cell, host, directives)
        if ended is not None and not answers:
            return ended  # nothing answered: the cell is just that crash, timeout or error
        sent = sent[: len(answers)]  # what follows a crash or timeout stays unjudged
        for step, reply in zip(sent, answers, strict=True):
            step.verdict = judge_step(step, reply)
        switched_off = _switched_off_features(cell.engine.disabled)
        if switched_off:
            _mark_switched_off(sent, answers, switched_off)
        judged = _tally(steps, result, validator_only)
        if ended is not None:  # ended early: the answered assertions are kept
            return Verdict(
                ended.outcome,
                f"{ended.outcome} after {len(answers)} of {len(directives)} directives "
                f"({judged.message}): {ended.message}",
                judged.unobserved,
            )
        return judged

    def _send(
        self, cell: SpecCell, host: Host, directives: list[dict]
    ) -> tuple[list[DirectiveAnswer], Verdict | None]:
        """The host's answers, a chunk of directives per request on one store (so a host
        that dies or hangs mid-script loses only its last chunk), and how it ended if not
        normally."""
        answers: list[DirectiveAnswer] = []
        for start in range(0, len(directives), CHUNK):
            chunk = directives[start : start + CHUNK]
            request = Script(directives=tuple(chunk), more=bool(start))
            try:
                answer = self.ask(
                    cell.engine, host, request, BASE_TIMEOUT + PER_DIRECTIVE * len(chunk)
                )
            except Settled as settled:
                return answers, settled.verdict
            if answer.exiting:  # the engine panicked: the next script gets a fresh host
                self.hosts.discard(cell.engine)
            if answer.status != "ran":
                failure = answer.message if "message" in answer.wire else answer.wire
                return answers, Verdict(Outcome.ERROR, f"the host failed: {failure}")
            got = answer.answers
            if len(got) != len(chunk):
                return answers, Verdict(
                    Outcome.ERROR, f"{len(chunk)} directives sent, {len(got)} answers"
                )
            answers += got
            if answer.exiting:
                break
        return answers, None


def _switched_off_features(disabled: tuple[str, ...] | list[str]) -> set[str]:
    """The features this build has switched off, with those that build on them."""
    off: set[str] = set()
    for name in disabled:
        off |= {name, *dependents(name)}
    return off


def _mark_switched_off(sent: list[Step], answers: list[DirectiveAnswer], off: set[str]) -> None:
    """A module refused that uses a switched-off feature (as the module scanner reads its
    bytes) is `off`, not a failure; so are the failures of what uses that module and only
    that module: actions on it (by its name, or as the latest module until another one is
    made), its registration, and modules that import what it would have registered. A good
    module in between ends it: what fails on that one is a failure."""
    names: set[str] = set()  # $names of modules (and definitions) that are off
    registered: set[str] = set()  # import names an off module would have registered
    latest = False  # whether the module unnamed actions go to is off
    for step, answer in zip(sent, answers, strict=True):
        directive = step.directive or {}
        kind = directive.get("do")
        if kind in ("module", "instance"):
            if kind == "instance":  # an instance of a definition that is off is off too
                this = directive.get("definition") in names
            else:
                this = answer.status == "reject" and (
                    _module_uses(step, off) or bool(registered & _imports(step))
                )
            if not directive.get("expect_failure"):
                latest = this
                name = directive.get("name")
                if name:
                    (names.add if this else names.discard)(name)
        elif kind in ("invoke", "get", "register"):
            module = directive.get("module")
            this = module in names if module is not None else latest
            if kind == "register":
                (registered.add if this else registered.discard)(directive.get("as"))
        else:
            this = False
        verdict = step.verdict
        if this and verdict is not None and verdict.status == FAIL:
            step.verdict = replace(verdict, status=OFF)


def _imports(step: Step) -> set[str]:
    """The module names a module directive's module imports from."""
    module = (step.directive or {}).get("module")
    if not isinstance(module, str):
        return set()
    try:
        return {item.module for item in scan(base64.b64decode(module)).imports}
    except ScanError:
        return set()


def _module_uses(step: Step, features: set[str]) -> bool:
    module = (step.directive or {}).get("module")
    if not isinstance(module, str) or step.directive.get("do") != "module":
        return False
    try:
        report = scan(base64.b64decode(module))
    except ScanError:
        return False
    return bool(features & set(report.features))


def _tally(steps: list[Step], result: SpecCellResult, validator_only: bool) -> Verdict:
    counts: dict[str, Counter] = {}
    skips: dict[tuple[str, str], dict] = {}
    unobserved = 0
    for step in steps:
        verdict = step.verdict or Judgement(SKIP, message="not run")
        status = verdict.status
        counts.setdefault(step.command, Counter())[status] += 1
        unobserved += verdict.unobserved
        if status == FAIL:
            result.failures.append(
                {
                    "line": step.line,
                    "command": step.command,
                    "expected": verdict.expected,
                    "actual": verdict.actual,
                    "message": verdict.message,
                }
            )
        elif status == SKIP:
            key = (step.command, verdict.message)
            entry = skips.setdefault(
                key, {"line": step.line, "command": step.command, "reason": verdict.message}
            )
            entry["count"] = entry.get("count", 0) + 1
    result.assertions = {
        command: {key: counter.get(key, 0) for key in (PASS, FAIL, SKIP, OFF)}
        for command, counter in counts.items()
    }
    result.skips = list(skips.values())
    total = Counter()
    for counter in counts.values():
        total.update(counter)
    message = (
        f"{total[PASS]}/{total[PASS] + total[FAIL]} assertions pass, "
        f"{total[FAIL]} fail, {total[SKIP]} skip" + (f", {total[OFF]} off" if total[OFF] else "")
    )
    if validator_only:  # it says which modules validate; nothing was run
        message = message.replace("assertions pass", "validations agree") + " (validator only)"
    if total[FAIL]:
        return Verdict(Outcome.FAIL, message, unobserved)
    if total[PASS] == 0:
        if total[OFF]:
            return Verdict(
                Outcome.SKIP, message + ": all about features this build has switched off"
            )
        reason = f": {result.skips[0]['reason']}" if result.skips else ": nothing to run"
        return Verdict(Outcome.SKIP, message + reason)
    return Verdict(Outcome.VALID if validator_only else Outcome.PASS, message, unobserved)
