"""Which earlier run the scheduler takes its cell times from (matrix/costs.py)."""

from __future__ import annotations

import json
from pathlib import Path

from matrix.costs import newest_run


def _run(reports: Path, name: str, started_at: str | None, results: bool = True) -> Path:
    folder = reports / name
    folder.mkdir(parents=True)
    if started_at is not None:
        (folder / "run.json").write_text(json.dumps({"started_at": started_at}), "utf-8")
    if results:
        (folder / "results.jsonl").write_text("", "utf-8")
    return folder


def test_the_newest_run_is_the_one_that_started_last_whatever_its_name(tmp_path: Path):
    _run(tmp_path, "before-change", "2026-11-29T12:44:26+00:00")  # sorts after digits
    newest = _run(tmp_path, "20261129T163745Z", "2026-11-29T16:37:45+00:00")
    _run(tmp_path, "20261129T130416Z", "2026-11-29T13:04:16+00:00")
    assert newest_run(tmp_path) == newest


def test_the_run_being_written_and_folders_without_results_are_passed_over(tmp_path: Path):
    older = _run(tmp_path, "20261129T120000Z", "2026-11-29T12:00:00+00:00")
    _run(tmp_path, "20261129T130000Z", "2026-11-29T13:00:00+00:00", results=False)
    current = _run(tmp_path, "20261129T140000Z", "2026-11-29T14:00:00+00:00")
    assert newest_run(tmp_path, besides=current) == older


def test_runs_without_run_json_fall_back_to_their_names(tmp_path: Path):
    _run(tmp_path, "20261129T120000Z", None)
    later = _run(tmp_path, "20261129T130000Z", None)
    assert newest_run(tmp_path) == later
    assert newest_run(tmp_path / "missing") is None
