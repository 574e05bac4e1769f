"""pytest hooks that narrow what a process runs: one shard of the plan (`--matrix-shard
K/N`, split by expected cost) and, when resuming, only the cells the run does not have yet.

Registered by the plugin when the matrix is switched on. With pytest-xdist every worker
collects the same plan and computes the same split; the controlling process learns the
shard's facts from the first worker that ends.
"""

from __future__ import annotations

import pytest

from .items import CellItem
from .planner import assign_shards, assignment_fingerprint, plan_fingerprint
from .pytest_state import RUN, STATE, MatrixState
from .records import CellKey
from .results import read_durations
from .spec.items import SpecItem

WORKER_FACTS = "wasm_matrix_shard"  # the key of a worker's shard facts in its workeroutput


@pytest.hookimpl(trylast=True)  # after -k and -m: a shard splits what would run unsharded
def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    state = config.stash[STATE]
    if state.selection.shard is not None:
        _keep_shard(state, config, items)
    if state.done:  # cells the resumed run already has: neither rerun nor written twice
        done = [item for item in items if item_key(item) in state.done]
        if done:
            state.resumed_cells = len(done)
            config.hook.pytest_deselected(items=done)
            items[:] = [item for item in items if item_key(item) not in state.done]


def _keep_shard(state: MatrixState, config: pytest.Config, items: list[pytest.Item]) -> None:
    shard = state.selection.shard
    keyed = {id(item): item_key(item) for item in items}
    families = [(keyed[id(item)], _item_family(item)) for item in items]
    durations = {}
    source = state.selection.shard_durations
    if source:
        try:
            durations = read_durations(source)
        except (OSError, ValueError) as error:
            raise pytest.UsageError(f"--matrix-shard-durations: {error}") from None
    assignment = assign_shards(families, shard.count, durations)
    keep = [item for item in items if assignment[keyed[id(item)]] == shard.index]
    dropped = [item for item in items if assignment[keyed[id(item)]] != shard.index]
    items[:] = keep
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    facts = {
        "index": shard.index,
        "count": shard.count,
        "plan": plan_fingerprint(list(assignment)),
        "plan_cells": len(assignment),
        "assignment": assignment_fingerprint(assignment),
        "cells": len(keep),
        "durations_from": str(source) if source else None,
    }
    run = config.stash.get(RUN, None)
    if run is not None:
        run.sharded(facts)
    elif not state.controller:  # an xdist worker: the controller reads it when it ends
        config.workeroutput[WORKER_FACTS] = facts


@pytest.hookimpl(optionalhook=True)  # an xdist hook: absent when xdist is not loaded
def pytest_testnodedown(node, error) -> None:
    run = node.config.stash.get(RUN, None)
    facts = getattr(node, "workeroutput", {}).get(WORKER_FACTS)
    if run is not None and facts:
        run.sharded(facts)


def item_key(item: pytest.Item) -> CellKey:
    if isinstance(item, CellItem | SpecItem):
        return item.cell.key
    return (item.path.stem, "-", "-", "-")  # a broken case file: one cell of its own


def _item_family(item: pytest.Item) -> str:
    return item.cell.engine.family.name if isinstance(item, CellItem | SpecItem) else "-"
