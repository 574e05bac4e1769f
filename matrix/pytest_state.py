"""What one pytest process of a matrix run knows (its selection, its runners), kept in
pytest's stash so that the case items, the spec items and the hooks all reach it."""

from __future__ import annotations

from pathlib import Path

import pytest

from .build import BuildCache
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


class MatrixState:
    def __init__(self, selection: Selection, controller: bool):
        self.selection = selection
        self.controller = controller  # not an xdist worker: this process writes the run
        self.names: dict[str, Path] = {}  # case name → its file, to refuse a second one
        self._runner: Runner | None = None
        self._spec_runner: SpecRunner | None = None
        # Resuming: the cells the run has results for, read before any cell of this
        # session is written (by every worker, so all of them collect the same).
        self.done: set[CellKey] = finished_cells(selection.resume) if selection.resume else set()
        self.resumed_cells = 0  # of the collected items, how many the run had already

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
