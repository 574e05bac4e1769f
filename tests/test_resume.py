"""Interrupted runs: SIGKILL at a random point, then `--resume`; Ctrl-C stops cleanly.

The runs are real: `wasm-matrix run` in a subprocess on wasmtime, over cases whose cells
each take a moment (a counted loop), so the kill lands between cells.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from matrix.results import ResultsWriter, cut_torn_tail, finished_cells, read_results

from .helpers import NEWEST

CELLS = 10
SLOW_CASE = """
description: "a counted loop: a cell that takes a moment"
timeout: 60
module:
  wat: |
    (module
      (func (export "count") (param $n i32) (result i32)
        (local $i i32)
        (loop $next
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $next (i32.lt_u (local.get $i) (local.get $n))))
        (local.get $i)))
calls:
  - invoke: count
    args: [i32:{n}]
    expect: [i32:{n}]
"""


@pytest.fixture
def slow_cases(tmp_path: Path) -> Path:
    folder = tmp_path / "cases"
    folder.mkdir()
    for index in range(CELLS):
        n = 60_000_000 + index
        (folder / f"slow-{index:02}.yaml").write_text(SLOW_CASE.format(n=n), "utf-8")
    return folder


def wasm_matrix(*arguments: str, cwd: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "matrix.cli",
        "run",
        *arguments,
        "--engines",
        NEWEST,
        "--no-provision",
        "--reports",
        str(cwd / "reports"),
    ]


def start(command: list[str], cwd: Path) -> subprocess.Popen:
    return subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def wait_for_lines(results: Path, count: int, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if results.exists() and results.read_text("utf-8").count("\n") >= count:
            return
        if process.poll() is not None:
            pytest.fail(f"the run ended before {count} cells:\n{process.stdout.read()}")
        time.sleep(0.02)
    pytest.fail(f"no {count} cells in {results} within 300 s")


def only_folder(reports: Path) -> Path:
    folders = [path for path in reports.iterdir() if path.is_dir() and not path.is_symlink()]
    assert len(folders) == 1, folders
    return folders[0]


@pytest.mark.engine
@pytest.mark.parametrize(
    ("torn", "workers"),
    [(False, "0"), (True, "2")],
    ids=["clean-kill", "torn-last-line-resumed-with-2-workers"],
)
def test_sigkill_at_a_random_point_then_resume_loses_and_repeats_nothing(
    torn, workers, provisioned, slow_cases, tmp_path
):
    provisioned(NEWEST)
    reference_dir, killed_dir = tmp_path / "reference", tmp_path / "killed"
    reference_dir.mkdir(), killed_dir.mkdir()
    reference = subprocess.run(
        wasm_matrix(str(slow_cases), "-n", "0", cwd=reference_dir),
        cwd=reference_dir,
        capture_output=True,
        text=True,
    )
    assert reference.returncode == 0, reference.stdout + reference.stderr
    expected = read_results(only_folder(reference_dir / "reports"))
    assert len(expected) == CELLS

    kill_after = random.randint(1, CELLS - 2)
    run = start(wasm_matrix(str(slow_cases), "-n", "0", cwd=killed_dir), killed_dir)
    reports = killed_dir / "reports"
    wait_for_lines(reports / "latest" / "results.jsonl", kill_after, run)
    run.send_signal(signal.SIGKILL)
    run.wait()
    folder = only_folder(reports)
    before = {(r.case, r.engine): r.finished_at for r in read_results(folder)}
    assert kill_after <= len(before) < CELLS, f"killed after {len(before)} cells"
    if torn:  # a record half written when the process died
        with open(folder / "results.jsonl", "a", encoding="utf-8") as results:
            results.write('{"case": "slow-99", "toolchain": "wat", "outc')

    resumed = subprocess.run(
        wasm_matrix(str(slow_cases), "-n", workers, "--resume", cwd=killed_dir),
        cwd=killed_dir,
        capture_output=True,
        text=True,
    )
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert only_folder(reports) == folder  # the same run, continued
    records = read_results(folder)
    keys = [(r.case, r.toolchain, r.profile, r.engine) for r in records]
    duplicates = [key for key, n in Counter(keys).items() if n > 1]
    assert not duplicates
    assert set(keys) == {(r.case, r.toolchain, r.profile, r.engine) for r in expected}
    assert {r.case: r.outcome for r in records} == {r.case: r.outcome for r in expected}
    # The cells finished before the kill were not redone: their records are untouched.
    after = {(r.case, r.engine): r.finished_at for r in records}
    assert all(after[key] == finished for key, finished in before.items())
    assert (folder / "results.jsonl").read_text("utf-8").endswith("\n")
    run_info = json.loads((folder / "run.json").read_text("utf-8"))
    assert len(run_info["resumed_at"]) == 1 and run_info["finished_at"]


@pytest.mark.engine
def test_ctrl_c_stops_cleanly_and_keeps_every_finished_cell(provisioned, slow_cases, tmp_path):
    provisioned(NEWEST)
    run = start(wasm_matrix(str(slow_cases), "-n", "0", cwd=tmp_path), tmp_path)
    results = tmp_path / "reports" / "latest" / "results.jsonl"
    wait_for_lines(results, 2, run)
    run.send_signal(signal.SIGINT)
    output, _ = run.communicate(timeout=60)
    assert run.returncode == 130, output
    folder = only_folder(tmp_path / "reports")
    kept = read_results(folder)
    assert 2 <= len(kept) < CELLS
    assert all(record.outcome == "pass" for record in kept)  # no false crash at the end
    assert (folder / "results.jsonl").read_text("utf-8").endswith("\n")
    assert (folder / "summary.md").exists()
    assert json.loads((folder / "run.json").read_text("utf-8"))["finished_at"]
    # Its hosts went with it.
    assert not [pid for pid in _children_of(run.pid)]


def _children_of(pid: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(stat[1]) == pid and stat[0] not in ("Z", "X"):
                children.append(int(entry))
    return children


def test_a_torn_tail_is_cut_before_appending(tmp_path):
    writer = ResultsWriter(tmp_path)
    record = {"case": "a", "toolchain": "wat", "profile": "default", "engine": "e"}
    record["outcome"] = "pass"
    writer.write(record)
    writer.close()
    with open(tmp_path / "results.jsonl", "a", encoding="utf-8") as results:
        results.write('{"case": "b", "tool')
    writer = ResultsWriter(tmp_path, resume=True)
    writer.write({**record, "case": "c"})
    writer.close()
    assert [r.case for r in read_results(tmp_path)] == ["a", "c"]
    assert finished_cells(tmp_path) == {("a", "wat", "default", "e"), ("c", "wat", "default", "e")}


def test_cutting_a_file_without_any_complete_line_empties_it(tmp_path):
    path = tmp_path / "results.jsonl"
    path.write_text('{"half', "utf-8")
    assert cut_torn_tail(path) == len('{"half')
    assert path.read_text("utf-8") == ""
    assert cut_torn_tail(tmp_path / "missing.jsonl") == 0


def test_resume_of_a_folder_without_results_is_a_usage_error(tmp_path):
    from matrix.cli import EXIT_USAGE, main

    assert main(["run", "--resume", str(tmp_path), "--reports", str(tmp_path)]) == EXIT_USAGE
