"""`wasm-matrix`: a thin command line over the library (run, report, engines)."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path

from .exits import EXIT_BROKEN, EXIT_GATED, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE
from .options import BY_NAME, add_cli_argument, add_cli_arguments, cli_values
from .outcomes import Outcome
from .provision_command import add_parsers as add_provision_parsers
from .results import LATEST, read_results

__all__ = ["EXIT_BROKEN", "EXIT_GATED", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_USAGE", "main"]


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
    add_cli_arguments(run)  # options.py's table: every option with the CLI route
    run.set_defaults(handler=_run)

    merge = commands.add_parser("merge", help="join the runs of --shard K/N into one run")
    merge.add_argument("shards", nargs="+", help="the shards' run folders")
    merge.add_argument("-o", "--out", required=True, help="the merged run's folder (new)")
    merge.add_argument(
        "--allow-missing",
        action="store_true",
        help="merge even when shards or cells are missing (the report says how many)",
    )
    merge.set_defaults(handler=_merge)

    report = commands.add_parser("report", help="(re)write the reports of a run")
    report.add_argument("run", nargs="?", default=f"reports/{LATEST}", help="the run's folder")
    report.add_argument(
        "--history",
        metavar="PATH",
        help="the history of runs to add this run to and chart (default: history.jsonl "
        "beside the run's folder)",
    )
    report.add_argument("--reference", help="a features.json table to compare with")
    report.add_argument(
        "--junit", metavar="PATH", help="where to write JUnit XML (default: RUN/junit.xml)"
    )
    report.add_argument(
        "--step-summary",
        metavar="PATH",
        help='append a short Markdown summary to PATH (e.g. "$GITHUB_STEP_SUMMARY")',
    )
    report.add_argument("--base", metavar="RUN", help="an earlier run the summary diffs against")
    report.add_argument("--url", help="where the site is published (for the summary)")
    report.set_defaults(handler=_report)

    difference = commands.add_parser(
        "diff", help="regressions, fixes, new and vanished cells between two runs"
    )
    difference.add_argument("base", help="the earlier run's folder")
    difference.add_argument("new", help="the newer run's folder")
    difference.add_argument(
        "--fail-on-regression",
        action="store_true",
        help="exit with status 1 when a cell that passed no longer does (for CI gating)",
    )
    difference.set_defaults(handler=_diff)

    check = commands.add_parser(
        "check", help="which features a module uses, and which measured engines run it"
    )
    check.add_argument("module", help="a .wasm file")
    check.add_argument(
        "--run",
        help="the measured run to consult (default: the newest run under --reports that has "
        "feature-probe results, else the snapshot shipped with wasm-matrix)",
    )
    add_cli_argument(check, BY_NAME["reports"])
    check.add_argument("--json", action="store_true", help="print JSON instead of text")
    check.set_defaults(handler=_check)

    shot = commands.add_parser(
        "snapshot",
        help="write the snapshot of measured results that `check` ships with (matrix/reference/)",
    )
    shot.add_argument(
        "runs",
        nargs="*",
        help="run folders (default: the newest run with probe results and the newest with "
        "real-world load results under --reports)",
    )
    add_cli_argument(shot, BY_NAME["reports"])  # as `wasm-matrix run --reports` spells it
    shot.add_argument("--output", help="where to write it (default: the package's own copy)")
    shot.set_defaults(handler=_snapshot)

    versus = commands.add_parser(
        "compare", help="measured support against webassembly.org's features.json table"
    )
    versus.add_argument("run", nargs="?", default=f"reports/{LATEST}", help="the run's folder")
    versus.add_argument("--reference", help="a features.json table (default: the bundled copy)")
    versus.add_argument("--all", action="store_true", help="also list what agrees")
    versus.add_argument("--export", metavar="PATH", help="write our measurements as features.json")
    versus.add_argument(
        "--since",
        metavar="REPORTS",
        help="compare the since findings under REPORTS/since with webassembly.org and MDN BCD",
    )
    versus.set_defaults(handler=_compare)

    from .since_command import add_parser as add_since

    add_since(commands)

    add_provision_parsers(commands)  # engines, toolchains
    return parser


def _run(options: argparse.Namespace) -> int:
    import pytest

    from .planner import Shard
    from .progress import closing_lines
    from .routes import pytest_arguments

    values = cli_values(options)
    unknown = set(values["fail_on"]) - {outcome.value for outcome in Outcome}
    if unknown:
        return _usage(f"unknown outcome(s) for --fail-on: {', '.join(sorted(unknown))}")
    # With --suite alone, only the suite runs; without it, the cases folder by default.
    if not values["cases"] and not values["suite"]:
        values["cases"] = ["cases"]
    if values["workers"] == "0":
        values["workers"] = None  # no pytest-xdist
    if values["shard"]:
        try:
            Shard.parse(values["shard"])
        except ValueError as error:
            return _usage(str(error))
    if options.resume is not None:  # `--resume` alone: the latest run under --reports
        folder = Path(options.resume or Path(options.reports) / LATEST).resolve()
        if not (folder / "results.jsonl").exists():
            return _usage(f"--resume: no results.jsonl in {folder}")
        values["resume"] = str(folder)
    arguments = [
        *pytest_arguments(**values),
        "-p",
        "no:cacheprovider",
        "-qq",  # no per-cell dots, no pytest pass/fail line: the matrix summary says it
        "--no-header",
        "-rN",
        "--tb=no",
        "--assert=plain",  # cells assert nothing; and `matrix` is imported before pytest
    ]
    from .run_display import RunDisplay

    display = RunDisplay()
    status = pytest.main(arguments + options.pytest_args, plugins=[display])
    if status == pytest.ExitCode.NO_TESTS_COLLECTED and options.resume is not None:
        status = pytest.ExitCode.OK  # a resumed run that had every cell already
    if status == pytest.ExitCode.INTERRUPTED:
        return EXIT_INTERRUPTED  # finished cells are kept; the report covers them
    # pytest says 1 when some cell did not pass: that is the matrix's data, not a failure.
    if status not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
        return EXIT_BROKEN
    folder = display.run.folder if display.run else Path(options.reports) / LATEST
    fail_on = set(values["fail_on"])
    results = read_results(folder)
    gated = [r for r in results if r.outcome in fail_on]
    counts = Counter(r.outcome for r in results)
    rule = f"--fail-on {','.join(sorted(fail_on))}"
    print("\n".join(closing_lines(counts, len(gated), rule, folder)))
    return EXIT_GATED if gated else EXIT_OK


def _usage(message: str, command: str = "") -> int:
    print(f"wasm-matrix{' ' * bool(command)}{command}: {message}", file=sys.stderr)
    return EXIT_USAGE


def _merge(options: argparse.Namespace) -> int:
    from .merge import MergeError, merge_runs
    from .reporting.markdown import write_summary
    from .reporting.site import write_site

    out = Path(options.out)
    try:
        run = merge_runs([Path(s) for s in options.shards], out, options.allow_missing)
    except MergeError as error:
        return _usage(str(error), "merge")
    write_summary(out)
    write_site(out)
    print(f"{run['shard']['cells_merged']} cells from {len(options.shards)} shards in {out}")
    return EXIT_OK


def _check(options: argparse.Namespace) -> int:
    import json

    from .check import as_json, check, render
    from .scanner import ScanError
    from .snapshot import SnapshotError, measured_for

    module = Path(options.module)
    try:
        found = measured_for(Path(options.run) if options.run else None, Path(options.reports))
        result = check(
            module, found.records, found.run, found.name, found.corpus, found.corpus_from
        )
    except (SnapshotError, OSError) as error:
        return _usage(str(error), "check")
    except ScanError as error:
        return _usage(f"{module} is not a valid module: {error}", "check")
    result.measured_in, result.source = found.describe(), found.source
    print(json.dumps(as_json(result), indent=2) if options.json else render(result))
    return EXIT_OK


def _snapshot(options: argparse.Namespace) -> int:
    from . import snapshot

    try:
        made, path = snapshot.regenerate(
            [Path(folder) for folder in options.runs],
            Path(options.reports),
            Path(options.output) if options.output else snapshot.SNAPSHOT,
        )
    except snapshot.SnapshotError as error:
        return _usage(str(error), "snapshot")
    print(f"{len(made.records)} cells from {made.describe()}")
    print(f"written to {path}")
    return EXIT_OK


def _compare(options: argparse.Namespace) -> int:
    import json

    from .analysis import compare
    from .reporting.text import comparison_text
    from .results import read_run

    if options.since:
        from .since_command import compare_since

        print(compare_since(Path(options.since)))
        return EXIT_OK
    folder = Path(options.run)
    try:
        reference = compare.load_reference(Path(options.reference) if options.reference else None)
    except ValueError as error:
        return _usage(str(error), "compare")
    records = read_results(folder)
    if not records:
        return _usage(f"no results in {folder}", "compare")
    comparisons = compare.ordered(compare.compare(records, reference))
    print(comparison_text(comparisons, only_disagreements=not options.all))
    if options.export:
        exported = compare.export(records, read_run(folder), reference)
        Path(options.export).write_text(json.dumps(exported, indent=2, ensure_ascii=False))
        print(f"measurements in features.json format: {options.export}")
    return EXIT_OK


def _report(options: argparse.Namespace) -> int:
    from .reporting.markdown import write_summary
    from .reporting.site import write_site

    folder = Path(options.run)
    if not (folder / "results.jsonl").exists():
        print(f"wasm-matrix: no results.jsonl in {folder}", file=sys.stderr)
        return EXIT_USAGE
    from .analysis.history import HISTORY, add_run

    history = Path(options.history) if options.history else folder.resolve().parent / HISTORY
    add_run(history, folder)
    previous = Path(options.base) if options.base else None
    if previous is not None and not read_results(previous):
        print(f"wasm-matrix: no results in {previous}; no changes to show", file=sys.stderr)
        previous = None
    print(write_summary(folder, previous))
    reference = Path(options.reference) if options.reference else None
    print(write_site(folder, reference_path=reference, history_path=history))
    from .reporting.ci import JUNIT, write_junit

    print(write_junit(folder, Path(options.junit) if options.junit else folder / JUNIT))
    if options.step_summary:
        from .reporting.ci import step_summary

        with open(options.step_summary, "a", encoding="utf-8") as file:
            file.write(step_summary(folder, previous, options.url))
    return EXIT_OK


def _diff(options: argparse.Namespace) -> int:
    from .analysis.diff import diff_runs
    from .reporting.text import diff_text
    from .since_command import since_changes

    base, new = Path(options.base), Path(options.new)
    changes = since_changes(base, new)  # None unless both folders hold since findings
    if changes is not None and not (base / "results.jsonl").exists():
        return EXIT_GATED if options.fail_on_regression and changes else EXIT_OK
    for folder in (base, new):
        if not (folder / "results.jsonl").exists():
            return _usage(f"no results.jsonl in {folder}", "diff")
    difference = diff_runs(read_results(base), read_results(new))
    print(diff_text(difference))
    if options.fail_on_regression and difference.regressions:
        return EXIT_GATED
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
