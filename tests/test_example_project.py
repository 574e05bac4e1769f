"""The example project (examples/tinyhash, a C library) through each route, end to end.

A copy of the example is built by its own Makefile (clang-19), then its cases run on
three real engine builds by tox (the wasm-matrix tox plugin, installing wasm-matrix
from a wheel of this checkout), by plain `pytest -n 2` (in that same installed
environment, from the project's folder) and by nox (the project's noxfile, one session
per engine). Every route must give the same verdicts, read from each run's
results.jsonl; and the case kept apart in strict/ must fail with the engine's reason.

For the comparison nox runs with --no-venv --no-install and the tox environment's bin/
first on PATH, so its three sessions use that installed wheel instead of making three
more environments; one more session then makes its own virtualenv, as in CI.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from matrix.install import locked
from matrix.paths import cache_dir

from .helpers import NEWEST, OLDER_NO_REFS, REPO

pytestmark = pytest.mark.engine

EXAMPLE = REPO / "examples" / "tinyhash"
NODE = "node-22"
ENGINES = (NEWEST, OLDER_NO_REFS, NODE)  # as examples/tinyhash/pyproject.toml names them
MODULES = ("tinyhash.wasm", "tinyhash-mvp.wasm")  # what its Makefile builds
CASES = ("hashes", "bounds")
TIMEOUT = 900  # seconds for one route (a first tox run installs a whole environment)


def _missing() -> str | None:
    for program in ("make", "clang-19", "wasm-ld-19"):
        if shutil.which(program) is None:
            return f"the example's build needs {program}"
    for module in ("nox", "tox"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install -e '.[test]')"
    if not entry_points(group="tox", name="wasm_matrix"):
        return "the tox plugin is not registered: reinstall (pip install -e .)"
    return None


@dataclass
class Example:
    folder: Path
    env: dict[str, str]
    lock: Path  # xdist workers share the project folder and take turns in it

    @property
    def runs(self) -> Path:
        return self.folder / "build" / "wasm-matrix"  # [tool.wasm-matrix] reports

    def run_folders(self) -> set[Path]:
        if not self.runs.exists():
            return set()
        return {path for path in self.runs.iterdir() if path.is_dir() and not path.is_symlink()}

    def route(self, *command: str | Path, expect_status: int = 0) -> tuple[str, list[Path]]:
        """Run one route's command in the project; its output and the run folders it made."""
        with locked(self.lock):
            return self.route_unlocked(command, expect_status)

    def route_unlocked(
        self, command: tuple, expect_status: int = 0, env: dict | None = None
    ) -> tuple[str, list[Path]]:
        before = self.run_folders()
        done = subprocess.run(
            [str(part) for part in command],
            cwd=self.folder,
            env=env or self.env,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
            check=False,
        )
        output = done.stdout + done.stderr
        assert done.returncode == expect_status, output[-6000:]
        return output, sorted(self.run_folders() - before)

    @property
    def python(self) -> Path:
        return self.folder / ".tox" / "wasm" / "bin" / "python"


def _shared_root(tmp_path_factory) -> Path:
    """A folder all xdist workers of this one run share: the run's temporary root."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session")
def example(tmp_path_factory, provisioned) -> Example:
    reason = _missing()
    if reason:
        pytest.skip(reason)
    for engine in ENGINES:
        provisioned(engine)
    root = _shared_root(tmp_path_factory) / "anyproject"
    root.mkdir(exist_ok=True)
    wheels, folder = root / "wheels", root / "tinyhash"
    with locked(root / "setup.lock"):  # the first worker sets up, the others find it done
        if not folder.exists():
            build_wheel = ["pip", "wheel", "-q", "--no-deps", str(REPO), "-w", str(wheels)]
            subprocess.run(
                [sys.executable, "-m", *build_wheel],
                check=True,
                capture_output=True,
                timeout=TIMEOUT,
            )
            ignore = shutil.ignore_patterns("build", ".nox", ".tox")
            shutil.copytree(EXAMPLE, folder, ignore=ignore)
    (wheel,) = wheels.glob("wasm_matrix-*.whl")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "NOX_", "TOX_"))}
    env |= {"WASM_MATRIX_INSTALL": str(wheel), "WASM_MATRIX_CACHE": str(cache_dir())}
    return Example(folder, env, root / "routes.lock")


def verdicts(run_folders: list[Path]) -> dict[tuple[str, str, str, str], tuple[str, bool]]:
    """(case, toolchain, profile, engine) → (outcome, required), over one route's runs."""
    found = {}
    for folder in run_folders:
        for line in (folder / "results.jsonl").read_text("utf-8").splitlines():
            record = json.loads(line)
            key = (record["case"], record["toolchain"], record["profile"], record["engine"])
            assert key not in found, f"{key} measured twice"
            found[key] = (record["outcome"], record["required"])
    return found


@pytest.fixture(scope="session")
def routes(example) -> dict[str, dict]:
    """Each route's verdicts; measured once per test run, whichever worker comes first."""
    saved = example.folder.parent / "routes.json"
    with locked(example.lock):
        if not saved.exists():
            saved.write_text(json.dumps(_dump(_run_routes(example))))
        return _load(json.loads(saved.read_text()))


def _run_routes(example: Example) -> dict[str, dict]:
    results = {}
    # tox first: it makes the environment (wasm-matrix from the wheel) the others reuse.
    output, runs = example.route_unlocked((sys.executable, "-m", "tox", "-e", "wasm"))
    assert len(runs) == 1 and "congratulations" in output
    results["tox"] = verdicts(runs)

    pytest_command = (example.python, "-m", "pytest", "-n", "2", "-p", "no:cacheprovider")
    output, runs = example.route_unlocked(pytest_command)
    assert len(runs) == 1 and "2 workers" in output
    results["pytest"] = verdicts(runs)

    nox_env = dict(example.env, PATH=f"{example.python.parent}{os.pathsep}{example.env['PATH']}")
    nox_command = (sys.executable, "-m", "nox", "--no-venv", "--no-install", "-s", "wasm_matrix")
    output, runs = example.route_unlocked(nox_command, env=nox_env)
    assert len(runs) == len(ENGINES), output[-3000:]  # one session (and run) per engine
    for engine in ENGINES:
        assert f"Session wasm_matrix(engine='{engine}') was successful" in output
    results["nox"] = verdicts(runs)
    return results


def _dump(results: dict[str, dict]) -> dict[str, list]:
    return {
        route: [[*key, *value] for key, value in found.items()] for route, found in results.items()
    }


def _load(saved: dict[str, list]) -> dict[str, dict]:
    return {
        route: {tuple(row[:4]): tuple(row[4:]) for row in rows} for route, rows in saved.items()
    }


def test_each_route_runs_every_built_module_on_three_engine_builds(routes):
    for route, found in routes.items():
        expected_cells = {
            (f"{case}[{module}]", "prebuilt", "default", engine)
            for case in CASES
            for module in MODULES
            for engine in ENGINES
        }
        assert set(found) == expected_cells, route
        for (case, _, _, engine), (outcome, required) in found.items():
            assert required == (engine != OLDER_NO_REFS), (route, case, engine)
            # clang 19's default build has a 5-byte call_indirect index: only the engine
            # without reference-types refuses it; the -mcpu=mvp build runs everywhere.
            refused = engine == OLDER_NO_REFS and "[tinyhash.wasm]" in case
            assert outcome == ("reject" if refused else "pass"), (route, case, engine)


def test_the_three_routes_give_the_same_verdicts(routes):
    assert routes["tox"] == routes["pytest"] == routes["nox"]


def test_a_required_engine_that_rejects_the_module_fails_with_its_reason(example, routes):
    # pytest in the installed environment, on the case kept apart in strict/.
    output, runs = example.route(
        example.python,
        "-m",
        "pytest",
        "strict",
        "-o",
        "wasm_matrix_cases=strict",
        "-p",
        "no:cacheprovider",
        expect_status=1,
    )
    (record,) = (r for r in _records(runs) if r["engine"] == OLDER_NO_REFS)
    assert record["outcome"] == "reject" and record["required"] is True
    failure = output[output.index("FAILURES") :]
    assert f"old-engine on {OLDER_NO_REFS} (48.0.0)" in failure
    assert "uses call-indirect-overlong (found by the module scanner)" in failure
    engine_error = record["message"].strip().splitlines()[-1].strip()
    assert "zero byte expected" in engine_error and engine_error in failure
    assert "1 failed, 2 passed" in output

    # The same case fails the tox environment.
    output, _ = example.route(
        sys.executable,
        "-m",
        "tox",
        "-e",
        "wasm",
        "-x",
        "env.wasm.wasm_matrix_cases=strict",
        expect_status=1,
    )
    assert "wasm: FAIL" in output and "uses call-indirect-overlong" in output


def _records(runs: list[Path]) -> list[dict]:
    return [
        json.loads(line)
        for folder in runs
        for line in (folder / "results.jsonl").read_text("utf-8").splitlines()
    ]


def test_a_nox_session_installs_wasm_matrix_into_its_own_virtualenv(example, routes):
    # The other nox runs reuse the tox environment; this one makes its own, as in CI.
    session = f"wasm_matrix(engine='{NODE}')"
    output, runs = example.route(sys.executable, "-m", "nox", "-s", session)
    assert f"Session {session} was successful" in output
    installed = list((example.folder / ".nox").glob("*/lib/python*/site-packages/matrix"))
    assert len(installed) == 1, installed  # from the wheel, not a link to this checkout
    assert (installed[0] / "_engines" / "protocol.md").is_file()
    node_cells = {key: value for key, value in routes["pytest"].items() if key[3] == NODE}
    assert verdicts(runs) == node_cells
