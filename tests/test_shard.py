"""Sharding: a deterministic, cost-balanced split of one plan, and the merge of its shards."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from matrix.merge import MergeError, merge_runs
from matrix.planner import Shard, assign_shards, assignment_fingerprint, plan_fingerprint

from .helpers import NEWEST, OLDER, REPO, TESTSUITE, wasm_matrix


def keys(cases: int = 6, engines: tuple[str, ...] = ("wasmtime", "pywasm", "node")):
    cells = []
    for case in range(cases):
        for toolchain in ("wat", "clang-19"):
            for family in engines:
                cells.append(((f"case-{case}", toolchain, "default", f"{family}-1"), family))
    return cells


def test_shard_parses_k_of_n_and_names_bad_input():
    assert Shard.parse("2/3") == Shard(2, 3)
    for bad in ("0/3", "4/3", "3", "a/b", "1/0"):
        with pytest.raises(ValueError, match="--shard"):
            Shard.parse(bad)


def test_every_cell_lands_in_exactly_one_shard():
    cells = keys()
    assignment = assign_shards(cells, 3)
    assert set(assignment) == {key for key, _ in cells}
    assert set(assignment.values()) == {1, 2, 3}


def test_the_split_does_not_depend_on_the_order_cells_were_collected():
    cells = keys()
    assert assign_shards(cells, 3) == assign_shards(list(reversed(cells)), 3)
    assert plan_fingerprint([k for k, _ in cells]) == plan_fingerprint(
        [k for k, _ in reversed(cells)]
    )


def test_cells_of_one_build_stay_on_one_shard():
    assignment = assign_shards(keys(), 3)
    for key, shard in assignment.items():
        same_build = [s for k, s in assignment.items() if k[:3] == key[:3]]
        assert set(same_build) == {shard}


def test_shards_are_balanced_by_measured_durations():
    cells = keys(cases=9)
    # One build measured as very slow: it must get a shard to itself.
    slow = ("case-0", "clang-19", "default")
    durations = {key: (100_000.0 if key[:3] == slow else 10.0) for key, _ in cells}
    assignment = assign_shards(cells, 3, durations)
    slow_shard = {s for k, s in assignment.items() if k[:3] == slow}.pop()
    assert [k for k, s in assignment.items() if s == slow_shard and k[:3] != slow] == []
    loads = {index: 0.0 for index in (1, 2, 3)}
    for key, shard in assignment.items():
        loads[shard] += durations[key]
    others = sorted(load for index, load in loads.items() if index != slow_shard)
    assert others[1] - others[0] <= 3 * 10.0 + 400.0  # within one build unit


def test_a_different_split_has_a_different_fingerprint():
    cells = keys()
    a = assign_shards(cells, 3)
    b = assign_shards(cells, 3, {cells[0][0]: 1e9})
    assert a != b
    assert assignment_fingerprint(a) != assignment_fingerprint(b)


def outcomes(folder: Path) -> dict[tuple, str]:
    lines = (folder / "results.jsonl").read_text().splitlines()
    cells = [json.loads(line) for line in lines]
    by_cell = {(c["case"], c["toolchain"], c["profile"], c["engine"]): c["outcome"] for c in cells}
    assert len(by_cell) == len(cells), "a cell is in the results twice"
    return by_cell


def run_folder(reports: Path) -> Path:
    return (reports / "latest").resolve()


@pytest.fixture(scope="module")
def sharded_runs(tmp_path_factory, provisioned):
    """The probes and three spec scripts on two real wasmtime builds: unsharded, and as
    shards 1/3, 2/3, 3/3."""
    provisioned(NEWEST)
    provisioned(OLDER)
    work = tmp_path_factory.mktemp("shards")
    common = ["run", str(REPO / "cases" / "probes"), "--engines", f"{NEWEST},{OLDER}", "-n", "0"]
    (work / "suite").mkdir()  # spec cells shard and merge like case cells
    for script in ("address.wast", "br_if.wast", "fac.wast"):
        shutil.copy(TESTSUITE / script, work / "suite" / script)
    common += ["--suite", str(work / "suite")]
    done = wasm_matrix(*common, "--reports", str(work / "whole"), cwd=work)
    assert done.returncode == 0, done.stdout + done.stderr
    shards = []
    for index in (1, 2, 3):
        reports = work / f"shard-{index}"
        done = wasm_matrix(*common, "--reports", str(reports), "--shard", f"{index}/3", cwd=work)
        assert done.returncode == 0, done.stdout + done.stderr
        shards.append(run_folder(reports))
    return work, run_folder(work / "whole"), shards


@pytest.mark.engine
def test_three_shards_merged_equal_the_unsharded_run(sharded_runs):
    work, whole, shards = sharded_runs
    sizes = [len(outcomes(shard)) for shard in shards]
    assert all(sizes), f"a shard ran nothing: {sizes}"
    done = wasm_matrix("merge", *map(str, shards), "-o", str(work / "merged"), cwd=work)
    assert done.returncode == 0, done.stdout + done.stderr
    merged = outcomes(work / "merged")
    assert merged == outcomes(whole)
    assert sum(key[1] == "wast" for key in merged) == 3 * 2  # scripts × engines
    assert sum(sizes) == len(merged)
    run = json.loads((work / "merged" / "run.json").read_text())
    assert run["cells_planned"] == len(merged)
    assert (work / "merged" / "summary.md").exists()


@pytest.mark.engine
def test_each_shard_records_the_plan_it_is_part_of(sharded_runs):
    _, _, shards = sharded_runs
    facts = [json.loads((shard / "run.json").read_text())["shard"] for shard in shards]
    assert [f["index"] for f in facts] == [1, 2, 3]
    assert len({f["plan"] for f in facts}) == 1
    assert len({f["assignment"] for f in facts}) == 1
    assert [f["cells"] for f in facts] == [len(outcomes(shard)) for shard in shards]


@pytest.mark.engine
def test_merge_refuses_a_lost_shard_and_a_doubled_one(sharded_runs, tmp_path):
    _, _, shards = sharded_runs
    with pytest.raises(MergeError, match="missing shard"):
        merge_runs(shards[:2], tmp_path / "a")
    with pytest.raises(MergeError, match="given twice"):
        merge_runs([shards[0], shards[0], shards[1], shards[2]], tmp_path / "b")


def fake_shard(folder: Path, index: int, plan: str, records: list[dict]) -> Path:
    folder.mkdir(parents=True)
    shard = {
        "index": index,
        "count": 2,
        "plan": plan,
        "plan_cells": 2,
        "assignment": "a",
        "cells": len(records),
    }
    (folder / "run.json").write_text(json.dumps({"shard": shard, "engines": []}))
    (folder / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in records))
    return folder


def record(case: str) -> dict:
    return {"case": case, "toolchain": "wat", "profile": "default", "engine": "e"} | {
        "outcome": "pass"
    }


def test_merge_refuses_shards_of_different_plans(tmp_path):
    one = fake_shard(tmp_path / "1", 1, "plan-a", [record("x")])
    two = fake_shard(tmp_path / "2", 2, "plan-b", [record("y")])
    with pytest.raises(MergeError, match="different plans"):
        merge_runs([one, two], tmp_path / "out")


def test_merge_refuses_a_cell_twice_and_lost_cells(tmp_path):
    one = fake_shard(tmp_path / "1", 1, "p", [record("x")])
    two = fake_shard(tmp_path / "2", 2, "p", [record("x")])
    with pytest.raises(MergeError, match="in both"):
        merge_runs([one, two], tmp_path / "out")
    three = fake_shard(tmp_path / "3", 2, "p", [])
    with pytest.raises(MergeError, match="1 of 2 planned cells have no result"):
        merge_runs([one, three], tmp_path / "out2")
    run = merge_runs([one, three], tmp_path / "out3", allow_missing=True)
    assert run["shard"]["cells_merged"] == 1


def test_merge_refuses_a_run_that_was_not_sharded(tmp_path):
    folder = tmp_path / "plain"
    folder.mkdir()
    (folder / "run.json").write_text("{}")
    (folder / "results.jsonl").write_text("")
    with pytest.raises(MergeError, match=r"not a run folder|not run with --shard"):
        merge_runs([folder], tmp_path / "out")


def test_run_refuses_a_bad_shard_before_running_anything(tmp_path):
    done = wasm_matrix("run", "cases", "--shard", "4/3", cwd=tmp_path)
    assert done.returncode == 2
    assert "K must be between 1 and N" in done.stderr
    assert not (tmp_path / "reports").exists()
