"""nox helpers: another project's noxfile.py adds a matrix session in a few lines.

    import nox
    from matrix.nox import add_matrix_session

    add_matrix_session(cases=["wasm-cases"], build=[["make"]])

That registers `wasm_matrix`, parametrized the nox way: one session per engine build
(`nox -s "wasm_matrix(engine='node-22')"`), each tagged with its engine family
(`nox -t wasmtime`), so a CI job matrix can fan out one job per engine. Each session
installs wasm-matrix, runs the project's build commands, then runs the cases with
pytest and the wasm-matrix plugin; `session.posargs` go to pytest
(`nox -s wasm_matrix -- -k hashes -n 2`). docs/nox.md has the details.

Engines, requires and reports left out here come from `[tool.wasm-matrix]` in the
project's pyproject.toml, as for plain pytest: the routes give the same verdicts.
"""

from __future__ import annotations

import os
import shlex
from collections.abc import Callable, Sequence
from pathlib import Path

import nox

from .engines import load_engine_builds, select
from .routes import pytest_arguments
from .settings import load_settings

# A pip requirement (or several): where the sessions get wasm-matrix from.
INSTALL_VARIABLE = "WASM_MATRIX_INSTALL"
DEFAULT_INSTALL = "wasm-matrix"


def add_matrix_session(
    *,
    name: str = "wasm_matrix",
    cases: Sequence[str] = (),
    engines: Sequence[str] | None = None,
    profiles: Sequence[str] = (),
    toolchains: Sequence[str] = (),
    requires: Sequence[str] = (),
    reports: str | None = None,
    build: Sequence[Sequence[str]] = (),
    install: Sequence[str] = (),
    pytest_args: Sequence[str] = (),
    python: str | Sequence[str] | None = None,
    reuse_venv: bool | None = None,
    tags: Sequence[str] = ("wasm-matrix",),
) -> Callable:
    """Register the session `name`, one per engine build; returns the session function.

    cases:      case files or folders (default: the project's `wasm_matrix_cases`)
    engines:    ids, globs or families (default: `[tool.wasm-matrix] engines`, else all)
    profiles, toolchains, requires, reports: as `--matrix-profiles` … (default: settings)
    build:      commands run before the cases, e.g. [["make"]] or [["cargo", "build"]]
    install:    extra packages for the session (the project itself, say "."); wasm-matrix
                itself comes from $WASM_MATRIX_INSTALL, else PyPI
    pytest_args: always given to pytest (session.posargs come after them)
    """
    engine_ids = engine_parameters(engines)
    selection = {"engines": engines, "cases": cases, "profiles": profiles}
    selection |= {"toolchains": toolchains, "requires": requires, "reports": reports}

    def session_function(session: nox.Session, engine: str) -> None:
        # The whole run's selection, sliced to this build: a case whose own `engines:`
        # leaves this build out has no cells here, as in the whole run.
        arguments = pytest_arguments(**selection, only_engine=engine)
        _run(session, arguments, build, install, pytest_args)

    session_function.__doc__ = "The WebAssembly matrix on one engine build (wasm-matrix)."
    parametrized = nox.parametrize(
        "engine",
        [nox.param(engine, tags=[family]) for engine, family in engine_ids],
    )(session_function)
    return nox.session(name=name, python=python, reuse_venv=reuse_venv, tags=list(tags))(
        parametrized
    )


def engine_parameters(patterns: Sequence[str] | None) -> list[tuple[str, str]]:
    """(engine id, family) for each build the patterns (or the project's settings) name."""
    if patterns is None:
        patterns = load_settings(Path.cwd()).engines
    builds = select(load_engine_builds(), list(patterns))
    if not builds:
        raise ValueError(f"wasm-matrix: no engine build matches {', '.join(patterns)}")
    return [(build.id, build.family.name) for build in builds]


def run_matrix(
    session: nox.Session,
    *,
    engines: Sequence[str] = (),
    cases: Sequence[str] = (),
    profiles: Sequence[str] = (),
    toolchains: Sequence[str] = (),
    requires: Sequence[str] = (),
    reports: str | None = None,
    build: Sequence[Sequence[str]] = (),
    install: Sequence[str] = (),
    pytest_args: Sequence[str] = (),
) -> None:
    """Install, build and run the matrix inside any session (for a noxfile that writes
    its own session function). Everything left out comes from the project's settings.

    The matrix keywords are the options of options.py's table with the NOX route
    (tests/test_options.py checks that they match)."""
    arguments = pytest_arguments(
        engines=engines,
        cases=cases,
        profiles=profiles,
        toolchains=toolchains,
        requires=requires,
        reports=reports,
    )
    _run(session, arguments, build, install, pytest_args)


def _run(
    session: nox.Session,
    arguments: list[str],
    build: Sequence[Sequence[str]],
    install: Sequence[str],
    pytest_args: Sequence[str],
) -> None:
    """Install, build, then pytest with the matrix's arguments and the session's own."""
    session.install(*install_requirements(), *install)
    for command in build:
        session.run(*command, external=True)
    session.run("pytest", *arguments, *pytest_args, *session.posargs)


def install_requirements() -> list[str]:
    return shlex.split(os.environ.get(INSTALL_VARIABLE, "")) or [DEFAULT_INSTALL]
