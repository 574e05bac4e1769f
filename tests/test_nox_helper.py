"""matrix.nox: the sessions another project's noxfile gets from add_matrix_session."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from matrix.routes import pytest_arguments

from .helpers import NEWEST, OLDER, OLDER_NO_REFS

nox = pytest.importorskip("nox", reason="nox is not installed (pip install -e '.[test]')")
from matrix import nox as matrix_nox  # noqa: E402  (needs nox itself)

NOXFILE = """\
from matrix.nox import add_matrix_session

add_matrix_session(
    cases=["checks"],
    build=[["python", "-c", "open('built.txt', 'w').write('yes')"]],
    pytest_args=["-p", "no:cacheprovider"],
)
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "noxfile.py").write_text(NOXFILE)
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.wasm-matrix]\nengines = ["{NEWEST}", "wasmtime-48*"]\n'
    )
    (tmp_path / "checks").mkdir()
    (tmp_path / "checks" / "one.yaml").write_text(
        "module: {wat: '(module (func (export \"one\") (result i32) i32.const 1))'}\n"
        "calls:\n  - {invoke: one, expect: [i32:1]}\n"
    )
    return tmp_path


def run_nox(project: Path, *arguments: str) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"  # this pytest
    return subprocess.run(
        [sys.executable, "-m", "nox", *arguments],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_one_session_per_engine_build_tagged_with_its_family(project):
    listed = run_nox(project, "-l", "--json")
    assert listed.returncode == 0, listed.stderr
    sessions = {s["session"]: s["tags"] for s in json.loads(listed.stdout)}
    assert sessions == {
        f"wasm_matrix(engine='{NEWEST}')": ["wasm-matrix", "wasmtime"],
        f"wasm_matrix(engine='{OLDER}')": ["wasm-matrix", "wasmtime"],
        f"wasm_matrix(engine='{OLDER_NO_REFS}')": ["wasm-matrix", "wasmtime"],
    }


def test_a_session_builds_then_runs_its_engine_with_posargs_for_pytest(project):
    # --no-venv: the session's pytest is this one (with wasm-matrix installed).
    done = run_nox(
        project,
        "--no-venv",
        "--no-install",
        "-s",
        f"wasm_matrix(engine='{OLDER}')",
        "--",
        "--collect-only",
        "-q",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (project / "built.txt").read_text() == "yes"  # the build step ran first
    assert f"checks/one.yaml::wat/default/{OLDER}" in done.stdout
    assert NEWEST not in done.stdout.replace("engine='", "")  # only this engine's cells
    assert "1 test collected" in done.stdout


def test_a_cases_own_engines_narrow_the_one_build_sessions_as_the_whole_run(project):
    # `wasmtime@newest` is the newest of the whole selection (every build: the project
    # names none, and engines named anywhere make cases' own give way): only that build's
    # session has the case's cell; the others skip it (they used to run it on their build).
    (project / "pyproject.toml").write_text("[tool.wasm-matrix]\n")
    (project / "checks" / "newest.yaml").write_text(
        "engines: [wasmtime@newest]\n"
        "module: {wat: '(module (func (export \"two\") (result i32) i32.const 2))'}\n"
        "calls:\n  - {invoke: two, expect: [i32:2]}\n"
    )
    collected = {}
    for engine in (NEWEST, OLDER):
        done = run_nox(
            project, "--no-venv", "--no-install", "-s", f"wasm_matrix(engine='{engine}')",
            "--", "--collect-only", "-q",
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        collected[engine] = [line for line in done.stdout.splitlines() if "::" in line]
    assert collected[NEWEST] == [
        f"checks/newest.yaml::wat/default/{NEWEST}",
        f"checks/one.yaml::wat/default/{NEWEST}",
    ]
    assert collected[OLDER] == [f"checks/one.yaml::wat/default/{OLDER}"]


def test_only_engine_slices_the_selection_and_must_be_part_of_it(project):
    done = run_nox(
        project, "--no-venv", "--no-install", "-s", f"wasm_matrix(engine='{OLDER}')",
        "--", "--collect-only", "-q", "--matrix-only-engine", "node-22",
    )  # fmt: skip
    assert done.returncode != 0
    assert "--matrix-only-engine 'node-22' is not one of the run's engine builds" in (
        done.stdout + done.stderr
    )


def test_engines_come_from_the_arguments_or_the_project_settings(project, monkeypatch):
    monkeypatch.chdir(project)
    assert matrix_nox.engine_parameters(["node-22"]) == [("node-22", "node")]
    assert [engine for engine, _ in matrix_nox.engine_parameters(None)] == [
        NEWEST,
        OLDER,
        OLDER_NO_REFS,
    ]
    with pytest.raises(ValueError, match="no engine build matches nodejs-99"):
        matrix_nox.engine_parameters(["nodejs-99"])


def test_wasm_matrix_comes_from_the_install_variable(monkeypatch):
    monkeypatch.delenv(matrix_nox.INSTALL_VARIABLE, raising=False)
    assert matrix_nox.install_requirements() == ["wasm-matrix"]
    monkeypatch.setenv(matrix_nox.INSTALL_VARIABLE, "/tmp/wheels/wasm_matrix-0.1.0.whl nox")
    assert matrix_nox.install_requirements() == ["/tmp/wheels/wasm_matrix-0.1.0.whl", "nox"]


def test_the_pytest_command_line_of_every_route():
    assert pytest_arguments() == ["--wasm-matrix"]
    assert (
        pytest_arguments(
            cases=["wasm cases", "more"],
            engines=[NEWEST, "node-*"],
            requires=["node-22"],
            profiles=["default"],
            reports="out",
        )
        == textwrap.dedent(
            f"""\
        --wasm-matrix
        --matrix-cases=wasm cases
        --matrix-cases=more
        --matrix-engines
        {NEWEST},node-*
        --matrix-profiles
        default
        --matrix-requires
        node-22
        --matrix-reports
        out
        wasm cases
        more"""
        ).splitlines()
    )
