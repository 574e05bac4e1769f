"""The pytest plugin: every cell of the matrix is an ordinary pytest item.

Switch it on with `--wasm-matrix` (or `wasm_matrix_cases` in a project's pytest
configuration) and give pytest the case folders. Each case file becomes a collector and
each (toolchain, profile, engine) an item named `toolchain/profile/engine`, so `-k`, `-m`,
`-n auto` (pytest-xdist) and `--junitxml` work as usual. Results are appended to the run's
results.jsonl by the controlling process as each cell finishes.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import pytest

from . import provision
from .analysis.history import HISTORY, add_run
from .build import BuildCache
from .cases import CASE_SUFFIXES, CaseError, find_case_files, known_engine_pattern, load_case
from .engines import EngineBuild, load_engine_builds, select
from .hosts import HostError, describe
from .outcomes import AS_EXPECTED, Outcome
from .paths import cache_dir, display_path
from .planner import Cell, Shard, assign_shards, assignment_fingerprint, plan, plan_fingerprint
from .profiles import FEATURES
from .reporting.ci import JUNIT, write_junit
from .reporting.markdown import write_summary
from .reporting.site import write_site
from .reporting.tables import outcome_counts
from .results import (
    ResultsWriter,
    RunInfo,
    finished_cells,
    new_run_folder,
    point_latest,
    read_durations,
    read_results,
    read_run,
)
from .runner import CellResult, Runner
from .settings import SettingsError, load_settings
from .spec.items import SpecItem
from .toolchains import all_toolchains

PROPERTY = "wasm_matrix_cell"
state_key = pytest.StashKey["MatrixState"]()


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("wasm-matrix", "WebAssembly compatibility matrix")
    group.addoption(
        "--wasm-matrix", action="store_true", help="collect YAML case files as matrix cells"
    )
    group.addoption(
        "--matrix-engines",
        default="",
        help="comma-separated engine ids or globs (default: every engine build)",
    )
    group.addoption(
        "--matrix-toolchains",
        default="",
        help="comma-separated toolchains (default: all that fit each case)",
    )
    group.addoption(
        "--matrix-profiles",
        default="",
        help="comma-separated profiles (default: those each case names)",
    )
    group.addoption(
        "--matrix-reports",
        default=None,
        help="folder for runs (default: reports/ under the rootdir)",
    )
    group.addoption(
        "--matrix-requires",
        default="",
        help="comma-separated engine ids, globs or families whose non-pass fails the run; "
        "other engines are reported as xfail (default: [tool.wasm-matrix] requires, "
        "else every engine; a case's own `requires` wins)",
    )
    group.addoption(
        "--matrix-no-provision",
        action="store_true",
        help="do not install missing engines; their cells are skipped",
    )
    group.addoption(
        "--matrix-shard",
        default=None,
        metavar="K/N",
        help="run only shard K of N (split by expected cost; see docs/reports.md)",
    )
    group.addoption(
        "--matrix-shard-durations",
        default=None,
        metavar="RUN",
        help="an earlier run whose cell durations balance the shards (default: a cost model)",
    )
    group.addoption(
        "--suite",
        "--matrix-suite",
        dest="matrix_suite",
        action="append",
        default=[],
        metavar="PATH",
        help="a WebAssembly spec test suite folder: its .wast scripts run on every engine",
    )
    parser.addini(
        "wasm_matrix_engines",
        type="args",
        default=[],
        help="engine ids, globs or families (--matrix-engines overrides)",
    )
    parser.addini(
        "wasm_matrix_requires",
        type="args",
        default=[],
        help="engines whose non-pass fails the run (--matrix-requires overrides)",
    )
    group.addoption(
        "--matrix-resume",
        default=None,
        metavar="RUN_DIR",
        help="resume an interrupted run: append to its results, skipping cells it has",
    )
    group.addoption(
        "--matrix-hostile",
        action="store_true",
        help="also collect the hostile corpus (case folders named 'hostile'); "
        "naming such a folder or file on the command line does too",
    )
    parser.addini(
        "wasm_matrix_cases",
        type="paths",
        default=[],
        help="case folders: YAML files under them are collected as matrix cells",
    )


class MatrixState:
    """What one pytest process knows about the matrix it runs."""

    def __init__(self, config: pytest.Config):
        self.config = config
        # Paths from an ini file are absolute already; one a conftest added with
        # config.addinivalue_line("wasm_matrix_cases", "cases") is relative to the rootdir.
        self.case_roots: list[Path] = [
            config.rootpath / root for root in config.getini("wasm_matrix_cases")
        ]
        self.suite_roots: list[Path] = [Path(p).resolve() for p in config.option.matrix_suite]
        self._spec_runner = None
        try:
            settings = load_settings(config.rootpath)
        except SettingsError as error:
            raise pytest.UsageError(str(error)) from None
        self.engines: list[EngineBuild] = select(
            load_engine_builds(),
            _list(config.option.matrix_engines)
            or config.getini("wasm_matrix_engines")
            or list(settings.engines),
        )
        self.toolchains = _list(config.option.matrix_toolchains) or list(settings.toolchains)
        self.profiles = _list(config.option.matrix_profiles) or list(settings.profiles)
        self.requires = (
            _list(config.option.matrix_requires)
            or config.getini("wasm_matrix_requires")
            or list(settings.requires)
        )
        for pattern in self.requires:
            if not known_engine_pattern(pattern):
                raise pytest.UsageError(f"wasm-matrix: requires {pattern!r} names no engine build")
        self.reports = config.option.matrix_reports or (
            settings.reports and config.rootpath / settings.reports
        )
        self.controller = not hasattr(config, "workerinput")
        self.names: dict[str, Path] = {}
        self._runner: Runner | None = None
        self.writer: ResultsWriter | None = None
        self.run_folder: Path | None = None
        self.run_info: RunInfo | None = None
        self.written: set[str] = set()
        self.provision_errors: dict[str, str] = {}
        try:
            shard = config.option.matrix_shard
            self.shard: Shard | None = Shard.parse(shard) if shard else None
        except ValueError as error:
            raise pytest.UsageError(str(error)) from None
        # Resuming: the run's folder and the cells it has results for (read by every
        # worker, before any cell of this session is written).
        self.resume_folder: Path | None = None
        self.done: set[tuple[str, str, str, str]] = set()
        self.resumed_cells = 0
        if config.option.matrix_resume:
            self.resume_folder = Path(config.option.matrix_resume).resolve()
            if not (self.resume_folder / "results.jsonl").exists():
                raise pytest.UsageError(
                    f"--matrix-resume: no results.jsonl in {self.resume_folder}"
                )
            self.done = finished_cells(self.resume_folder)

    @property
    def runner(self) -> Runner:
        if self._runner is None:
            self._runner = Runner(BuildCache(cache_dir() / "builds"))
        return self._runner

    @property
    def spec_runner(self):
        if self._spec_runner is None:
            from .spec.run import SpecRunner

            self._spec_runner = SpecRunner(self.runner.hosts)
        return self._spec_runner

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()
        if self.writer is not None:
            self.writer.close()


def _list(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _active(config: pytest.Config) -> bool:
    return bool(
        config.option.wasm_matrix
        or config.getini("wasm_matrix_cases")
        or config.option.matrix_suite
    )


def pytest_configure(config: pytest.Config) -> None:
    if not _active(config):
        return
    state = MatrixState(config)
    config.stash[state_key] = state
    for build in state.engines:
        config.addinivalue_line(
            "markers", f"{build.family.name}: cells run on {build.family.title}"
        )
    for feature in FEATURES:
        config.addinivalue_line("markers", f"{feature.name}: cells of cases using {feature.title}")
    config.addinivalue_line("markers", "probe: feature probe cells")
    config.addinivalue_line("markers", "program: program cells")
    config.addinivalue_line("markers", "spec: spec test suite cells")
    if state.controller and not config.option.collectonly:  # listing cells is no run
        _start_run(state)


def _start_run(state: MatrixState) -> None:
    config = state.config
    if not config.option.matrix_no_provision:
        for build in {b.family.name + b.version: b for b in state.engines}.values():
            try:
                provision.provision(build, log=lambda text: _say(config, text))
            except (provision.ProvisionError, OSError) as error:
                state.provision_errors[build.id] = str(error)
                _say(config, f"cannot provision {build.id}: {error}")
        formats = _case_formats(state)
        for name, toolchain in all_toolchains().items():
            if state.toolchains and name not in state.toolchains:
                continue
            if formats is not None and toolchain.format not in formats:
                continue  # no case here needs it (a project with only prebuilt modules)
            try:  # what needs no root (PyPI, npm, downloads); Debian ones stay `skip`
                toolchain.provision(system=False, log=lambda text: _say(config, text))
            except (provision.ProvisionError, OSError) as error:
                _say(config, f"cannot provision toolchain {name}: {error}")
    reports = Path(state.reports or config.rootpath / "reports")
    if state.resume_folder is not None:
        state.run_folder = state.resume_folder
    else:
        state.run_folder = new_run_folder(reports)
    point_latest(state.run_folder)
    state.writer = ResultsWriter(state.run_folder, resume=state.resume_folder is not None)
    earlier = read_run(state.run_folder) if state.resume_folder is not None else {}
    state.run_info = RunInfo(
        started_at=earlier.get("started_at") or _now(),
        resumed_at=[*earlier.get("resumed_at", []), _now()] if earlier else [],
        finished_at=None,
        engines=_engine_facts(state),
        toolchains=[_toolchain_facts(name) for name in all_toolchains()],
        selection={
            "engines": config.option.matrix_engines or "*",
            "toolchains": config.option.matrix_toolchains or "*",
            "profiles": config.option.matrix_profiles or "*",
            "arguments": list(config.invocation_params.args),
        },
        cells_planned=earlier.get("cells_planned", 0),
        project=config.rootpath,
    )
    state.run_info.write(state.run_folder)


def _case_formats(state: MatrixState) -> set[str] | None:
    """The module formats of the cases this run will collect, so that only the toolchains
    they need are provisioned; None when the command line does not say (then: all)."""
    config = state.config
    paths = [config.invocation_params.dir / arg.split("::")[0] for arg in config.args]
    if not all(path.exists() for path in paths):
        return None
    roots = state.case_roots
    if roots:  # search only the case folders (not a whole project with its venvs)
        paths = [p for p in paths if any(p.is_relative_to(r) for r in roots)] + [
            r for r in roots if any(r.is_relative_to(p) for p in paths)
        ]
    formats: set[str] = set()
    for file in find_case_files(paths):
        if state.case_roots and not any(file.is_relative_to(r) for r in state.case_roots):
            continue
        try:
            formats.update(source.format for source in load_case(file, config.rootpath).sources)
        except CaseError:
            continue  # reported when it is collected
    return formats


def _engine_facts(state: MatrixState) -> list[dict]:
    """Each build as its own host describes it: a handshake per configuration, in parallel."""
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(lambda build: _describe(build, state), state.engines))


def _describe(build: EngineBuild, state: MatrixState) -> dict:
    facts = {
        "id": build.id,
        "family": build.family.name,
        "title": build.family.title,
        "version": build.version,
        "disabled": list(build.disabled),
    }
    if build.id in state.provision_errors:
        facts["provision_error"] = state.provision_errors[build.id]
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


def _toolchain_facts(name: str) -> dict:
    toolchain = all_toolchains()[name]
    reason = toolchain.unavailable_reason()
    return {"name": name, "version": None if reason else toolchain.version(), "unavailable": reason}


def _say(config: pytest.Config, text: str) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"wasm-matrix: {text}")


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    state = config.stash.get(state_key, None)
    if state is None or not state.controller:
        return None
    return [
        f"wasm-matrix: {len(state.engines)} engine builds: "
        + ", ".join(build.id for build in state.engines),
        f"wasm-matrix: results in {state.run_folder}",
    ]


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    state = parent.config.stash.get(state_key, None)
    if state is not None and file_path.suffix == ".wast":
        # A suite may be given as hundreds of scripts, and pytest offers every file of their
        # folder once per script given: look the file and its folders up, not every root.
        resolved = file_path.resolve()
        roots = set(state.suite_roots)
        if resolved in roots or not roots.isdisjoint(resolved.parents):
            from .spec.items import SpecFile

            return SpecFile.from_parent(parent, path=file_path)
        return None
    if state is None or file_path.suffix not in CASE_SUFFIXES:
        return None
    if state.case_roots and not any(file_path.is_relative_to(root) for root in state.case_roots):
        return None
    if _hostile(file_path) and not _hostile_asked(parent.config, file_path):
        return None
    return CaseFile.from_parent(parent, path=file_path)


HOSTILE = "hostile"  # the hostile corpus's folder name (cases/hostile/, docs/reliability.md)


def _hostile(path: Path) -> bool:
    return HOSTILE in path.parent.parts


def _hostile_asked(config: pytest.Config, file_path: Path) -> bool:
    """Hostile cases run when asked: --matrix-hostile, or their folder or file named."""
    if config.option.matrix_hostile:
        return True
    invoked_from = config.invocation_params.dir
    for argument in config.args:
        named = (invoked_from / argument.split("::")[0]).resolve()
        if file_path.resolve().is_relative_to(named) and _hostile(named / "x"):
            return True
    return False


class CaseFile(pytest.File):
    def collect(self):
        state: MatrixState = self.config.stash[state_key]
        try:
            case = load_case(self.path, self.config.rootpath)
        except CaseError as error:
            yield BrokenCaseItem.from_parent(self, name="case", error=error)
            return
        other = state.names.setdefault(case.name, self.path)
        if other != self.path:
            error = CaseError(
                self.path, None, "name", f"the name {case.name!r} is already used by {other}"
            )
            yield BrokenCaseItem.from_parent(self, name="case", error=error)
            return
        for tag in case.tags:  # registered, so that --strict-markers accepts them
            self.config.addinivalue_line("markers", f"{tag}: cases tagged {tag}")
        for cell in plan([case], state.engines, state.toolchains, state.profiles):
            item = CellItem.from_parent(self, name=cell.name, cell=cell)
            item.requires = list(case.requires or state.requires)
            item.add_marker(cell.engine.family.name)
            item.add_marker(cell.case.kind)
            for marker in (*cell.case.features, *cell.case.tags):
                item.add_marker(marker)
            yield item


class CellNotPassed(Exception):
    def __init__(self, result: CellResult):
        super().__init__(result.message)
        self.result = result


class CellItem(pytest.Item):
    def __init__(self, *, cell: Cell, **kwargs):
        super().__init__(**kwargs)
        self.cell = cell
        self.requires: list[str] = []  # empty: every engine is required

    @property
    def required(self) -> bool:
        """Whether this cell's engine is one the project promises: its non-pass fails."""
        return not self.requires or bool(select([self.cell.engine], self.requires))

    def runtest(self) -> None:
        state: MatrixState = self.config.stash[state_key]
        result = state.runner.run(self.cell)
        result.required = self.required
        self.user_properties.append((PROPERTY, json.dumps(result.to_record())))
        if result.outcome == Outcome.SKIP:
            pytest.skip(result.message)
        if result.outcome not in (*AS_EXPECTED, Outcome.ERROR) and not result.required:
            # Reported (results, report, pytest's summary) but not a failure of the run;
            # an `error` is the harness's own fault and always fails.
            pytest.xfail(f"{result.outcome} on an engine that is not required: {_brief(result)}")
        if result.outcome not in AS_EXPECTED:  # a validator's `valid` is what it can say
            raise CellNotPassed(result)

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CellNotPassed):
            result = excinfo.value.result
            lines = [
                f"{result.case} on {result.engine} ({result.engine_version}), "
                f"built by {result.toolchain}/{result.profile}: {result.outcome}",
                *("    " + line for line in result.message.splitlines()),
            ]
            if self.requires:
                source = "the case" if self.cell.case.requires else "the project"
                lines.append(
                    f"required: {result.engine} is an engine {source} requires "
                    f"({', '.join(self.requires)}), so this fails the run"
                )
            lines.append(f"case:    {result.case_file}")
            if result.module_sha256:
                uses = ", ".join(result.module_uses) or "nothing beyond mvp"
                lines.append(
                    f"module:  uses {uses} (found by the module scanner)"
                    + (
                        f" (scanner: {result.module_scan_error})"
                        if result.module_scan_error
                        else ""
                    )
                )
            if result.build_command:
                lines.append(f"build:   {result.build_command}")
            lines.append(f"rerun:   {result.rerun}")
            return "\n".join(lines)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"{self.cell.case.name}[{self.name}]"


def _brief(result: CellResult, limit: int = 160) -> str:
    """The engine's message on one line: engines put the cause last (`Caused by: …`)."""
    lines = [line.strip() for line in result.message.splitlines() if line.strip()]
    text = lines[0] if len(lines) < 2 else f"{lines[0]} … {lines[-1]}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


class BrokenCaseItem(pytest.Item):
    """Stands for a case file that cannot be loaded: fails with the loader's message."""

    def __init__(self, *, error: CaseError, **kwargs):
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        record = CellResult(
            case=self.path.stem,
            toolchain="-",
            profile="-",
            engine="-",
            outcome=str(Outcome.ERROR),
            message=str(self.error),
            case_file=display_path(self.path),
            finished_at=_now(),
        )
        self.user_properties.append((PROPERTY, json.dumps(record.to_record())))
        raise self.error

    def repr_failure(self, excinfo, style=None):
        return (
            str(self.error)
            if isinstance(excinfo.value, CaseError)
            else super().repr_failure(excinfo, style)
        )

    def reportinfo(self):
        return self.path, self.error.line, f"{self.path.name}: bad case"


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    # Runs in the controlling process (with xdist, for every worker's reports too).
    for name, value in report.user_properties:
        if name == PROPERTY:
            _record(report, value)


def _record(report: pytest.TestReport, value: str) -> None:
    state = _controller_state
    if state is None or state.writer is None or report.nodeid in state.written:
        return
    state.written.add(report.nodeid)
    state.writer.write(json.loads(value))


_controller_state: MatrixState | None = None


@pytest.hookimpl(tryfirst=True)
def pytest_sessionstart(session: pytest.Session) -> None:
    global _controller_state
    state = session.config.stash.get(state_key, None)
    if state is not None and state.controller:
        _controller_state = state


@pytest.hookimpl(trylast=True)  # after -k and -m: a shard splits what would run unsharded
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    state = config.stash.get(state_key, None)
    if state is None:
        return
    if state.shard is not None:
        _keep_shard(state, config, items)
    if state.done:  # cells the resumed run already has: neither rerun nor written twice
        done = [item for item in items if _item_key(item) in state.done]
        if done:
            state.resumed_cells = len(done)
            config.hook.pytest_deselected(items=done)
            items[:] = [item for item in items if _item_key(item) not in state.done]


def _keep_shard(state: MatrixState, config: pytest.Config, items: list[pytest.Item]) -> None:
    keyed = {id(item): _item_key(item) for item in items}
    families = [(keyed[id(item)], _item_family(item)) for item in items]
    durations = {}
    source = config.option.matrix_shard_durations
    if source:
        try:
            durations = read_durations(Path(source))
        except (OSError, ValueError) as error:
            raise pytest.UsageError(f"--matrix-shard-durations: {error}") from None
    assignment = assign_shards(families, state.shard.count, durations)
    keep = [item for item in items if assignment[keyed[id(item)]] == state.shard.index]
    dropped = [item for item in items if assignment[keyed[id(item)]] != state.shard.index]
    items[:] = keep
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    facts = {
        "index": state.shard.index,
        "count": state.shard.count,
        "plan": plan_fingerprint(list(assignment)),
        "plan_cells": len(assignment),
        "assignment": assignment_fingerprint(assignment),
        "cells": len(keep),
        "durations_from": source,
    }
    if state.controller:
        _set_shard(state, facts)
    else:  # an xdist worker: the controller reads this in pytest_testnodedown
        config.workeroutput["wasm_matrix_shard"] = facts


def _item_key(item: pytest.Item) -> tuple[str, str, str, str]:
    if isinstance(item, CellItem | SpecItem):
        return item.cell.key
    return (item.path.stem, "-", "-", "-")  # a broken case file: one cell of its own


def _item_family(item: pytest.Item) -> str:
    return item.cell.engine.family.name if isinstance(item, CellItem | SpecItem) else "-"


def _set_shard(state: MatrixState, facts: dict) -> None:
    if state.run_info is not None:
        state.run_info.shard = facts
        state.run_info.cells_planned = facts["cells"]
        state.run_info.write(state.run_folder)


@pytest.hookimpl(optionalhook=True)  # an xdist hook: absent when xdist is not loaded
def pytest_testnodedown(node, error) -> None:
    # xdist's controller: every worker collected the same plan and computed the same split.
    state = _controller_state
    facts = getattr(node, "workeroutput", {}).get("wasm_matrix_shard")
    if state is not None and facts and state.run_info is not None and not state.run_info.shard:
        _set_shard(state, facts)


def pytest_collection_finish(session: pytest.Session) -> None:
    state = session.config.stash.get(state_key, None)
    if state is not None and state.controller and state.run_info is not None:
        planned = len(session.items) + state.resumed_cells
        # With xdist the controller collects nothing: keep what the run planned before.
        state.run_info.cells_planned = max(planned, state.run_info.cells_planned)
        state.run_info.write(state.run_folder)


def pytest_sessionfinish(session: pytest.Session) -> None:
    state = session.config.stash.get(state_key, None)
    if state is None or not state.controller or state.run_info is None:
        return
    if state.run_info.cells_planned == 0 and session.testscollected:
        state.run_info.cells_planned = session.testscollected
    state.run_info.finished_at = _now()
    state.run_info.write(state.run_folder)
    state.writer.close()
    state.writer = None
    write_summary(state.run_folder)
    add_run(state.run_folder.parent / HISTORY, state.run_folder)
    write_site(state.run_folder)
    write_junit(state.run_folder, state.run_folder / JUNIT)


def pytest_terminal_summary(terminalreporter, exitstatus, config: pytest.Config) -> None:
    state = config.stash.get(state_key, None)
    if state is not None and state.controller and state.run_folder is not None:
        terminalreporter.write_sep("-", "wasm-matrix")
        counts = outcome_counts(read_results(state.run_folder))
        shown = ", ".join(f"{n} {outcome}" for outcome, n in counts.items() if n)
        terminalreporter.write_line(f"cells:   {sum(counts.values())} ({shown or 'none'})")
        terminalreporter.write_line(f"results: {state.run_folder / 'results.jsonl'}")
        terminalreporter.write_line(f"report:  {state.run_folder / 'summary.md'}")
        terminalreporter.write_line(f"site:    {state.run_folder / 'site' / 'index.html'}")


def pytest_unconfigure(config: pytest.Config) -> None:
    global _controller_state
    state = config.stash.get(state_key, None)
    if state is not None:
        state.close()
        if _controller_state is state:
            _controller_state = None
