"""Run one cell: build its module (cached), hand it to a warm host, judge the answer.

Whatever happens, the cell ends with one outcome: a missing toolchain or engine is a
`skip` with the reason, a dead host a `crash`, a hung one a `timeout`, a harness fault an
`error`. Nothing a module or an engine does stops the run.
"""

from __future__ import annotations

import base64
import os
import shlex
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from .build import BuildCache
from .engines import EngineBuild
from .hosts import HostDied, HostPool, HostProtocolError, HostTimedOut, memory_limit
from .judging import Verdict, engine_unavailable, host_failure
from .outcomes import Outcome
from .paths import display_path
from .planner import Cell
from .provision import Environment, ready
from .toolchains import BuildFailed, ProfileNotExpressible, Toolchain, all_toolchains
from .verdict import judge


@dataclass
class CellResult:
    """One line of results.jsonl (docs/results.md lists every key)."""

    case: str
    toolchain: str
    profile: str
    engine: str
    outcome: str
    message: str
    case_file: str = ""
    kind: str = ""
    features: list[str] = field(default_factory=list)
    engine_family: str = ""
    engine_version: str = ""
    engine_disabled: list[str] = field(default_factory=list)
    toolchain_version: str = ""
    module_sha256: str = ""
    module_size: int = 0
    module_uses: list[str] = field(default_factory=list)  # the scanner's findings
    module_scan_error: str = ""
    build_command: str = ""
    build_cached: bool = False
    build_ms: float = 0.0  # the toolchain's time for this module (when it was built)
    rerun: str = ""
    required: bool = True  # the engine is one the case/project requires (see docs/pytest.md)
    executes: bool = True  # false: a validator-only engine, which says valid/invalid only
    control: bool = False  # a control case: no engine may pass it (docs/cases.md)
    unobserved_trap_kinds: int = 0  # expected traps passed on "it trapped": kind not shown
    duration_ms: float = 0.0
    finished_at: str = ""

    def to_record(self) -> dict:
        return asdict(self)


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
            executes=not cell.engine.family.validator_only,
            control=cell.case.control,
        )
        return settle(result, started, lambda: self._run(cell, result))

    def _run(self, cell: Cell, result: CellResult) -> tuple[Outcome, str]:
        toolchain = self.toolchains[cell.toolchain]
        reason = toolchain.unavailable_reason()
        if reason:
            return Outcome.SKIP, f"toolchain {cell.toolchain} is not available: {reason}"
        environment = self.environment_of(cell.engine)
        if environment is None:
            verdict = engine_unavailable(cell.engine)
            return verdict.outcome, verdict.message
        result.engine_version = str(environment.handshake.get("version", cell.engine.version))
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
        request = {
            "cmd": "run",
            "module": base64.b64encode(built.module).decode("ascii"),
            "calls": [
                {"invoke": call.invoke, "args": [arg.to_wire() for arg in call.args]}
                for call in cell.case.calls
            ],
            # Hosts that can stop a module themselves (wasmtime's epochs and store limits)
            # do so before the runner would have to kill them; linear memory gets 3/4 of
            # the host's memory limit, the rest is the engine's own.
            "limits": {"seconds": cell.case.timeout, "memory_bytes": memory_limit() * 3 // 4},
        }
        try:
            host = self.hosts.get(cell.engine, environment)
            answer = host.request(request, cell.case.timeout)
        except (HostDied, HostTimedOut, HostProtocolError) as error:
            self.hosts.discard(cell.engine)
            verdict = host_failure(error)
            return verdict.outcome, verdict.message
        if answer.get("status") == "timeout":  # the engine interrupted the module itself
            return Outcome.TIMEOUT, f"{cell.engine.id}: {answer.get('message', '')}"
        validator_only = cell.engine.family.validator_only or bool(
            host.handshake.get("validator_only")
        )
        result.executes = not validator_only
        verdict = control_checked(cell, judge(cell.case, answer, validator_only))
        result.unobserved_trap_kinds = verdict.unobserved
        return verdict.outcome, verdict.message


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
