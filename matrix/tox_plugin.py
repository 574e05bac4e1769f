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

from .options import Kind, Route, routed
from .routes import pytest_arguments

# The settings of options.py's table with the TOX route (`wasm_matrix_engines`, …), and two
# of the tox route's own: more pytest arguments, and tox's positional ones.
ARGS = "wasm_matrix_args"
POSARGS = "wasm_matrix_posargs"


@impl
def tox_add_env_config(env_conf: EnvConfigSet, state: State) -> None:
    for option in routed(Route.TOX):
        if option.kind in (Kind.LIST, Kind.PATHS):
            env_conf.add_config(keys=[option.key], of_type=list[str], default=[], desc=option.help)
        elif option.kind is Kind.FLAG:
            env_conf.add_config(keys=[option.key], of_type=bool, default=False, desc=option.help)
        else:
            env_conf.add_config(keys=[option.key], of_type=str, default="", desc=option.help)
    env_conf.add_config(
        keys=[ARGS],
        of_type=list[str],
        default=[],
        desc="more pytest arguments for the matrix run, e.g. -n 2",
    )
    env_conf.add_config(
        keys=[POSARGS],
        of_type=list[str],
        # tox's positional arguments (`tox -e wasm -- -k hashes`) go to the matrix's pytest.
        default=lambda config, env_name: list(config.pos_args(None) or ()),
        desc="pytest arguments given on the command line (default: tox's posargs)",
    )


@impl
def tox_after_run_commands(tox_env: ToxEnv, exit_code: int, outcomes: list[Outcome]) -> None:
    conf = tox_env.conf
    # Setting the cases adds the matrix run; none if the commands (say, the build) failed.
    if not conf["wasm_matrix_cases"] or exit_code != Outcome.OK:
        return
    values = {option.name: conf[option.key] for option in routed(Route.TOX)}
    command = [
        "python",
        "-m",
        "pytest",
        *pytest_arguments(**values),
        *conf[ARGS],
        *conf[POSARGS],
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
