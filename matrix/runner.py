"""Run one cell: build its module (cached), hand it to a warm host, judge the answer.

Whatever happens, the cell ends with one outcome: a missing toolchain or engine is a
`skip` with the reason, a dead host a `crash`, a hung one a `timeout`, a harness fault an
`error`. Nothing a module or an engine does stops the run.
"""

from __future__ import annotations

import os
import shlex
import time
import traceback
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from . import load
from .build import BuildCache
from .cases import LOAD, PACKAGE, Case
from .engines import EngineBuild
from .host_limits import memory_limit
from .hosts import Environment, HostDied, HostPool, HostProtocolError, HostTimedOut
from .outcomes import Outcome
from .packages import PackageModule
from .paths import display_path
from .planner import Cell
from .protocol import Invoke, Limits, Load, Run, RunAnswer
from .provision import how_to_get, ready
from .records import CellResult
from .toolchains import BuildFailed, ProfileNotExpressible, Toolchain, all_toolchains
from .verdict import Verdict, judge
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


def settle(
    result: CellResult, started: float, work: Callable[[], tuple[Outcome, str]]
) -> CellResult:
    """Do a cell's `work` and stamp its result: whatever happens, the cell ends with an
    outcome (a fault of the harness is `error`, with its traceback), a duration and a time."""
    try:
        result.outcome, result.message = work()
    except Exception:
        result.outcome, result.message = Outcome.ERROR, traceback.format_exc()
    result.outcome = str(result.outcome)
    result.duration_ms = round((time.perf_counter() - started) * 1000, 3)
    result.finished_at = datetime.now(UTC).isoformat(timespec="milliseconds")
    return result


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


class Runner:
    def __init__(
        self,
        builds: BuildCache,
        hosts: HostPool | None = None,
        environment_of: Callable[[EngineBuild], Environment | None] = ready,
    ):
        self.builds = builds
        self.hosts = hosts or HostPool()
        self.environment_of = environment_of
        self._environments: dict[str, Environment] = {}  # read once per run, not per cell
        self.toolchains: dict[str, Toolchain] = all_toolchains()

    def close(self) -> None:
        self.hosts.close()

    def run(self, cell: Cell) -> CellResult:
        started = time.perf_counter()
        result = CellResult(
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
        )
        return settle(result, started, lambda: self._run(cell, result))

    def _run(self, cell: Cell, result: CellResult) -> tuple[Outcome, str]:
        toolchain = self.toolchains[cell.toolchain]
        reason = toolchain.unavailable_reason()
        if reason:
            return Outcome.SKIP, f"toolchain {cell.toolchain} is not available: {reason}"
        environment = self._environments.get(cell.engine.id)
        if environment is None:
            environment = self.environment_of(cell.engine)
            if environment is not None:
                self._environments[cell.engine.id] = environment
        if environment is None:
            return Outcome.SKIP, (
                f"engine {cell.engine.id} is not available here; "
                f"get it with: {how_to_get(cell.engine)}"
            )
        result.engine_version = str(environment.handshake.get("version", cell.engine.version))
        if cell.case.wasi is not None:
            family = cell.engine.family
            result.wasi = family.wasi or "none"
            if family.wasi is None:
                return Outcome.SKIP, f"{cell.engine.id} has no WASI: {family.wasi_missing}"
        result.toolchain_version = toolchain.version()
        try:
            built = self.builds.build(cell.case, toolchain, cell.profile)
        except ProfileNotExpressible as error:
            return Outcome.SKIP, f"profile {cell.profile} with {cell.toolchain}: {error}"
        except BuildFailed as error:
            return Outcome.BUILD_ERROR, str(error)
        result.module_sha256, result.module_size = built.sha256, len(built.module)
        result.build_command, result.build_cached = built.command, built.cached
        result.build_ms = built.build_ms
        result.module_uses = list(built.uses)
        result.module_scan_error = built.scan_error or ""
        reason = js_probe_unrunnable(cell, environment.handshake)
        if reason:
            return Outcome.SKIP, reason
        if cell.case.kind == LOAD:
            result.module_counts = dict(built.counts or {})
            if cell.case.module.format == PACKAGE:
                result.package = PackageModule.from_json(cell.case.module.content).facts()
        too_large = cell.engine.family.limits.refuses(len(built.module), cell.engine.id)
        if too_large:
            return Outcome.SKIP, too_large
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
            outcome, message = self._ask(cell, result, environment, loading, load.judge_load)
            if outcome == Outcome.REJECT:
                result.located = load.located(built.module, message)
            return outcome, message
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
                lambda case, answer: judge_wasi(case, answer, sandbox),
                sandbox,
            )

    def _ask(
        self,
        cell: Cell,
        result: CellResult,
        environment: Environment,
        request: Run,
        judge_answer: Callable[[Case, RunAnswer], Verdict],
        sandbox: Sandbox | None = None,
    ) -> tuple[Outcome, str]:
        """Send the request to the build's warm host; its answer (or its death) judged."""
        try:
            asked = time.perf_counter()
            host = self.hosts.get(cell.engine, environment)  # started if none is warm
            result.host_start_ms = round((time.perf_counter() - asked) * 1000, 3)
            if sandbox is not None:
                if not host.handshake.wasi:
                    why = host.handshake.wasi_missing
                    return Outcome.SKIP, f"{cell.engine.id} has no WASI here: {why}"
                request = replace(request, wasi=sandbox.request())
            answer = host.request(request, request.limits.seconds)
        except HostDied as death:
            self.hosts.discard(cell.engine)
            return Outcome.CRASH, str(death)
        except HostTimedOut as hung:
            self.hosts.discard(cell.engine)
            return Outcome.TIMEOUT, str(hung)
        except HostProtocolError as error:
            self.hosts.discard(cell.engine)
            return Outcome.ERROR, str(error)
        if answer.status == "timeout":  # the engine interrupted the module itself
            return Outcome.TIMEOUT, f"{cell.engine.id}: {answer.message}"
        if sandbox is not None:
            if answer.status == "unsupported":  # this version's API cannot run WASI
                return Outcome.SKIP, f"{cell.engine.id}: {answer.message}"
            if answer.wasi is not None and answer.wasi.host_fds:
                self.hosts.discard(cell.engine)  # its stdio is gone: the next cell gets a new one
        verdict = judge_answer(cell.case, answer)
        return verdict.outcome, verdict.message
