"""What `wasm-matrix run` shows: a pytest plugin of its own that puts the live progress
(progress.py) in place of pytest's dots, and hands the closing lines to the command.

The pytest plugin route keeps pytest's usual output; this plugin is only registered by
`wasm-matrix run`.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import TextIO

import pytest
from rich.console import Console

from .items import cell_engine
from .lifecycle import MatrixRun
from .progress import Progress
from .pytest_state import RUN


class RunDisplay:
    def __init__(self, progress: Progress | None = None):
        self.progress = progress or Progress(Console(file=_own_stderr()))
        self.run: MatrixRun | None = None
        self._started = False

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        self.run = session.config.stash.get(RUN, None)
        if self.run is not None:
            self.run.closing_summary = False  # the command prints its own (closing_lines)
            self.run.observe(self.progress.finished)

    @pytest.hookimpl(trylast=True)  # after the run has provisioned the cells' toolchains
    def pytest_collection_finish(self, session: pytest.Session) -> None:
        if session.items:  # without xdist: this process collected the cells
            self._start(item.nodeid for item in session.items)

    @pytest.hookimpl(optionalhook=True, trylast=True)
    def pytest_xdist_node_collection_finished(self, node, ids: list[str]) -> None:
        self._start(ids)  # every worker collects the same cells: the first says which

    def _start(self, nodeids: Iterable[str]) -> None:
        if self.run is not None and not self._started:
            self._started = True
            self.progress.start(cell_engine(nodeid) for nodeid in nodeids)

    @pytest.hookimpl(wrapper=True)
    def pytest_report_teststatus(self, report, config):
        # Counted as pytest counts it, but no dot or letter per cell: the status line is
        # what a matrix user reads.
        category, _letter, _word = yield
        return category, "", ""

    def pytest_sessionfinish(self) -> None:
        self.progress.stop()

    def pytest_unconfigure(self) -> None:
        self.progress.stop()


def _own_stderr() -> TextIO:
    """A copy of the standard error as it is now: pytest later points file descriptor 2 at
    its capture while a cell runs (-n 0), and the status line must not land there."""
    try:
        return os.fdopen(os.dup(2), "w", buffering=1, encoding="utf-8", errors="replace")
    except OSError:
        return sys.stderr
