"""Run one case cell: build its module (cached), hand it to a warm host, judge the answer.

Whatever happens, the cell ends with one outcome (matrix/cellrun.py, which spec cells share):
a missing toolchain or engine is a `skip` with the reason, a dead host a `crash`, a hung
one a `timeout`, a harness fault an `error`. Nothing a module or an engine does stops the run.
"""

from __future__ import annotations

import os
import shlex
import time
from collections.abc import Callable
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

from . import load
from .build import BuildCache
from .cases import LOAD, PACKAGE, Case
from .cellrun import CellRunner, Settled
from .engines import EngineBuild
from .host_limits import memory_limit
from .hosts import Environment, HostPool
from .judging import Verdict
from .outcomes import Outcome
from .packages import PackageModule
from .paths import display_path
from .planner import Cell
from .protocol import Invoke, Limits, Load, Run, RunAnswer
from .provision import ready
from .records import CellResult
from .toolchains import BuildFailed, ProfileNotExpressible, Toolchain, all_toolchains
from .verdict import judge
from .wasi.judge import judge_wasi
from .wasi.sandbox import Sandbox


@lru_cache(maxsize=4096)
def _shown(path: Path, cwd: str) -> str:
    return display_path(path)


def shown_path(path: Path) -> str:
    """display_path, remembered: resolving paths costs ~0.2 ms, twice for every cell."""
    return _shown(path, os.getcwd())


def rerun_command(cell: Cell) -> str:
    command = [
        "wasm-matrix",
        "run",
        shown_path(cell.case.path),
        "--engines",
        cell.engine.id,
        "--toolchains",
        cell.toolchain,
        "--profiles",
        cell.profile,
    ]
    if cell.case.variant:  # one built file of a `module:` glob
        command += ["--", "-k", cell.case.variant]
    return shlex.join(command)


def js_probe_unrunnable(cell: Cell, handshake: dict) -> str | None:
    """Why this engine cannot run the case's JS-API probe, if it cannot."""
    if cell.case.js is None:
        return None
    if handshake.get("validator_only"):
        return "a JS-API probe needs an engine that executes; this one only validates"
    if handshake.get("language") != "javascript":
        return (
            f"a JS-API probe needs a JavaScript host; {cell.engine.family.name} embeds "
            "WebAssembly without JavaScript"
        )
    return None


class Runner(CellRunner[Cell, CellResult]):
    """Case cells: build the module (cached), run the calls on a warm host, judge them.
    A pass on a control, of any kind of cell, is turned into the harness's `error`."""

    def __init__(
        self,
        builds: BuildCache,
        hosts: HostPool | None = None,
        environment_of: Callable[[EngineBuild], Environment | None] = ready,
    ):
        super().__init__(hosts, environment_of)
        self.builds = builds
        self.toolchains: dict[str, Toolchain] = all_toolchains()

    def record(self, cell: Cell) -> CellResult:
        return CellResult(
            case=cell.case.name,
            toolchain=cell.toolchain,
            profile=cell.profile,
            engine=cell.engine.id,
            outcome=Outcome.ERROR,
            message="",
            case_file=shown_path(cell.case.path),
            kind=cell.case.kind,
            features=list(cell.case.features),
            engine_family=cell.engine.family.name,
            engine_version=cell.engine.version,
            engine_disabled=list(cell.engine.disabled),
            rerun=rerun_command(cell),
            executes=not cell.engine.family.validator_only,
            control=cell.case.control,
        )

    def judge(self, cell: Cell, result: CellResult) -> Verdict:
        return control_checked(cell, self._judge(cell, result))

    def _judge(self, cell: Cell, result: CellResult) -> Verdict:
        toolchain = self.toolchains[cell.toolchain]
        reason = toolchain.unavailable_reason()
        if reason:
            return Verdict(Outcome.SKIP, f"toolchain {cell.toolchain} is not available: {reason}")
        environment = self.environment(cell.engine)
        result.engine_version = str(environment.handshake.get("version", cell.engine.version))
        if cell.case.wasi is not None:
            family = cell.engine.family
            result.wasi = family.wasi or "none"
            if family.wasi is None:
                return Verdict(Outcome.SKIP, f"{cell.engine.id} has no WASI: {family.wasi_missing}")
        result.toolchain_version = toolchain.version()
        try:
            built = self.builds.build(cell.case, toolchain, cell.profile)
        except ProfileNotExpressible as error:
            return Verdict(Outcome.SKIP, f"profile {cell.profile} with {cell.toolchain}: {error}")
        except BuildFailed as error:
            return Verdict(Outcome.BUILD_ERROR, str(error))
        result.module_sha256, result.module_size = built.sha256, len(built.module)
        result.build_command, result.build_cached = built.command, built.cached
        result.build_ms = built.build_ms
        result.module_uses = list(built.uses)
        result.module_scan_error = built.scan_error or ""
        reason = js_probe_unrunnable(cell, environment.handshake)
        if reason:
            return Verdict(Outcome.SKIP, reason)
        if cell.case.kind == LOAD:
            result.module_counts = dict(built.counts or {})
            if cell.case.module.format == PACKAGE:
                result.package = PackageModule.from_json(cell.case.module.content).facts()
        too_large = cell.engine.family.limits.refuses(len(built.module), cell.engine.id)
        if too_large:
            return Verdict(Outcome.SKIP, too_large)
        # The case's limit, scaled for engines that are slow by nature (their manifest says).
        timeout = cell.case.timeout * cell.engine.family.timeout_factor
        # Hosts that can stop a module themselves (wasmtime's epochs and store limits)
        # do so before the runner would have to kill them; linear memory gets 3/4 of
        # the host's memory limit, the rest is the engine's own.
        limits = Limits(timeout, memory_limit() * 3 // 4)
        js = cell.case.js is not None
        calls = tuple(
            Invoke(
                call.invoke,
                tuple(arg.to_wire() for arg in call.args),
                # JS functions do not say their wasm types: the expectation's types do.
                tuple(value.type for value in call.expect or ()) if js else None,
            )
            for call in cell.case.calls
        )
        if cell.case.kind == LOAD:
            loading = Load(module=built.module, calls=calls, limits=limits)
            verdict = self._ask(cell, result, environment, loading, load.judge_load)
            if verdict.outcome in (Outcome.REJECT, Outcome.INVALID):
                result.located = load.located(built.module, verdict.message)
            return verdict
        request = Run(module=built.module, calls=calls, limits=limits, js=cell.case.js)
        wasi = cell.case.wasi
        if wasi is None:
            return self._ask(cell, result, environment, request, judge)
        with Sandbox(wasi, cell.case.name, cell.engine.family.wasi == "shim") as sandbox:
            return self._ask(
                cell,
                result,
                environment,
                request,
                lambda case, answer, _: judge_wasi(case, answer, sandbox),
                sandbox,
            )

    def _ask(
        self,
        cell: Cell,
        result: CellResult,
        environment: Environment,
        request: Run | Load,
        judge_answer: Callable[[Case, RunAnswer, bool], Verdict],
        sandbox: Sandbox | None = None,
    ) -> Verdict:
        """Send the request to the build's warm host and judge its answer (a host that
        dies, hangs or speaks nonsense settles the cell: matrix/cellrun.py)."""
        asked = time.perf_counter()
        host = self.host(cell.engine, environment)  # started if none is warm
        result.host_start_ms = round((time.perf_counter() - asked) * 1000, 3)
        if sandbox is not None:
            if not host.handshake.wasi:
                why = host.handshake.wasi_missing
                raise Settled(Verdict(Outcome.SKIP, f"{cell.engine.id} has no WASI here: {why}"))
            request = replace(request, wasi=sandbox.request())
        answer = self.ask(cell.engine, host, request, request.limits.seconds)
        if answer.status == "timeout":  # the engine interrupted the module itself
            return Verdict(Outcome.TIMEOUT, f"{cell.engine.id}: {answer.message}")
        if sandbox is not None:
            if answer.status == "unsupported":  # this version's API cannot run WASI
                return Verdict(Outcome.SKIP, f"{cell.engine.id}: {answer.message}")
            if answer.wasi is not None and answer.wasi.host_fds:
                self.hosts.discard(cell.engine)  # its stdio is gone: the next cell gets a new one
        validator_only = self.validator_only(cell.engine, host)
        result.executes = not validator_only
        return judge_answer(cell.case, answer, validator_only)


def control_checked(cell: Cell, verdict: Verdict) -> Verdict:
    """A control's expectations are wrong on purpose: a pass on one means the harness judged
    wrong (a host inventing a value, a lossy conversion), so it is the harness's `error`."""
    if not cell.case.control or verdict.outcome != Outcome.PASS:
        return verdict
    return Verdict(
        Outcome.ERROR,
        f"harness defect: {cell.engine.id} passed the control {cell.case.name}, whose "
        f"expectations are wrong on purpose ({verdict.message})",
    )
