"""`wasm-matrix`: a thin command line over the library (run, report, engines)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .outcomes import Outcome
from .results import LATEST, read_results

EXIT_OK, EXIT_GATED, EXIT_USAGE, EXIT_BROKEN = 0, 1, 2, 3
EXIT_INTERRUPTED = 130  # as a shell reports a Ctrl-C


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    # Everything after the first `--` goes to pytest untouched.
    passthrough: list[str] = []
    if "--" in argv:
        split = argv.index("--")
        argv, passthrough = argv[:split], argv[split + 1 :]
    options = _parser().parse_args(argv)
    options.pytest_args = passthrough
    return options.handler(options)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="wasm-matrix",
        description="A cross-engine WebAssembly compatibility test matrix.",
    )
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    run = commands.add_parser(
        "run",
        epilog="Arguments after '--' go to pytest, e.g. -- -k sign-ext --junitxml=junit.xml",
        help="run the matrix (cases × toolchains × profiles × engines)",
    )
    run.add_argument("paths", nargs="*", default=["cases"], help="case files or folders")
    run.add_argument("--engines", default="", help="engine ids or globs, comma-separated")
    run.add_argument("--toolchains", default="", help="toolchains, comma-separated")
    run.add_argument("--profiles", default="", help="profiles, comma-separated")
    run.add_argument(
        "-n",
        "--workers",
        default="auto",
        help="parallel workers (pytest-xdist): a number, 'auto', or 0 for none",
    )
    run.add_argument("--reports", default="reports", help="folder for runs (default: reports)")
    run.add_argument(
        "--no-provision",
        action="store_true",
        help="do not install missing engines (their cells are skipped)",
    )
    run.add_argument(
        "--fail-on",
        default="error",
        help="outcomes that make the exit status 1, comma-separated "
        "(default: error; e.g. 'error,crash,fail' for CI gating)",
    )
    run.add_argument(
        "--resume",
        nargs="?",
        const="",
        default=None,
        metavar="RUN_DIR",
        help="resume an interrupted run (default: the latest under --reports): cells it "
        "has results for are not run again; give the same cases and selection",
    )
    run.add_argument(
        "--hostile",
        action="store_true",
        help="also run the hostile corpus (cases/hostile: infinite loops, memory bombs, …)",
    )
    run.set_defaults(handler=_run)

    report = commands.add_parser("report", help="(re)write the reports of a run")
    report.add_argument("run", nargs="?", default=f"reports/{LATEST}", help="the run's folder")
    report.set_defaults(handler=_report)

    engines = commands.add_parser("engines", help="list engine builds; provision them")
    engines.add_argument(
        "--system",
        action="store_true",
        help="also install engines that come from Debian packages (needs root); "
        "alone, provisions every build",
    )
    engines.add_argument(
        "--provision",
        nargs="*",
        metavar="ENGINE",
        help="install these engine builds (globs; none given: all)",
    )
    engines.set_defaults(handler=_engines)

    toolchains = commands.add_parser("toolchains", help="list toolchains; install them")
    toolchains.add_argument(
        "--system",
        action="store_true",
        help="install missing toolchains, Debian packages too (needs root)",
    )
    toolchains.add_argument(
        "--provision",
        action="store_true",
        help="install missing toolchains that need no root (PyPI, npm, downloads)",
    )
    toolchains.set_defaults(handler=_toolchains)
    return parser


def _run(options: argparse.Namespace) -> int:
    import pytest

    fail_on = {part.strip() for part in options.fail_on.split(",") if part.strip()}
    unknown = fail_on - {outcome.value for outcome in Outcome}
    if unknown:
        print(
            f"wasm-matrix: unknown outcome(s) for --fail-on: {', '.join(sorted(unknown))}",
            file=sys.stderr,
        )
        return EXIT_USAGE
    arguments = [
        *options.paths,
        "--wasm-matrix",
        "--matrix-reports",
        options.reports,
        "-p",
        "no:cacheprovider",
        "-q",
        "--no-header",
        "-rN",
        "--tb=no",
        "--assert=plain",  # cells assert nothing; and `matrix` is imported before pytest
    ]
    if options.workers not in ("0", ""):
        arguments += ["-n", options.workers]
    for flag, value in (
        ("--matrix-engines", options.engines),
        ("--matrix-toolchains", options.toolchains),
        ("--matrix-profiles", options.profiles),
    ):
        if value:
            arguments += [flag, value]
    if options.no_provision:
        arguments.append("--matrix-no-provision")
    if options.hostile:
        arguments.append("--matrix-hostile")
    if options.resume is not None:
        folder = Path(options.resume or Path(options.reports) / LATEST).resolve()
        if not (folder / "results.jsonl").exists():
            print(f"wasm-matrix: --resume: no results.jsonl in {folder}", file=sys.stderr)
            return EXIT_USAGE
        arguments += ["--matrix-resume", str(folder)]
    status = pytest.main(arguments + options.pytest_args)
    if status == pytest.ExitCode.NO_TESTS_COLLECTED and options.resume is not None:
        status = pytest.ExitCode.OK  # a resumed run that had every cell already
    if status == pytest.ExitCode.INTERRUPTED:
        return EXIT_INTERRUPTED  # finished cells are kept; the report covers them
    # pytest says 1 when some cell did not pass: that is the matrix's data, not a failure.
    if status not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        return EXIT_BROKEN
    latest = Path(options.reports) / LATEST
    gated = [r for r in read_results(latest) if r["outcome"] in fail_on]
    if gated:
        print(
            f"wasm-matrix: {len(gated)} cells ended in {', '.join(sorted(fail_on))}",
            file=sys.stderr,
        )
        return EXIT_GATED
    return EXIT_OK


def _report(options: argparse.Namespace) -> int:
    from .reporting.markdown import write_summary

    folder = Path(options.run)
    if not (folder / "results.jsonl").exists():
        print(f"wasm-matrix: no results.jsonl in {folder}", file=sys.stderr)
        return EXIT_USAGE
    print(write_summary(folder))
    return EXIT_OK


def _engines(options: argparse.Namespace) -> int:
    from . import provision
    from .engines import families, load_engine_builds, select

    builds = load_engine_builds()
    if options.provision is not None or options.system:
        status = EXIT_OK
        chosen = select(builds, options.provision or None)
        for build in {b.environment_key: b for b in chosen}.values():
            try:
                environment = provision.provision(build, system=options.system)
                print(f"{build.environment_key}: ready ({_version(environment.handshake)})")
            except provision.ProvisionError as error:
                print(f"{build.environment_key}: {error}", file=sys.stderr)
                status = EXIT_BROKEN
        return status
    available = 0
    for build in builds:
        environment = provision.ready(build)
        if environment:
            available += 1
            state = f"available  {_version(environment.handshake)}"
        else:
            state = f"missing    get it with: {provision.how_to_get(build)}"
        print(f"{build.id:44} {state}")
    print(f"{available} of {len(builds)} engine builds available, {len(families(builds))} families")
    return EXIT_OK


def _toolchains(options: argparse.Namespace) -> int:
    from .provision import ProvisionError
    from .toolchains import all_toolchains

    status = EXIT_OK
    for toolchain in all_toolchains().values():
        if options.system or options.provision:
            try:
                toolchain.provision(system=options.system)
            except ProvisionError as error:
                print(f"{toolchain.name}: {error}", file=sys.stderr)
                status = EXIT_BROKEN
        reason = toolchain.unavailable_reason()
        state = f"missing    {reason}" if reason else f"available  {toolchain.version()}"
        print(f"{toolchain.name:16} {toolchain.format:8} {state}")
    return status


def _version(handshake: dict) -> str:
    """The exact version a host reported, with its underlying engine's when it has one."""
    version = str(handshake.get("version", "?"))
    underlying = handshake.get("engine_version")
    return f"{version} ({underlying})" if underlying else version


if __name__ == "__main__":
    sys.exit(main())
