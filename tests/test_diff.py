"""Diff of two runs, the history of runs and its chart, badges, JUnit and the CI summary."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from matrix.analysis.diff import diff_runs
from matrix.analysis.history import add_run, read_history
from matrix.records import CellResult
from matrix.reporting.badges import write_badges
from matrix.reporting.chart import chart
from matrix.reporting.ci import fit, step_summary, write_junit
from matrix.reporting.links import cell_link
from matrix.reporting.site import write_site
from matrix.results import RESULTS, RUN

from .helpers import NEWEST, wasm_matrix


def cell(case, outcome, engine="wasmtime-50", message=""):
    return CellResult.from_record(
        {
            "case": case,
            "toolchain": "wat",
            "profile": "default",
            "engine": engine,
            "engine_family": engine.split("-")[0],
            "outcome": outcome,
            "message": message,
            "rerun": f"wasm-matrix run {case}.yaml",
        }
    )


BASE = [
    cell("a", "pass"),
    cell("b", "pass"),
    cell("c", "reject"),
    cell("d", "pass"),
    cell("e", "trap"),
    cell("gone", "pass"),
]
NEW = [
    cell("a", "pass"),
    cell("b", "crash", message="host died"),  # regression
    cell("c", "pass"),  # fix
    cell("d", "skip"),  # not measured any more: a change, not a regression
    cell("e", "fail"),  # another change
    cell("fresh", "reject"),
]


def test_diff_sorts_every_change_into_one_kind():
    diff = diff_runs(BASE, NEW)
    assert [c.key[0] for c in diff.regressions] == ["b"]
    assert [c.key[0] for c in diff.fixes] == ["c"]
    assert [c.key[0] for c in diff.changed] == ["d", "e"]
    assert [c.key[0] for c in diff.new] == ["fresh"]
    assert [c.key[0] for c in diff.vanished] == ["gone"]
    assert diff.unchanged == 1


def run_folder(folder: Path, name: str, records: list[CellResult], started: str) -> Path:
    run = folder / name
    run.mkdir(parents=True)
    (run / RESULTS).write_text("".join(json.dumps(r.to_record()) + "\n" for r in records))
    (run / RUN).write_text(json.dumps({"started_at": started, "engines": []}))
    return run


def test_history_keeps_one_entry_per_run_in_time_order(tmp_path):
    history = tmp_path / "history.jsonl"
    second = run_folder(tmp_path, "r2", NEW, "2026-01-02T00:00:00+00:00")
    first = run_folder(tmp_path, "r1", BASE, "2026-01-01T00:00:00+00:00")
    add_run(history, second)
    add_run(history, first)
    add_run(history, second)  # reported twice: still one entry
    entries = read_history(history)
    assert [e["run"] for e in entries] == ["r1", "r2"]
    # r1: 4 of 6 pass; r2: d skipped, so 2 of 5 measured pass.
    assert entries[0]["engines"]["wasmtime-50"] == {"pass": 4, "measured": 6, "family": ""}
    assert entries[1]["engines"]["wasmtime-50"]["measured"] == 5
    geometry = chart(entries)
    (line,) = geometry["lines"]
    (x1, y1), (x2, y2) = line["dots"]
    assert x1 < x2 and y1 < y2  # the rate fell: further down the chart
    assert line["last"] == pytest.approx(2 / 5)


def test_the_site_draws_the_history_and_escapes_engine_names(tmp_path):
    evil = "wasmtime-<script>alert(1)</script>"
    records = [cell("a", "pass", engine=evil), cell("b", "reject", engine=evil)]
    run = run_folder(tmp_path, "r1", records, "2026-01-01T00:00:00+00:00")
    add_run(tmp_path / "history.jsonl", run)
    site = write_site(run).parent
    page = (site / "history.html").read_text()
    assert "<svg" in page and "<polyline" not in page and "<circle" in page  # one point
    assert "<script>alert" not in page
    badge = next((site / "badges").iterdir())
    root = ElementTree.parse(badge).getroot()  # well-formed XML, name escaped
    assert root.find("{http://www.w3.org/2000/svg}title").text == f"{evil}: 50.0% pass"


def test_badges_one_per_engine_with_its_pass_rate(tmp_path):
    records = [cell("a", "pass"), cell("b", "reject"), cell("c", "skip"), cell("a", "pass", "x-1")]
    written = write_badges(records, tmp_path)
    assert sorted(written) == ["wasmtime-50", "x-1"]
    assert "50.0% pass" in (tmp_path / written["wasmtime-50"]).read_text()
    assert "100.0% pass" in (tmp_path / written["x-1"]).read_text()


def test_junit_from_results_counts_like_pytest(tmp_path):
    run = run_folder(tmp_path, "r", NEW, "2026-01-02T00:00:00+00:00")
    root = ElementTree.parse(write_junit(run, tmp_path / "junit.xml")).getroot()
    (suite,) = root
    assert suite.get("name") == "wasmtime-50"
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("6", "2", "1")
    assert suite.get("skipped") == "1"
    crashed = next(c for c in suite if c.get("classname") == "b")
    assert "host died" in crashed.find("error").text


def test_step_summary_names_regressions_and_links_into_the_published_site(tmp_path):
    base = run_folder(tmp_path, "20260101T000000Z", BASE, "2026-01-01T00:00:00+00:00")
    run = run_folder(tmp_path / "other", "r", NEW, "2026-01-02T00:00:00+00:00")
    text = step_summary(run, base, url="https://example.invalid/x")
    assert "**1 regressions**" in text
    crashed = next(r for r in NEW if r.outcome == "crash")
    link = f"[☠️ crash](https://example.invalid/x/{cell_link(crashed)})"
    assert f"- {link} b · wat · default · wasmtime-50 (was pass)" in text
    assert "](site/" not in text  # every link points at the published site


def test_a_step_summary_is_cut_to_fit_with_a_note():
    text = "".join(f"line {i}\n" for i in range(1000))
    cut = fit(text, 1000)
    assert len(cut.encode()) <= 1000
    assert cut.endswith("the whole report is summary.md.**\n")
    assert cut.splitlines()[-3] == f"line {len(cut.splitlines()) - 3}"  # whole lines only
    assert fit(text, 10**6) == text


ANSWER = """
kind: program
module:
  wat: '(module (func (export "answer") (result i32) i32.const 42))'
calls:
  - {{invoke: answer, expect: ["i32:{value}"]}}
"""


@pytest.mark.engine
def test_a_real_regression_fails_the_diff_gate(tmp_path, provisioned):
    provisioned(NEWEST)
    case = tmp_path / "cases" / "answer.yaml"
    case.parent.mkdir()
    runs = []
    for value in (42, 43):  # the second run expects a wrong answer: the cell now fails
        case.write_text(ANSWER.format(value=value))
        done = wasm_matrix("run", "cases", "--engines", NEWEST, "-n", "0", cwd=tmp_path)
        assert done.returncode == 0, done.stdout + done.stderr
        runs.append(str((tmp_path / "reports" / "latest").resolve()))
    done = wasm_matrix("diff", *runs, cwd=tmp_path)
    assert done.returncode == 0
    assert done.stdout.startswith("1 regressions, 0 fixes")
    gated = wasm_matrix("diff", *runs, "--fail-on-regression", cwd=tmp_path)
    assert gated.returncode == 1
    back = wasm_matrix("diff", runs[1], runs[0], "--fail-on-regression", cwd=tmp_path)
    assert back.returncode == 0 and back.stdout.startswith("0 regressions, 1 fixes")
    history = read_history(tmp_path / "reports" / "history.jsonl")
    assert [e["engines"][NEWEST]["pass"] for e in history] == [1, 0]
