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
from functools import lru_cache
from pathlib import Path

from .build import BuildCache
from .cellrun import CellRunner
from .engines import EngineBuild
from .host_limits import memory_limit
from .hosts import Environment, HostPool
from .judging import Verdict
from .outcomes import Outcome
from .paths import display_path
from .planner import Cell
from .protocol import Invoke, Limits, Run
from .provision import ready
from .records import CellResult
from .toolchains import BuildFailed, ProfileNotExpressible, Toolchain, all_toolchains
from .verdict import judge


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


class Runner(CellRunner[Cell, CellResult]):
    """Case cells: build the module (cached), run the calls on a warm host, judge them."""

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
        toolchain = self.toolchains[cell.toolchain]
        reason = toolchain.unavailable_reason()
        if reason:
            return Verdict(Outcome.SKIP, f"toolchain {cell.toolchain} is not available: {reason}")
        environment = self.environment(cell.engine)
        result.engine_version = str(environment.handshake.get("version", cell.engine.version))
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
        # The case's limit, scaled for engines that are slow by nature (their manifest says).
        timeout = cell.case.timeout * cell.engine.family.timeout_factor
        request = Run(
            module=built.module,
            calls=tuple(
                Invoke(call.invoke, tuple(arg.to_wire() for arg in call.args))
                for call in cell.case.calls
            ),
            # Hosts that can stop a module themselves (wasmtime's epochs and store limits)
            # do so before the runner would have to kill them; linear memory gets 3/4 of
            # the host's memory limit, the rest is the engine's own.
            limits=Limits(timeout, memory_limit() * 3 // 4),
        )
        asked = time.perf_counter()
        host = self.host(cell.engine, environment)  # started if none is warm
        result.host_start_ms = round((time.perf_counter() - asked) * 1000, 3)
        answer = self.ask(cell.engine, host, request, timeout)
        if answer.status == "timeout":  # the engine interrupted the module itself
            return Verdict(Outcome.TIMEOUT, f"{cell.engine.id}: {answer.message}")
        validator_only = self.validator_only(cell.engine, host)
        result.executes = not validator_only
        return control_checked(cell, judge(cell.case, answer, validator_only))


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
