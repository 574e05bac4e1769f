"""WASI and ABI-pairing cells are ordinary cells: results, shards and merge, resume, diff."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .helpers import NEWEST, REPO, wasm_matrix

SELECTION = [
    "run",
    str(REPO / "cases" / "wasi" / "hello.yaml"),
    str(REPO / "cases" / "wasi" / "write-file.yaml"),
    str(REPO / "cases" / "abi" / "abi-scalars.yaml"),
    "--engines",
    f"{NEWEST},jsc-system",
    "--toolchains",
    "clang-19-wasi,clang-19+rustc-1.96",
    "-n",
    "0",
]


def keys(run: Path) -> list[tuple]:
    lines = (run / "results.jsonl").read_text().splitlines()
    return [
        tuple(json.loads(line)[k] for k in ("case", "toolchain", "profile", "engine"))
        for line in lines
    ]


def latest(reports: Path) -> Path:
    return (reports / "latest").resolve()


@pytest.fixture(scope="module")
def whole(tmp_path_factory, provisioned):
    provisioned(NEWEST)
    work = tmp_path_factory.mktemp("wasi-cells")
    done = wasm_matrix(*SELECTION, "--reports", str(work / "whole"), cwd=work)
    assert done.returncode == 0, done.stdout + done.stderr
    return work, latest(work / "whole")


@pytest.mark.engine
def test_the_cells_land_in_results_and_the_report(whole):
    _, run = whole
    records = [json.loads(line) for line in (run / "results.jsonl").read_text().splitlines()]
    by_key = {(r["case"], r["engine"]): r for r in records}
    assert len(records) == 6
    assert by_key[("hello", NEWEST)]["wasi"] == "native"
    if by_key[("hello", "jsc-system")]["outcome"] != "skip":  # jsc may not be installed
        assert by_key[("hello", "jsc-system")]["wasi"] == "shim"
    assert by_key[("abi-scalars", NEWEST)]["toolchain"] == "clang-19+rustc-1.96"
    assert by_key[("abi-scalars", NEWEST)]["outcome"] == "pass"
    summary = (run / "summary.md").read_text()
    assert "## WASI programs × engines" in summary and "## C ↔ Rust ABI" in summary
    site = run / "site"
    assert (site / "wasi.html").exists() and (site / "abi.html").exists()


@pytest.mark.engine
def test_shards_merge_into_the_whole_run_and_diff_finds_no_change(whole):
    work, run = whole
    shards = []
    for index in (1, 2):
        reports = work / f"shard-{index}"
        done = wasm_matrix(*SELECTION, "--reports", str(reports), "--shard", f"{index}/2", cwd=work)
        assert done.returncode == 0, done.stdout + done.stderr
        shards.append(latest(reports))
    assert all(keys(shard) for shard in shards)
    done = wasm_matrix("merge", *map(str, shards), "-o", str(work / "merged"), cwd=work)
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(keys(work / "merged")) == sorted(keys(run))
    done = wasm_matrix("diff", str(run), str(work / "merged"), "--fail-on-regression", cwd=work)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.engine
def test_resume_redoes_only_the_missing_cells(whole):
    work, run = whole
    copy = work / "resumed" / run.name
    shutil.copytree(run, copy)
    lines = (copy / "results.jsonl").read_text().splitlines(keepends=True)
    (copy / "results.jsonl").write_text(lines[0])
    done = wasm_matrix(
        *SELECTION, "--reports", str(work / "resumed"), "--resume", str(copy), cwd=work
    )
    assert done.returncode == 0, done.stdout + done.stderr
    after = keys(copy)
    assert sorted(after) == sorted(keys(run)) and len(set(after)) == len(after)
    assert (copy / "results.jsonl").read_text().splitlines(keepends=True)[0] == lines[0]
