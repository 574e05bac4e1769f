"""The nightly workflow: its shard matrix matches its shard count, and actionlint accepts it."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from .helpers import REPO

WORKFLOW = REPO / ".github" / "workflows" / "nightly.yml"


def test_every_shard_of_the_count_is_in_the_job_matrix():
    workflow = yaml.safe_load(WORKFLOW.read_text())
    count = int(workflow["env"]["SHARDS"])
    shards = workflow["jobs"]["shard"]["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, count + 1))
    assert workflow["jobs"]["merge"]["needs"] == ["previous", "shard"]
    merge = " ".join(step.get("run", "") for step in workflow["jobs"]["merge"]["steps"])
    assert "wasm-matrix merge shards/shard-*/shard-*" in merge
    assert "--step-summary" in merge
    assert workflow["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    assert True in workflow and "schedule" in workflow[True]  # YAML 1.1 reads `on` as True
    assert "workflow_dispatch" in workflow[True]


def test_actionlint_accepts_the_workflows():
    actionlint = shutil.which("actionlint")
    if actionlint is None:
        pytest.skip("actionlint is not installed (nox -s lint installs it from PyPI)")
    done = subprocess.run(
        [actionlint, str(WORKFLOW)], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
