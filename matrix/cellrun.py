"""What running a case cell and running a spec cell share: one base for both runners.

Whatever happens, a cell ends with one outcome, a duration and a time (`settle`): an engine
that is not there is a `skip` with the command that gets it, a host that died a `crash`, one
that hung a `timeout`, one that spoke outside the protocol or a fault of the harness an
`error` (with its traceback). A runner says what is its own (`record`, the cell's blank
result; `judge`, its verdict) and uses the shared steps (`environment`, `host`, `ask`); a
step that already decides the cell raises `Settled` with the verdict (matrix/judging.py).
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Generic, TypeVar

from .engines import EngineBuild
from .hosts import Environment, Host, HostDied, HostPool, HostProtocolError, HostTimedOut
from .judging import Verdict, engine_unavailable, host_failure
from .outcomes import Outcome
from .protocol import Answer, Request
from .provision import ready
from .records import CellResult

CellT = TypeVar("CellT")
ResultT = TypeVar("ResultT", bound=CellResult)


class Settled(Exception):
    """A step that decides the cell by itself (no engine here, a host that died)."""

    def __init__(self, verdict: Verdict):
        super().__init__(verdict.message)
        self.verdict = verdict


def settle(result: ResultT, started: float, work: Callable[[], tuple[Outcome, str]]) -> ResultT:
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


class CellRunner(Generic[CellT, ResultT]):
    """Runs cells of one kind on warm hosts (one per engine build, kept in `hosts`)."""

    def __init__(
        self,
        hosts: HostPool | None = None,
        environment_of: Callable[[EngineBuild], Environment | None] = ready,
    ):
        self.hosts = hosts or HostPool()
        self.environment_of = environment_of
        self._environments: dict[str, Environment] = {}  # read once per run, not per cell

    def close(self) -> None:
        self.hosts.close()

    def run(self, cell: CellT) -> ResultT:
        started = time.perf_counter()
        result = self.record(cell)
        return settle(result, started, lambda: self._verdict(cell, result))

    def _verdict(self, cell: CellT, result: ResultT) -> tuple[Outcome, str]:
        try:
            verdict = self.judge(cell, result)
        except Settled as settled:
            verdict = settled.verdict
        result.unobserved_trap_kinds = verdict.unobserved
        return verdict.outcome, verdict.message

    # What each kind of cell provides.
    def record(self, cell: CellT) -> ResultT:
        """The cell's result before it runs (names, engine, rerun command)."""
        raise NotImplementedError

    def judge(self, cell: CellT, result: ResultT) -> Verdict:
        """Run the cell and say how it ended; fill in what the result learns on the way."""
        raise NotImplementedError

    # The steps every cell takes.
    def environment(self, build: EngineBuild) -> Environment:
        """The build's provisioned environment; a build that is not here settles the cell."""
        environment = self._environments.get(build.id)
        if environment is None:
            environment = self.environment_of(build)
            if environment is None:
                raise Settled(engine_unavailable(build))
            self._environments[build.id] = environment
        return environment

    def host(self, build: EngineBuild, environment: Environment) -> Host:
        """The build's warm host, started if need be."""
        try:
            return self.hosts.get(build, environment)
        except (HostDied, HostTimedOut, HostProtocolError) as error:
            raise Settled(host_failure(error)) from None

    def ask(self, build: EngineBuild, host: Host, request: Request, timeout: float) -> Answer:
        """One request's answer; a host that dies, hangs or speaks nonsense settles the cell
        (and is discarded: the next cell gets a fresh one)."""
        try:
            return host.request(request, timeout)
        except (HostDied, HostTimedOut, HostProtocolError) as error:
            self.hosts.discard(build)
            raise Settled(host_failure(error)) from None

    @staticmethod
    def validator_only(build: EngineBuild, host: Host) -> bool:
        """Whether the build only validates (its manifest or its handshake says so)."""
        return build.family.validator_only or host.handshake.validator_only
