"""Controls: cases whose expectations are wrong on purpose (cases/controls/), run on every
engine build this machine has. None may pass: a pass would mean the harness judged wrong (a
host inventing a value, a value changed on its way, a trap of any kind taken for another),
and the runner turns it into `error`, which fails the run."""

from __future__ import annotations

import json
import textwrap

import pytest

from .helpers import NEWEST, REPO, wasm_matrix

pytestmark = pytest.mark.engine


def test_no_engine_build_passes_any_control(tmp_path):
    done = wasm_matrix(
        "run",
        str(REPO / "cases" / "controls"),
        "--reports",
        str(tmp_path / "reports"),
        "-n",
        "2",
        cwd=tmp_path,
        timeout=1800,
    )
    lines = (tmp_path / "reports" / "latest" / "results.jsonl").read_text().splitlines()
    records = [json.loads(line) for line in lines]
    assert records and all(record["control"] for record in records)
    passed = [(r["case"], r["engine"], r["message"]) for r in records if r["outcome"] == "pass"]
    defects = [(r["case"], r["engine"], r["message"]) for r in records if r["outcome"] == "error"]
    assert not passed and not defects, passed + defects
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    measured = {r["engine"] for r in records if r["outcome"] != "skip"}
    assert NEWEST in measured  # the controls did run somewhere


def test_a_control_that_passes_is_a_harness_error_that_fails_the_run(tmp_path):
    # A "control" whose expectation is in fact right: the engine passes it, and that must
    # read as a defect of the harness, naming the engine and the control.
    case = tmp_path / "right-after-all.yaml"
    case.write_text(
        textwrap.dedent(
            """\
            control: true
            module:
              wat: '(module (func (export "f") (result i32) (i32.const 7)))'
            calls:
              - invoke: f
                expect: [i32:7]
            """
        ),
        "utf-8",
    )
    done = wasm_matrix(
        "run", str(case), "--engines", NEWEST, "--reports", str(tmp_path / "r"), cwd=tmp_path
    )
    (record,) = map(json.loads, (tmp_path / "r" / "latest" / "results.jsonl").open())
    assert record["outcome"] == "error"
    assert NEWEST in record["message"] and "right-after-all" in record["message"]
    assert "harness defect" in record["message"]
    assert done.returncode == 1
