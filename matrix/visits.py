"""One release of a series, visited: installed into the engine cache, every case run on
each configuration, the cells written as an ordinary run (results.jsonl and run.json in
`<reports>/since/<family>/<version>/`), so `report`, `diff` and the site read it as they
read any run. A release already visited is read back, and only missing cells are run;
a release that cannot be installed is recorded once, with the reason, and skipped.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from .build import BuildCache
from .cases import Case
from .engines import EngineBuild
from .hosts import DIED_AT_START, Environment, host_command
from .install import ProvisionError
from .paths import cache_dir
from .planner import plan
from .provision import provision, ready
from .results import RESULTS, ResultsWriter, RunInfo, finished_cells, read_results
from .runner import Runner
from .series import Configuration, Series, discover_flags

INSTALL_FAILED = "install-failed.json"


@dataclass
class Visit:
    """What one release showed: each (case, configuration)'s outcome."""

    version: str
    folder: Path
    outcomes: dict[tuple[str, str], str] = field(default_factory=dict)
    install_error: str | None = None
    installed: bool = False  # this visit installed the release (it was not in the cache)
    seconds: float = 0.0
    crash: str | None = None  # every cell that ran crashed: the engine's message (its CPU?)
    # Configurations whose host died at start for every cell (a flag that kills it before
    # any module): configuration -> the message; they say nothing about any feature.
    crashed: dict[str, str] = field(default_factory=dict)


def visit_folder(reports: Path, series: Series, version: str) -> Path:
    return reports / "since" / series.family.name / version


def visit(
    series: Series,
    version: str,
    cases: list[Case],
    reports: Path,
    log=print,
    install: bool = True,
) -> Visit:
    """`install=False`: only read what earlier visits left (a release never visited says
    nothing), for findings from the results at hand."""
    started = time.monotonic()
    folder = visit_folder(reports, series, version)
    failed = folder / INSTALL_FAILED
    if failed.exists():
        reason = json.loads(failed.read_text("utf-8")).get("reason", "")
        return Visit(version, folder, install_error=reason)
    builds = {c.name: series.build(version, c) for c in series.configurations}
    wanted = {(case.name, c.name) for case in cases for c in series.configurations}
    result = Visit(version, folder)
    if (folder / RESULTS).exists():
        result.outcomes, result.crash, result.crashed = _outcomes(folder, builds)
        if wanted <= set(result.outcomes):
            return result
    if not install:
        return result
    folder.mkdir(parents=True, exist_ok=True)
    base = next(iter(builds.values()))
    try:
        result.installed = ready(base) is None
        environment = provision(base, log=lambda text: None)
    except (ProvisionError, OSError) as error:  # OSError: the engine's program would not run
        reason = str(error).strip()[-2000:] or repr(error)
        # An install that failed is not tried again; a host that did not start may be the
        # host's fault, fixed tomorrow: that is only skipped for this search.
        if isinstance(error, ProvisionError) and "host did not start" not in reason:
            failed.write_text(json.dumps({"version": version, "reason": reason}, indent=2), "utf-8")
        log(f"  {series.family.name} {version}: cannot be installed: {reason.splitlines()[-1]}")
        return Visit(version, folder, install_error=reason, installed=True)
    builds = {
        c.name: series.build(version, c, _flags(series, c, environment, version))
        for c in series.configurations
    }
    _run_cells(series, builds, cases, environment, folder)
    result.outcomes, result.crash, result.crashed = _outcomes(folder, builds)
    result.seconds = time.monotonic() - started
    return result


def _flags(series: Series, configuration: Configuration, environment: Environment, version: str):
    if not configuration.discover:
        return ()
    program = host_command(series.build(version, configuration), environment)[0]
    return discover_flags(configuration, program)


def _run_cells(
    series: Series,
    builds: dict[str, EngineBuild],
    cases: list[Case],
    environment: Environment,
    folder: Path,
) -> None:
    done = finished_cells(folder) if (folder / RESULTS).exists() else set()
    cells = [
        cell
        for cell in plan(cases, list(builds.values()))
        if cell.key not in done and cell.toolchain in ("wat", "binary")
    ]
    if not cells:
        return
    info = RunInfo(
        started_at=datetime.now(UTC).isoformat(timespec="seconds"),
        finished_at=None,
        engines=[_facts(build, environment) for build in builds.values()],
        toolchains=[],
        selection={
            "since": series.family.name,
            "version": builds[next(iter(builds))].version,
            "cases": sorted({cell.case.name for cell in cells}),
        },
        cells_planned=len(cells),
    )
    info.write(folder)
    runner = Runner(BuildCache(cache_dir() / "builds"), environment_of=lambda build: environment)
    writer = ResultsWriter(folder, resume=True)
    try:
        for cell in cells:
            writer.write(runner.run(cell).to_record())
    finally:
        writer.close()
        runner.close()
    info.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
    info.write(folder)


def _facts(build: EngineBuild, environment: Environment) -> dict:
    return {
        "id": build.id,
        "family": build.family.name,
        "title": build.family.title,
        "version": build.version,
        "disabled": list(build.disabled),
        "flags": build.engine_flags,
        "host_arguments": build.host_arguments,
        "handshake": environment.handshake,
    }


def _outcomes(folder: Path, builds: dict[str, EngineBuild]):
    """Each (case, configuration)'s outcome; the crash if every cell that ran crashed; and
    each configuration whose host died at start for every cell (no module reached it)."""
    configuration_of = {build.id: name for name, build in builds.items()}
    outcomes, messages = {}, {}
    for record in read_results(folder):
        name = configuration_of.get(record.engine)
        if name is not None:
            outcomes[(record.case, name)] = record.outcome
            messages[(record.case, name)] = record.message
    ran = [key for key, outcome in outcomes.items() if outcome != "skip"]
    crash = None
    if ran and all(outcomes[key] == "crash" for key in ran):
        crash = _first_line(messages[ran[0]])
    crashed = {}
    for name in builds:
        mine = [key for key in ran if key[1] == name]
        if mine and all(
            outcomes[key] == "crash" and DIED_AT_START in messages[key].split("\n")[0]
            for key in mine
        ):
            crashed[name] = messages[mine[0]].split("\n")[0][:300]
    return outcomes, crash, crashed


def _first_line(message: str) -> str:
    lines = [line.strip() for line in message.splitlines() if "panicked" in line]
    return (lines or message.splitlines() or [""])[0][:300]
