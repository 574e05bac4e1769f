"""A matrix run's life, from the first engine installed to the last report written.

One `MatrixRun` per run, in the one process that writes it (pytest's controlling process):

    run = MatrixRun(selection, project=root, arguments=argv, log=print)
    run.start()                           # engines provisioned, run folder, run.json
    run.provision_toolchains({"clang-19"})  # once the cells to run are known
    run.record(cell_result)               # each finished cell: results.jsonl, then observers
    run.heard({"wasmtime-50.0.1": {...}})   # handshakes of the hosts that ran cells
    run.finish()                          # run.json closed; summary, history, site, JUnit
    run.close()

No host is started just to describe its build before the first cell (a browser or
binaryen.js takes seconds): run.json's handshakes are those of the hosts that ran the
cells, sent by the processes that started them; a build no cell started a host for is
described at the end.

It knows nothing of pytest: the plugin calls it from its hooks, and `wasm-matrix run` (or a
progress display) subscribes to finished cells with `run.observe(callback)`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from . import debian, provision
from .analysis.history import HISTORY, add_run
from .debian import SystemPackages
from .engines import EngineBuild
from .hosts import HostError, describe
from .records import CellResult
from .reporting.ci import JUNIT, write_junit
from .reporting.markdown import write_summary
from .reporting.site import write_site
from .results import ResultsWriter, RunInfo, new_run_folder, point_latest, read_run
from .selection import Selection
from .toolchains import Toolchain, all_toolchains

CellObserver = Callable[[CellResult], None]  # called with each finished cell's record


class MatrixRun:
    def __init__(
        self,
        selection: Selection,
        *,
        project: Path,
        arguments: Iterable[str] = (),
        log: Callable[[str], None] = print,
    ):
        self.selection = selection
        self.project = project
        self.arguments = list(arguments)
        self.log = log
        self.folder: Path | None = None
        self.info: RunInfo | None = None
        self.provision_errors: dict[str, str] = {}  # engine build id → why not installed
        self._writer: ResultsWriter | None = None
        self._observers: list[CellObserver] = []
        self._toolchains_ready = False
        # The pytest route ends with the matrix summary; `wasm-matrix run` prints its own.
        self.closing_summary = True
        self.handshakes: dict[str, dict] = {}  # build id → its host's answer to `start`

    def observe(self, observer: CellObserver) -> None:
        """Call `observer(record)` after each cell's record is written."""
        self._observers.append(observer)

    # -- start -----------------------------------------------------------------------------

    def start(self) -> None:
        """Install the selected engines, open the run folder and write run.json."""
        if not self.selection.no_provision:
            self._provision_engines()
        resume = self.selection.resume
        self.folder = resume if resume is not None else new_run_folder(self.selection.reports)
        point_latest(self.folder)
        self._writer = ResultsWriter(self.folder, resume=resume is not None)
        earlier = read_run(self.folder) if resume is not None else {}
        self.info = RunInfo(
            started_at=earlier.get("started_at") or now(),
            resumed_at=[*earlier.get("resumed_at", []), now()] if earlier else [],
            finished_at=None,
            engines=self._engine_facts(),
            toolchains=toolchain_facts(),
            selection={**self.selection.given, "arguments": self.arguments},
            cells_planned=earlier.get("cells_planned", 0),
            project=self.project,
        )
        self._write_info()

    @property
    def system_packages(self) -> SystemPackages:
        """What this run may do about Debian packages: install (root), unpack, or nothing."""
        return SystemPackages.here(allowed=not self.selection.no_system_packages)

    def _provision_engines(self) -> None:
        # Builds that differ only in switched-off features share one installation.
        got = provision.provision_all(self.selection.engines, self.system_packages, self.log)
        for build in self.selection.engines:
            error = got.get(build.environment_key)
            if isinstance(error, provision.ProvisionError):
                self.provision_errors[build.id] = str(error)
        for key, error in got.items():
            if isinstance(error, provision.ProvisionError):
                self.log(f"cannot provision {key}: {error}")

    def _install_debian(self, packages: Iterable[str]) -> None:
        try:
            debian.install_all(list(packages), self.log)
        except provision.ProvisionError as error:  # each program then says what it lacks
            self.log(f"cannot install Debian packages: {error}")

    def provision_toolchains(self, names: Iterable[str]) -> None:
        """Install what the cells' toolchains need (PyPI, npm, downloads, and Debian
        packages as `system_packages` allows), once the cells are known; run.json then
        says which versions the run has."""
        if self._toolchains_ready:
            return
        self._toolchains_ready = True
        if self.selection.no_provision:
            return
        toolchains = all_toolchains()
        wanted = [toolchains[name] for name in sorted(set(names))]
        system = self.system_packages
        if system is SystemPackages.INSTALL:
            lacking = [t for t in wanted if t.unavailable_reason() is not None]
            self._install_debian(p for toolchain in lacking for p in toolchain.debian_packages)

        def get(toolchain: Toolchain) -> None:
            try:
                toolchain.provision(system, log=self.log)
            except (provision.ProvisionError, OSError) as error:
                self.log(f"cannot provision toolchain {toolchain.name}: {error}")

        with ThreadPoolExecutor(max_workers=provision.SIDE_BY_SIDE) as pool:
            list(pool.map(get, wanted))
        if self.info is not None:
            self.info.toolchains = toolchain_facts()
            self._write_info()

    def _engine_facts(self) -> list[dict]:
        """Each build's facts; its handshake comes later (`heard`, `finish`)."""
        return [self._plain_facts(build) for build in self.selection.engines]

    def _plain_facts(self, build: EngineBuild) -> dict:
        facts = {
            "id": build.id,
            "family": build.family.name,
            "title": build.family.title,
            "version": build.version,
            "disabled": list(build.disabled),
        }
        if build.id in self.provision_errors:
            facts["provision_error"] = self.provision_errors[build.id]
        return facts

    def _describe(self, build: EngineBuild) -> dict:
        """A build's facts with a handshake from a host started just to ask."""
        facts = self._plain_facts(build)
        environment = provision.ready(build)
        if environment is None:
            return facts
        try:
            facts["handshake"] = describe(build, environment).wire
        except HostError as error:
            # Kept as a fact of the run: every cell of this build will show it too.
            facts["handshake"] = environment.handshake
            facts["start_error"] = str(error)
        return facts

    # -- during the run --------------------------------------------------------------------

    def record(self, result: CellResult) -> None:
        """A finished cell: appended to results.jsonl (on disk before observers hear of it)."""
        if self._writer is None:
            return
        self._writer.write(result)
        for observer in self._observers:
            observer(result)

    def heard(self, handshakes: dict[str, dict]) -> None:
        """Handshakes (build id → the host's answer to `start`) of hosts that ran cells."""
        for build, handshake in handshakes.items():
            self.handshakes.setdefault(build, handshake)

    def planned(self, cells: int) -> None:
        """The cells this run plans (a resumed run counts those it had already)."""
        if self.info is not None and cells > self.info.cells_planned:
            self.info.cells_planned = cells
            self._write_info()

    def sharded(self, facts: dict) -> None:
        """Which shard of which plan this run is (see sharding.py)."""
        if self.info is not None and not self.info.shard:
            self.info.shard = facts
            self.info.cells_planned = facts["cells"]
            self._write_info()

    # -- the end ---------------------------------------------------------------------------

    def finish(
        self, collected: int = 0, *, interrupted: bool = False, schedule: dict | None = None
    ) -> None:
        """Close run.json and the results, then write the reports from them. `schedule`
        says how cells were dealt to workers (scheduling.py)."""
        if self.info is None or self.folder is None:
            return
        if self.info.cells_planned == 0 and collected:
            self.info.cells_planned = collected
        self.info.schedule = schedule
        self._add_handshakes(describe_missing=not interrupted)
        self.info.finished_at = now()
        self._write_info()
        self.close()
        write_summary(self.folder)
        add_run(self.folder.parent / HISTORY, self.folder)
        write_site(self.folder)
        write_junit(self.folder, self.folder / JUNIT)

    def _add_handshakes(self, describe_missing: bool) -> None:
        """Each build as its own host described it: the handshake of a host that ran its
        cells; a build whose cells started no host (none selected, or its host cannot
        start: the reason is kept) is asked now, unless the run was interrupted."""
        assert self.info is not None
        missing = [b for b in self.selection.engines if b.id not in self.handshakes]
        described: dict[str, dict] = {}
        if missing and describe_missing:
            with ThreadPoolExecutor(max_workers=4) as pool:
                for facts in pool.map(self._describe, missing):
                    described[facts["id"]] = facts
        for facts in self.info.engines:
            if facts["id"] in self.handshakes:
                facts["handshake"] = self.handshakes[facts["id"]]
            else:
                facts.update(described.get(facts["id"], {}))

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
            self._writer = None

    def _write_info(self) -> None:
        if self.info is not None and self.folder is not None:
            self.info.write(self.folder)


def toolchain_facts() -> list[dict]:
    facts = []
    for name, toolchain in all_toolchains().items():
        reason = toolchain.unavailable_reason()
        facts.append(
            {
                "name": name,
                "version": None if reason else toolchain.version(),
                "unavailable": reason,
            }
        )
    return facts


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
