"""pytest-xdist's scheduler for matrix runs (`-n N`, xdist's default `--dist load`).

xdist's own schedulers see test ids only: `load` hands out chunks in collection order (a
case on every engine, then the next case), so every worker starts a host for nearly
every engine build, and the slowest cells come whenever their case does, often last, on
one worker. This scheduler knows each cell's engine build and expected cost
(matrix/costs.py) and deals them with matrix/balance.py: builds kept together per worker,
longest cells first, a dry worker taking half of the fullest queue's rest.

The controller keeps every queue and sends each worker only its next few cells (the one
running, the next, and one more while cells are short, so that a worker never waits for
the controller), so a queue can be rebalanced at any time without asking a worker to
give cells back.

Other `--dist` modes (loadfile, worksteal, …) are left to xdist.

Registered by the plugin as a pytest plugin of its own: `pytest_xdist_make_scheduler`
makes the scheduler, `run_facts` is what run.json says of it.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from .balance import Balancer, Job
from .cases import CASE_SUFFIXES, CaseError, find_case_files
from .costs import cell_cost, newest_run, run_costs
from .items import wanted
from .paths import display_path
from .planner import plan
from .pytest_state import RUN, STATE, MatrixState
from .records import CellKey
from .results import RESULTS
from .spec.run import SpecCell

# A worker runs an item once it knows the next one (pytest's `nextitem`), so it needs two;
# a third spares it a round trip to the controller after each short cell.
PENDING_MIN = 2
PENDING_SHORT = 3
SHORT_S = 0.5  # cells expected to take less than this are short


class CostScheduling:
    """The xdist scheduler protocol (xdist/scheduler/protocol.py) over a Balancer."""

    def __init__(self, config: pytest.Config, jobs_of, log=None):
        from xdist.workermanage import parse_tx_spec_config

        self.numnodes = len(parse_tx_spec_config(config))
        self.config = config
        self.log = log.matrixsched if log is not None else (lambda *args: None)
        self._jobs_of = jobs_of  # collection (test ids) -> list[Job]
        self.node2collection: dict = {}
        self.node2pending: dict = {}
        self.collection: list[str] | None = None
        self.balancer: Balancer | None = None
        self.started = time.monotonic()
        self.workers: dict[str, dict] = {}  # facts per worker, for run.json

    @property
    def nodes(self) -> list:
        return list(self.node2pending)

    @property
    def collection_is_completed(self) -> bool:
        return len(self.node2collection) >= self.numnodes

    @property
    def tests_finished(self) -> bool:
        if not self.collection_is_completed or self.balancer is None:
            return False
        if not self.balancer.finished():
            return False
        return all(len(pending) < PENDING_MIN for pending in self.node2pending.values())

    @property
    def has_pending(self) -> bool:
        if self.balancer is not None and not self.balancer.finished():
            return True
        return any(self.node2pending.values())

    def add_node(self, node) -> None:
        assert node not in self.node2pending
        self.node2pending[node] = []
        if self.balancer is not None:
            self.balancer.add_worker(node)

    def add_node_collection(self, node, collection: Sequence[str]) -> None:
        assert node in self.node2pending
        # A worker that replaces a crashed one must have collected the same tests.
        if self.collection is not None and list(collection) != self.collection:
            from xdist.report import report_collection_diff

            first = next(iter(self.node2collection))
            self.log(
                report_collection_diff(
                    self.collection, collection, first.gateway.id, node.gateway.id
                )
            )
            return
        self.node2collection[node] = list(collection)

    def mark_test_complete(self, node, item_index: int, duration: float = 0) -> None:
        self.node2pending[node].remove(item_index)
        if self.balancer is not None:
            self.balancer.observe(item_index, duration)
        facts = self._facts(node)
        facts["cells"] += 1
        facts["busy_s"] += duration
        facts["last_s"] = time.monotonic() - self.started
        self._feed(node)

    def mark_test_pending(self, item: str) -> None:
        assert self.collection is not None and self.balancer is not None
        self.balancer.put_back([self.collection.index(item)])
        for node in self.nodes:
            self._feed(node)

    def remove_pending_tests_from_node(self, node, indices: Sequence[int]) -> None:
        raise NotImplementedError("this scheduler never asks a worker to give cells back")

    def remove_node(self, node) -> str | None:
        pending = self.node2pending.pop(node)
        if self.balancer is not None:
            self.balancer.remove_worker(node)
        if not pending:
            return None
        assert self.collection is not None and self.balancer is not None
        crashed = self.collection[pending.pop(0)]  # the cell the worker died in
        self.balancer.put_back(pending)
        for other in self.nodes:
            self._feed(other)
        return crashed

    def schedule(self) -> None:
        assert self.collection_is_completed
        if self.collection is not None:  # a worker joined later: give it work
            for node in self.nodes:
                self._feed(node)
            return
        collections = list(self.node2collection.values())
        if any(collection != collections[0] for collection in collections[1:]):
            self._report_different_collections()
            return
        self.collection = collections[0]
        # No cells at all (everything deselected): an empty plan, and the workers end.
        jobs = self._jobs_of(self.collection) if self.collection else []
        self.balancer = Balancer(jobs, self.nodes)
        for node in self.nodes:
            self._feed(node)

    def _feed(self, node) -> None:
        """Top the worker up to its next few cells; shut it down when none are left."""
        if node.shutting_down or self.balancer is None:
            return
        pending = self.node2pending[node]
        sending: list[int] = []
        while len(pending) + len(sending) < PENDING_SHORT:
            upcoming = self.balancer.next_cost(node)
            if len(pending) + len(sending) >= PENDING_MIN and (
                upcoming is None or upcoming >= SHORT_S
            ):
                break
            taken = self.balancer.take(node, 1)
            if not taken:
                break
            sending += taken
        if sending:
            pending += sending
            self._facts(node)["builds"].update(self.balancer.jobs[i].group for i in sending)
            node.send_runtest_some(sending)
        elif len(pending) < PENDING_MIN and self.balancer.next_cost(node) is None:
            # Nothing left for it: it runs its last cell (which needs no next one) and ends.
            self.balancer.remove_worker(node)
            node.shutdown()

    def _facts(self, node) -> dict:
        name = getattr(getattr(node, "gateway", None), "id", str(node))
        return self.workers.setdefault(
            name, {"cells": 0, "busy_s": 0.0, "last_s": 0.0, "builds": set()}
        )

    def summary(self) -> dict:
        """Per worker: cells run, seconds busy, when its last cell finished (seconds after
        the scheduler started) and how many engine builds it ran."""
        return {
            name: {
                "cells": facts["cells"],
                "busy_s": round(facts["busy_s"], 3),
                "last_cell_s": round(facts["last_s"], 3),
                "builds": len(facts["builds"]),
            }
            for name, facts in sorted(self.workers.items())
        }

    def _report_different_collections(self) -> None:
        from xdist.report import report_collection_diff

        (first, collection), *others = self.node2collection.items()
        for node, other in others:
            message = report_collection_diff(collection, other, first.gateway.id, node.gateway.id)
            if message:
                self.log(message)
                self.config.hook.pytest_collectreport(
                    report=pytest.CollectReport(
                        nodeid=node.gateway.id, outcome="failed", longrepr=message, result=[]
                    )
                )


SCHEDULER = pytest.StashKey["CostScheduling"]()
DURATIONS_FROM = pytest.StashKey[str]()  # the run whose cell times the scheduler used


@pytest.hookimpl(optionalhook=True)  # an xdist hook: absent when xdist is not loaded
def pytest_xdist_make_scheduler(config: pytest.Config, log) -> CostScheduling | None:
    """With -n (xdist's `--dist load`), cells are dealt by engine build and expected cost."""
    state = config.stash.get(STATE, None)
    if state is None or config.getvalue("dist") != "load":
        return None

    def prepare() -> dict[CellKey, float]:
        # The controller plans the case files once more to know each cell's key (what an
        # earlier run's times are filed under): done while the workers start and collect.
        for file in _invoked_case_files(config, state):
            with contextlib.suppress(CaseError):
                state.case(file)
        return _measured_costs(config, state)

    pool = ThreadPoolExecutor(max_workers=1)
    measured = pool.submit(prepare)
    pool.shutdown(wait=False)

    def jobs_of(collection: list[str]) -> list[Job]:
        return cell_jobs(state, config.rootpath, collection, measured.result())

    scheduler = CostScheduling(config, jobs_of, log)
    config.stash[SCHEDULER] = scheduler
    return scheduler


def run_facts(config: pytest.Config) -> dict | None:
    """How this run's cells were dealt, for run.json; None when not by this scheduler."""
    scheduler = config.stash.get(SCHEDULER, None)
    if scheduler is None:
        return None
    return {
        "by": "engine build and expected cost (matrix/balance.py)",
        "durations_from": config.stash.get(DURATIONS_FROM, None),
        "workers": scheduler.summary(),
    }


def _invoked_case_files(config: pytest.Config, state: MatrixState) -> list[Path]:
    """The case files under the command line's paths that this run collects."""
    here = config.invocation_params.dir
    paths = [here / argument.split("::")[0] for argument in config.args]
    paths = [path for path in paths if path.exists()]
    return [file for file in find_case_files(paths) if wanted(file, config, state)]


def _measured_costs(config: pytest.Config, state: MatrixState) -> dict[CellKey, float]:
    """Cell times from an earlier run: the one asked for, else the newest in the reports."""
    chosen = state.selection.durations
    if chosen == "none":
        return {}
    run = config.stash.get(RUN, None)
    if chosen:
        source: Path | None = Path(chosen)
    elif run is not None and run.folder is not None:
        source = newest_run(run.folder.parent, besides=run.folder)
    else:
        source = None
    if source is None:
        return {}
    try:
        measured = run_costs(source.parent if source.name == RESULTS else source)
    except OSError as error:
        raise pytest.UsageError(f"--matrix-durations: {error}") from None
    config.stash[DURATIONS_FROM] = display_path(source)
    return measured


def cell_jobs(
    state: MatrixState, rootdir: Path, collection: list[str], measured: dict[CellKey, float]
) -> list[Job]:
    """The collection's test ids as jobs: each cell's engine build and expected cost.

    The controller collects nothing under xdist, so it plans the case files the ids name
    once more (cheap: a case file is a few YAML lines) to know each cell's key, which is
    what an earlier run's durations are filed under.
    """
    builds = {build.id: build for build in state.selection.engines}
    keys: dict[str, dict[str, CellKey]] = {}
    jobs = []
    for index, test_id in enumerate(collection):
        path, _, name = test_id.partition("::")
        engine = name.rsplit("/", 1)[-1]
        build = builds.get(engine)
        if path not in keys:
            keys[path] = _cell_keys(state, Path(rootdir, path))
        family = build.family.name if build is not None else ""
        cost = cell_cost(keys[path].get(name), family, measured)
        jobs.append(Job(index, engine if build is not None else "-", cost))
    return jobs


def _cell_keys(state: MatrixState, path: Path) -> dict[str, CellKey]:
    """{test name: cell key} for the cells of one collected file."""
    selection = state.selection
    if path.suffix in CASE_SUFFIXES:
        try:
            case = state.case(path)
        except CaseError:
            return {}
        cells = plan(
            [case],
            selection.engines,
            selection.toolchains,
            selection.profiles,
            engines_named=selection.engines_named,
            pool=selection.engine_pool,
        )
        return {cell.name: cell.key for cell in cells}
    if path.suffix == ".wast":
        resolved = path.resolve()
        root = next((r for r in selection.suite_roots if resolved.is_relative_to(r)), None)
        if root is None:
            return {}
        root = root.parent if root.is_file() else root
        return {b.id: SpecCell(path, root, b).key for b in selection.engines}
    return {}
