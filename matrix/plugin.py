"""The pytest plugin: every cell of the matrix is an ordinary pytest item.

Switch it on with `--wasm-matrix` (or `wasm_matrix_cases` in a project's pytest
configuration) and give pytest the case folders. Each case file becomes a collector and
each (toolchain, profile, engine) an item named `toolchain/profile/engine`, so `-k`, `-m`,
`-n auto` (pytest-xdist) and `--junitxml` work as usual.

This module is only the hooks. The options are options.py's table; the items are
items.py (case files) and spec/items.py (spec scripts); sharding and resuming are
sharding.py; how `-n` deals cells to workers is scheduling.py; the run itself (engines,
run folder, results, reports) is lifecycle.py's MatrixRun, which the controlling process
feeds each finished cell as its report arrives.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from . import scheduling, sharding
from .items import KIND_MARKERS, CaseFile, CellItem, cell_toolchain, wanted
from .lifecycle import MatrixRun
from .options import add_pytest_options
from .profiles import FEATURES
from .progress import closing_lines
from .pytest_state import HANDSHAKE_PROPERTY, RECORD_PROPERTY, RUN, STATE, MatrixState, state_of
from .records import CellResult
from .reporting.tables import outcome_counts
from .results import read_results
from .selection import Selection, SelectionError
from .spec.items import SpecFile


def pytest_addoption(parser: pytest.Parser) -> None:
    add_pytest_options(parser)


def _active(config: pytest.Config) -> bool:
    return bool(
        config.option.wasm_matrix
        or config.getini("wasm_matrix_cases")
        or config.option.matrix_cases
        or config.option.matrix_suite
    )


def pytest_configure(config: pytest.Config) -> None:
    if not _active(config):
        return
    try:
        selection = Selection.from_pytest(config)
    except SelectionError as error:
        raise pytest.UsageError(str(error)) from None
    state = MatrixState(
        selection, controller=not hasattr(config, "workerinput"), rootdir=config.rootpath
    )
    config.stash[STATE] = state
    for build in selection.engines:
        config.addinivalue_line(
            "markers", f"{build.family.name}: cells run on {build.family.title}"
        )
    for feature in FEATURES:
        config.addinivalue_line("markers", f"{feature.name}: cells of cases using {feature.title}")
    for kind, meaning in KIND_MARKERS.items():
        config.addinivalue_line("markers", f"{kind}: {meaning}")
    config.addinivalue_line("markers", "spec: spec test suite cells")
    config.pluginmanager.register(sharding, "wasm-matrix-sharding")
    config.pluginmanager.register(scheduling, "wasm-matrix-scheduling")
    if state.controller and not config.option.collectonly:  # listing cells is no run
        run = MatrixRun(
            selection,
            project=config.rootpath,
            arguments=config.invocation_params.args,
            log=lambda text: _say(config, text),
        )
        config.stash[RUN] = run
        run.start()
        config.pluginmanager.register(RunHooks(run), "wasm-matrix-run")


def _say(config: pytest.Config, text: str) -> None:
    reporter = config.pluginmanager.get_plugin("terminalreporter")
    if reporter is not None:
        reporter.write_line(f"wasm-matrix: {text}")
    else:  # before pytest's reporter is there (provisioning the engines at the start)
        print(f"wasm-matrix: {text}", file=sys.stderr, flush=True)


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    state, run = state_of(config), config.stash.get(RUN, None)
    if state is None or not state.controller:
        return None
    return [
        f"wasm-matrix: {len(state.selection.engines)} engine builds: "
        + ", ".join(build.id for build in state.selection.engines),
        f"wasm-matrix: results in {run.folder if run else None}",
    ]


def pytest_collect_file(file_path: Path, parent: pytest.Collector):
    state = state_of(parent.config)
    if state is None:
        return None
    if file_path.suffix == ".wast":
        # A suite may be given as hundreds of scripts, and pytest offers every file of their
        # folder once per script given: look the file and its folders up, not every root.
        resolved = file_path.resolve()
        roots = set(state.selection.suite_roots)
        if resolved in roots or not roots.isdisjoint(resolved.parents):
            return SpecFile.from_parent(parent, path=file_path)
        return None
    if wanted(file_path, parent.config, state):
        return CaseFile.from_parent(parent, path=file_path)
    return None


@pytest.hookimpl(trylast=True)
def pytest_runtest_teardown(item: pytest.Item) -> None:
    """Send the handshakes of hosts this process started since its last report, once each,
    with the cell's report (under xdist the controlling process has no hosts of its own)."""
    state = state_of(item.config)
    if state is not None:
        fresh = state.fresh_handshakes()
        if fresh:
            item.user_properties.append((HANDSHAKE_PROPERTY, json.dumps(fresh)))


class RunHooks:
    """The controlling process's hooks into its MatrixRun."""

    def __init__(self, run: MatrixRun):
        self.run = run
        self._written: set[str] = set()

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        # With xdist, for every worker's reports too. A cell's setup, call and teardown
        # reports carry its record: it is written once.
        for name, value in report.user_properties:
            if name == RECORD_PROPERTY and report.nodeid not in self._written:
                self._written.add(report.nodeid)
                self.run.record(CellResult.from_record(json.loads(value)))
            elif name == HANDSHAKE_PROPERTY:
                self.run.heard(json.loads(value))

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        # Without xdist this process collected the cells; with it, it collected nothing.
        if session.items:
            cells = [item.cell for item in session.items if isinstance(item, CellItem)]
            self.run.provision_toolchains(cell.toolchain for cell in cells)
        self.run.planned(len(session.items) + session.config.stash[STATE].resumed_cells)

    @pytest.hookimpl(optionalhook=True)  # an xdist hook: its controller sees node ids only
    def pytest_xdist_node_collection_finished(self, node, ids: list[str]) -> None:
        # Once: every worker collects the same cells.
        self.run.provision_toolchains(filter(None, map(cell_toolchain, ids)))

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        interrupted = bool(session.shouldstop) or exitstatus == pytest.ExitCode.INTERRUPTED
        self.run.finish(
            collected=session.testscollected,
            interrupted=interrupted,
            schedule=scheduling.run_facts(session.config),
        )

    def pytest_terminal_summary(self, terminalreporter) -> None:
        if not self.run.closing_summary:
            return
        terminalreporter.write_sep("-", "wasm-matrix")
        counts = outcome_counts(read_results(self.run.folder))
        failed = sum(
            any(name == RECORD_PROPERTY for name, _ in report.user_properties)
            for report in terminalreporter.stats.get("failed", [])
        )
        rule = "non-pass cells of required engines"
        for line in closing_lines(counts, failed, rule, self.run.folder):
            terminalreporter.write_line(line)

    def pytest_unconfigure(self) -> None:
        self.run.close()


def pytest_unconfigure(config: pytest.Config) -> None:
    state = state_of(config)
    if state is not None:
        state.close()
