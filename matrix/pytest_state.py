"""What one pytest process of a matrix run knows (its selection, its runners), kept in
pytest's stash so that the case items, the spec items and the hooks all reach it."""

from __future__ import annotations

from pathlib import Path

import pytest

from .build import BuildCache
from .cases import Case, CaseError, load_case
from .lifecycle import MatrixRun
from .paths import cache_dir
from .records import CellKey
from .results import finished_cells
from .runner import Runner
from .selection import Selection
from .spec.run import SpecRunner

# An item's user property that carries its cell's results record to the controlling
# process (pytest-xdist sends user properties from its workers with each report).
RECORD_PROPERTY = "wasm_matrix_cell"
# Another that carries {build id: handshake} of the hosts a process started since its last
# report, once each: run.json's handshakes are those of the hosts that ran the cells.
HANDSHAKE_PROPERTY = "wasm_matrix_handshakes"


class MatrixState:
    def __init__(self, selection: Selection, controller: bool, rootdir: Path | None = None):
        self.selection = selection
        self.controller = controller  # not an xdist worker: this process writes the run
        self.rootdir = rootdir
        self.names: dict[str, Path] = {}  # case name → its file, to refuse a second one
        self._cases: dict[Path, Case | CaseError] = {}
        self.sent: set[str] = set()  # builds whose handshake this process has reported
        self._runner: Runner | None = None
        self._spec_runner: SpecRunner | None = None
        # Resuming: the cells the run has results for, read before any cell of this
        # session is written (by every worker, so all of them collect the same).
        self.done: set[CellKey] = finished_cells(selection.resume) if selection.resume else set()
        self.resumed_cells = 0  # of the collected items, how many the run had already

    def case(self, path: Path) -> Case:
        """The case file loaded, once per process (raises CaseError): the controller's
        scheduler and the collection may both need it."""
        key = path.resolve()
        if key not in self._cases:
            try:
                self._cases[key] = load_case(path, self.rootdir)
            except CaseError as error:
                self._cases[key] = error
        loaded = self._cases[key]
        if isinstance(loaded, CaseError):
            raise loaded
        return loaded

    def fresh_handshakes(self) -> dict[str, dict]:
        """The handshakes of hosts this process started that it has not reported yet."""
        if self._runner is None:
            return {}
        started = self._runner.hosts.handshakes
        fresh = {build: hand.wire for build, hand in started.items() if build not in self.sent}
        self.sent.update(fresh)
        return fresh

    @property
    def runner(self) -> Runner:
        if self._runner is None:
            self._runner = Runner(BuildCache(cache_dir() / "builds"))
        return self._runner

    @property
    def spec_runner(self) -> SpecRunner:
        if self._spec_runner is None:
            self._spec_runner = SpecRunner(self.runner.hosts)
        return self._spec_runner

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()


STATE = pytest.StashKey[MatrixState]()
RUN = pytest.StashKey[MatrixRun]()  # only in the controlling process, and not for --co


def state_of(config: pytest.Config) -> MatrixState | None:
    """The matrix state of a pytest run; None when the plugin is not switched on."""
    return config.stash.get(STATE, None)
