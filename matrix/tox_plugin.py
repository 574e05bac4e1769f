"""A tox 4 plugin: `wasm_matrix_*` settings add a matrix run to any tox environment.

    # tox.toml
    [env.wasm]
    skip_install = true
    deps = ["wasm-matrix"]
    allowlist_externals = ["make"]
    commands = [["make"]]                    # the project's own build step
    wasm_matrix_cases = ["wasm-cases"]       # this turns the matrix run on
    wasm_matrix_engines = ["wasmtime-50.0.1", "node-22"]

After the environment's commands succeed, the plugin runs the cases with pytest and the
wasm-matrix plugin inside the environment (the very command the nox helper runs), and
the environment fails when a required engine does not pass. Positional arguments
(`tox -e wasm -- -k hashes`) go to that pytest. Settings left out come from
`[tool.wasm-matrix]` in pyproject.toml. docs/tox.md has the details.
"""

from __future__ import annotations

from tox.config.sets import EnvConfigSet
from tox.execute.api import Outcome, StdinSource
from tox.plugin import impl
from tox.session.state import State
from tox.tox_env.api import ToxEnv

from .routes import pytest_arguments

_LISTS = {
    "wasm_matrix_cases": "case files or folders to run (setting it adds the matrix run)",
    "wasm_matrix_engines": "engine ids, globs or families (default: [tool.wasm-matrix])",
    "wasm_matrix_profiles": "profiles (default: those each case names)",
    "wasm_matrix_toolchains": "toolchains (default: all that fit each case)",
    "wasm_matrix_requires": "engines whose non-pass fails the env (default: [tool.wasm-matrix])",
    "wasm_matrix_args": "more pytest arguments for the matrix run, e.g. -n 2",
}


@impl
def tox_add_env_config(env_conf: EnvConfigSet, state: State) -> None:
    for key, description in _LISTS.items():
        env_conf.add_config(keys=[key], of_type=list[str], default=[], desc=description)
    env_conf.add_config(
        keys=["wasm_matrix_posargs"],
        of_type=list[str],
        # tox's positional arguments (`tox -e wasm -- -k hashes`) go to the matrix's pytest.
        default=lambda config, env_name: list(config.pos_args(None) or ()),
        desc="pytest arguments given on the command line (default: tox's posargs)",
    )
    env_conf.add_config(
        keys=["wasm_matrix_reports"],
        of_type=str,
        default="",
        desc="folder for the runs (default: [tool.wasm-matrix] reports, else reports/)",
    )


@impl
def tox_after_run_commands(tox_env: ToxEnv, exit_code: int, outcomes: list[Outcome]) -> None:
    conf = tox_env.conf
    cases = conf["wasm_matrix_cases"]
    if not cases or exit_code != Outcome.OK:  # no matrix here, or the build step failed
        return
    command = [
        "python",
        "-m",
        "pytest",
        *pytest_arguments(
            cases=cases,
            engines=conf["wasm_matrix_engines"],
            profiles=conf["wasm_matrix_profiles"],
            toolchains=conf["wasm_matrix_toolchains"],
            requires=conf["wasm_matrix_requires"],
            reports=conf["wasm_matrix_reports"] or None,
        ),
        *conf["wasm_matrix_args"],
        *conf["wasm_matrix_posargs"],
    ]
    outcome = tox_env.execute(
        command,
        stdin=StdinSource.user_only(),
        show=True,
        cwd=tox_env.core["tox_root"],  # where wasm_matrix_cases are relative to
        run_id="wasm-matrix",
    )
    outcomes.append(outcome)
    outcome.assert_success()  # a required engine that did not pass fails the env
