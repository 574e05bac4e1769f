"""One spec-suite cell: one script on one engine build, in one round trip to its host.

The script is read and its modules assembled (cached), the directives go to a warm host
as one `script` request, and each answer is judged here. The cell's record
(docs/results.md, "Spec-suite cells") counts assertions per command and keeps every
failing one with the expected and actual texts and the engine's message.
"""

from __future__ import annotations

import base64
import shlex
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from ..engines import EngineBuild
from ..hosts import Environment, Host, HostDied, HostPool, HostProtocolError, HostTimedOut
from ..outcomes import Outcome
from ..paths import display_path
from ..profiles import dependents
from ..protocol import DirectiveAnswer, Script
from ..provision import how_to_get, ready
from ..records import SpecCellResult
from ..runner import settle
from ..scanner import ScanError, scan
from .assemble import assembler_name
from .features import script_features
from .judge import (
    EXHAUSTION_TEXT,
    FAIL,
    OFF,
    PASS,
    SKIP,
    Verdict,
    is_nan,
    judge_values,
    show_answer,
    undecidable,
)
from .numbers import FLOAT_FORMATS
from .plan import Step, plan
from .script import load_script
from .sexpr import WastSyntaxError

MESSAGE_LIMIT = 400  # characters of an engine's message kept per failure
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


class SpecRunner:
    def __init__(
        self,
        hosts: HostPool,
        environment_of: Callable[[EngineBuild], Environment | None] = ready,
    ):
        self.hosts = hosts
        self.environment_of = environment_of

    def run(self, cell: SpecCell) -> SpecCellResult:
        started = time.perf_counter()
        result = SpecCellResult(
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
        )
        return settle(result, started, lambda: self._run(cell, result))

    def _run(self, cell: SpecCell, result: SpecCellResult) -> tuple[Outcome, str]:
        environment = self.environment_of(cell.engine)
        if environment is None:
            return Outcome.SKIP, (
                f"engine {cell.engine.id} is not available here; "
                f"get it with: {how_to_get(cell.engine)}"
            )
        try:
            script = load_script(cell.script)
        except (WastSyntaxError, OSError) as error:
            return Outcome.ERROR, f"cannot read the script: {error}"
        result.toolchain_version = assembler_name()
        try:
            host = self.hosts.get(cell.engine, environment)
        except HostDied as death:
            return Outcome.CRASH, str(death)
        except HostTimedOut as timeout:
            return Outcome.TIMEOUT, str(timeout)
        handshake = host.handshake
        result.engine_version = handshake.version or cell.engine.version
        if not handshake.script:
            return Outcome.SKIP, f"the {cell.engine.family.name} host does not run scripts yet"
        steps = plan(script.commands, validator_only=handshake.validator_only)
        sent = [step for step in steps if step.directive is not None]
        directives = [{**step.directive, "line": step.line} for step in sent]
        answers, ended = self._send(cell, host, directives)
        if isinstance(ended, tuple) and not answers:
            return ended  # nothing answered: the cell is just that crash, timeout or error
        sent = sent[: len(answers)]  # what follows a crash or timeout stays unjudged
        javascript = handshake.language == "javascript"
        for step, reply in zip(sent, answers, strict=True):
            step.verdict = judge_step(step, reply, javascript)
        switched_off = _switched_off_features(cell.engine.disabled)
        if switched_off:
            _mark_switched_off(sent, answers, switched_off)
        off = bool(switched_off & set(result.features))
        judged = _tally(steps, result, off)
        if isinstance(ended, tuple):  # ended early: the answered assertions are kept
            outcome, note = ended
            return outcome, (
                f"{outcome} after {len(answers)} of {len(directives)} directives "
                f"({judged[1]}): {note}"
            )
        return judged

    def _send(
        self, cell: SpecCell, host: Host, directives: list[dict]
    ) -> tuple[list[DirectiveAnswer], tuple[Outcome, str] | None]:
        """The host's answers, a chunk of directives per request on one store (so a host
        that dies or hangs mid-script loses only its last chunk), and how it ended if not
        normally: (outcome, message)."""
        answers: list[DirectiveAnswer] = []
        for start in range(0, len(directives), CHUNK):
            chunk = directives[start : start + CHUNK]
            request = Script(directives=tuple(chunk), more=bool(start))
            try:
                answer = host.request(request, BASE_TIMEOUT + PER_DIRECTIVE * len(chunk))
            except HostDied as death:
                self.hosts.discard(cell.engine)
                return answers, (Outcome.CRASH, str(death))
            except HostTimedOut as timeout_error:
                self.hosts.discard(cell.engine)
                return answers, (Outcome.TIMEOUT, str(timeout_error))
            except HostProtocolError as error:
                self.hosts.discard(cell.engine)
                return answers, (Outcome.ERROR, str(error))
            if answer.exiting:  # the engine panicked: the next script gets a fresh host
                self.hosts.discard(cell.engine)
            if answer.status != "ran":
                failure = answer.message if "message" in answer.wire else answer.wire
                return answers, (Outcome.ERROR, f"the host failed: {failure}")
            got = answer.answers
            if len(got) != len(chunk):
                return answers, (Outcome.ERROR, f"{len(chunk)} directives sent, {len(got)} answers")
            answers += got
            if answer.exiting:
                break
        return answers, None


JS_NAN = "NaN payloads do not survive the JavaScript API (it may quiet or canonicalise them)"


def judge_step(step: Step, answer: DirectiveAnswer, javascript: bool = False) -> Verdict:
    """A step's verdict from its host's answer (`javascript`: the values went through the
    JS API, which need not keep a NaN's payload)."""
    status = answer.status
    message = answer.message[:MESSAGE_LIMIT]
    if status == "unsupported":
        return Verdict(SKIP, message=message)
    expect, actual = step.expect, show_answer(answer)
    passed = False
    if expect == "ok":
        passed = status in ("ok", "valid")
    elif expect == "return":
        passed = status == "return" and (
            step.command != "assert_return" or judge_values(step.results, list(answer.values))
        )
    elif expect == "trap":
        passed = status == "trap"
    elif expect == "exhaustion":
        passed = status == "trap" and (answer.exhaustion or bool(EXHAUSTION_TEXT.search(message)))
    elif expect == "exception":
        passed = status == "exception"
    elif expect == "compile-reject":
        passed = status == "reject" and answer.stage == "compile"
    elif expect in ("link-reject", "instantiate-reject"):
        passed = status == "reject" and answer.stage == "instantiate"
    if passed:
        return Verdict(PASS)
    if status == "return" and undecidable(step.results, list(answer.values)):
        return Verdict(SKIP, message="the host cannot tell which kind of reference came back")
    if javascript and status == "return" and _nan_payloads(step):
        return Verdict(SKIP, message=JS_NAN)
    return Verdict(FAIL, step.expected, actual, message)


def _nan_payloads(step: Step) -> bool:
    """Whether a NaN with a particular payload goes in or is expected out."""
    args = (step.directive or {}).get("args", [])
    if any(arg["type"] in FLOAT_FORMATS and is_nan(arg["type"], int(arg["value"])) for arg in args):
        return True
    return any(
        pattern[0] == "num" and pattern[1] in FLOAT_FORMATS and is_nan(pattern[1], pattern[2])
        for pattern in step.results
    )


def _switched_off_features(disabled: tuple[str, ...] | list[str]) -> set[str]:
    """The features this build has switched off, with those that build on them."""
    off: set[str] = set()
    for name in disabled:
        off |= {name, *dependents(name)}
    return off


def _mark_switched_off(sent: list[Step], answers: list[DirectiveAnswer], off: set[str]) -> None:
    """A refused module that uses a switched-off feature (as the module scanner reads its
    bytes) is `off`, not a failure; so are the failures that follow from it (calls into a
    module that is not there)."""
    follows = False
    for step, answer in zip(sent, answers, strict=True):
        verdict = step.verdict
        if verdict is None or verdict.status != FAIL:
            continue
        if answer.status == "reject" and _module_uses(step, off):
            step.verdict, follows = replace(verdict, status=OFF), True
        elif follows and (
            answer.status == "error"
            or (answer.status == "reject" and answer.stage == "instantiate")
        ):  # a call into it, or a module that imports what it would have registered
            step.verdict = replace(verdict, status=OFF)


def _module_uses(step: Step, features: set[str]) -> bool:
    module = (step.directive or {}).get("module")
    if not isinstance(module, str) or step.directive.get("do") != "module":
        return False
    try:
        report = scan(base64.b64decode(module))
    except ScanError:
        return False
    return bool(features & set(report.features))


def _tally(steps: list[Step], result: SpecCellResult, off: bool) -> tuple[Outcome, str]:
    counts: dict[str, Counter] = {}
    skips: dict[tuple[str, str], dict] = {}
    for step in steps:
        verdict = step.verdict or Verdict(SKIP, message="not run")
        status = verdict.status
        if status == FAIL and off and _is_rejection(verdict):  # a script about that feature
            status = OFF
        counts.setdefault(step.command, Counter())[status] += 1
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
    if total[FAIL]:
        return Outcome.FAIL, message
    if total[PASS] == 0:
        if total[OFF]:
            return Outcome.SKIP, message + ": all about features this build has switched off"
        return Outcome.SKIP, message + (
            f": {result.skips[0]['reason']}" if result.skips else ": nothing to run"
        )
    return Outcome.PASS, message


def _is_rejection(verdict: Verdict) -> bool:
    """A failure that comes from the engine refusing the feature (or what follows it)."""
    return verdict.actual.startswith("refused") or verdict.actual in ("error", "unsupported")
