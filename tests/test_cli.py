"""`wasm-matrix` from a shell: run (with a hung module and gating), report, engines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .helpers import NEWEST, OLDER_NO_REFS, wasm_matrix

LOOP = """
description: never returns
kind: program
timeout: 2
module:
  wat: |
    (module (func (export "spin") (loop $forever (br $forever))))
calls:
  - {invoke: spin}
"""
ANSWER = """
kind: program
module:
  wat: '(module (func (export "answer") (result i32) i32.const 42))'
calls:
  - {invoke: answer, expect: ["i32:42"]}
"""


def records(folder: Path) -> dict[str, dict]:
    lines = (folder / "reports" / "latest" / "results.jsonl").read_text().splitlines()
    return {json.loads(line)["case"]: json.loads(line) for line in lines}


@pytest.mark.engine
def test_a_hung_module_is_a_timeout_and_the_run_goes_on(tmp_path, provisioned):
    provisioned(NEWEST)
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "a-loop.yaml").write_text(LOOP)
    (tmp_path / "cases" / "b-answer.yaml").write_text(ANSWER)
    # One worker, so the answer runs on the host that replaced the killed one.
    done = wasm_matrix("run", "cases", "--engines", NEWEST, "-n", "0", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    by_case = records(tmp_path)
    assert by_case["a-loop"]["outcome"] == "timeout"
    # wasmtime interrupts the loop itself (epochs); other engines' hosts are killed at 2 s.
    message = by_case["a-loop"]["message"]
    assert "within 2 s" in message or "interrupted by the engine" in message
    assert by_case["b-answer"]["outcome"] == "pass"
    assert "cells:   2 (1 pass, 1 timeout)" in done.stdout

    gated = wasm_matrix(
        "run", "cases", "--engines", NEWEST, "-n", "0", "--fail-on", "error,timeout", cwd=tmp_path
    )
    assert gated.returncode == 1
    assert "failed:  1 cells (--fail-on error,timeout)" in gated.stdout
    # The matrix summary, not pytest's: no dots per cell, no "1 failed, 1 passed".
    assert "passed" not in done.stdout and "failed:  none (--fail-on error)" in done.stdout
    assert not any(set(line) <= set(".sFxX") and line for line in done.stdout.splitlines())


@pytest.mark.engine
def test_pytest_arguments_pass_through_after_double_dash(tmp_path, provisioned):
    provisioned(NEWEST)
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "a-loop.yaml").write_text(LOOP)
    (tmp_path / "cases" / "b-answer.yaml").write_text(ANSWER)
    done = wasm_matrix(
        "run",
        "cases",
        "--engines",
        NEWEST,
        "-n",
        "0",
        "--",
        "-k",
        "answer",
        "--junitxml",
        "junit.xml",
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert set(records(tmp_path)) == {"b-answer"}
    assert 'tests="1"' in (tmp_path / "junit.xml").read_text()


def test_unknown_fail_on_outcome_is_a_usage_error(tmp_path):
    done = wasm_matrix("run", "--fail-on", "error,explode", cwd=tmp_path)
    assert done.returncode == 2
    assert "explode" in done.stderr


@pytest.mark.engine
def test_report_rewrites_the_summary_from_the_results_alone(tmp_path, provisioned):
    provisioned(OLDER_NO_REFS)
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "b-answer.yaml").write_text(ANSWER)
    wasm_matrix("run", "cases", "--engines", OLDER_NO_REFS, "-n", "0", cwd=tmp_path)
    summary = tmp_path / "reports" / "latest" / "summary.md"
    first = summary.read_text()
    summary.unlink()
    done = wasm_matrix("report", "reports/latest", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert summary.read_text() == first
    assert "1 cells (1 pass) on 1 engine build." in first


def test_report_of_a_folder_without_results(tmp_path):
    done = wasm_matrix("report", str(tmp_path), cwd=tmp_path)
    assert done.returncode == 2
    assert "no results.jsonl" in done.stderr


def test_engines_lists_every_build(tmp_path):
    done = wasm_matrix("engines", cwd=tmp_path)
    assert done.returncode == 0
    listed = [line.split()[0] for line in done.stdout.splitlines()]
    assert NEWEST in listed and OLDER_NO_REFS in listed


@pytest.mark.engine
def test_ctrl_c_keeps_every_finished_cell_and_writes_the_report(tmp_path, provisioned):
    import signal
    import time

    provisioned(NEWEST)
    (tmp_path / "cases").mkdir()
    (tmp_path / "cases" / "a-answer.yaml").write_text(ANSWER)
    (tmp_path / "cases" / "b-loop.yaml").write_text(LOOP.replace("timeout: 2", "timeout: 120"))
    run = subprocess.Popen(
        [sys.executable, "-m", "matrix.cli", "run", "cases", "--engines", NEWEST, "-n", "0"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    results = tmp_path / "reports" / "latest" / "results.jsonl"
    deadline = time.monotonic() + 120
    while not (results.exists() and results.read_text().count("\n") >= 1):
        assert time.monotonic() < deadline, "the first cell never finished"
        time.sleep(0.1)
    time.sleep(0.5)  # the loop cell is now running
    run.send_signal(signal.SIGINT)
    output, _ = run.communicate(timeout=60)
    assert run.returncode == 130, output
    assert set(records(tmp_path)) == {"a-answer"}
    run_json = json.loads((tmp_path / "reports" / "latest" / "run.json").read_text())
    assert run_json["finished_at"]
    summary = (tmp_path / "reports" / "latest" / "summary.md").read_text()
    assert "1 cells (1 pass) on 1 engine build." in summary
    assert "**1 of 2 planned cells have no result.**" in summary
