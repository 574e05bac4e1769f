"""`wasm-matrix since`, the command: search series, keep the findings, print the table.

Findings go to `<reports>/since/<family>/since.json` (with what the search cost: releases
in the series, visited, installed, which could not be installed and why, wall time), and
`<reports>/since/since.md` is the table over every family searched so far.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from .analysis.since_compare import disagreements
from .analysis.since_findings import SINCE_JSON, diff_since, is_since_folder, read_all, since_files
from .bcd import load_bcd
from .cases import load_cases
from .options import BY_NAME, add_cli_argument, split_list
from .reporting import since_export
from .reporting.since_markdown import (
    render_disagreements,
    render_family,
    render_table,
    since_changes_text,
)
from .reporting.since_site import write_since_site
from .series import RegistryError, Series, load_series, release_key, releases
from .since import SinceRun, run_since

SINCE_MD = "since.md"


def command(options) -> int:
    every = load_series()
    wanted = options.family or sorted(every)
    if options.shard:  # the nightly's shard jobs share the families out between them
        index, count = (int(part) for part in options.shard.split("/"))
        wanted = [name for number, name in enumerate(wanted) if number % count == index - 1]
    unknown = [name for name in wanted if name not in every]
    if unknown:
        print(
            f"wasm-matrix since: no series for {', '.join(unknown)} "
            f"(families with one: {', '.join(sorted(every))})",
            file=sys.stderr,
        )
        return 2
    cases, errors = load_cases([Path(path) for path in options.cases])
    for error in errors:
        print(f"wasm-matrix since: {error}", file=sys.stderr)
    if errors:
        return 2
    if options.only:
        cases = [case for case in cases if case.name in set(split_list(options.only))]
    reports = Path(options.reports)
    log = (lambda text: None) if options.quiet else (lambda text: print(text, flush=True))
    for name in [] if options.report_only else wanted:
        series = every[name]
        started = time.monotonic()
        try:
            versions = releases(series, refresh=options.refresh)
            versions = [v for v in versions if _within(v, options.first, options.last)]
            searched = run_since(
                series, cases, reports, log=log, versions=versions, install=not options.no_visits
            )
        except RegistryError as error:
            print(f"wasm-matrix since: {name}: {error}", file=sys.stderr)
            return 1
        path = write_findings(searched, reports, time.monotonic() - started)
        print(render_family(json.loads(path.read_text("utf-8"))))
    families = read_all(reports)
    table = render_table(families)
    (reports / "since" / SINCE_MD).write_text(table, "utf-8")
    print(f"since table: {reports / 'since' / SINCE_MD}")
    for path in write_exports(families, reports):
        print(f"export: {path}")
    print(f"site: {write_site(families, reports)}")
    return 0


def compare_since(reports: Path) -> str:
    """`wasm-matrix compare --since REPORTS`: every disagreement with the published tables."""
    return render_disagreements(disagreements(read_all(reports), load_bcd()))


def since_changes(base: Path, new: Path) -> list[dict] | None:
    """`wasm-matrix diff` of two folders with since findings: prints each first version
    that changed and returns them; None (and prints nothing) for other folders."""
    if not (is_since_folder(base) and is_since_folder(new)):
        return None
    changes = diff_since(since_files(base), since_files(new))
    print(since_changes_text(changes))
    return changes


def write_site(families: list[dict], reports: Path) -> Path:
    try:
        rows = disagreements(families, load_bcd())
    except Exception as error:  # BCD could not be fetched: the page says so
        print(f"wasm-matrix since: MDN's data is not available: {error}", file=sys.stderr)
        rows = None
    if rows is not None:
        text = render_disagreements(rows)
        (reports / "since" / "disagreements.md").write_text(text, "utf-8")
    return write_since_site(reports, families, rows)


def write_exports(families: list[dict], reports: Path) -> list[Path]:
    """features.json and BCD exports (each validated against its schema) beside the table."""
    folder = reports / "since"
    org = since_export.features_json(families)
    since_export.validate_features_json(org)
    bcd = since_export.bcd_json(families)
    since_export.validate_bcd_json(bcd)
    written = []
    for name, data in (("features.json", org), ("bcd-webassembly.json", bcd)):
        path = folder / name
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n", "utf-8")
        written.append(path)
    return written


def _within(version: str, first: str | None, last: str | None) -> bool:
    key = release_key(version)
    if first and key < release_key(first):
        return False
    return not (last and key > release_key(last))


def write_findings(searched: SinceRun, reports: Path, seconds: float) -> Path:
    series = searched.series
    folder = reports / "since" / series.family.name
    folder.mkdir(parents=True, exist_ok=True)
    data = {
        "family": series.family.name,
        "title": series.family.title,
        "registry": series.registry,
        "package": series.package,
        "configurations": [
            {"name": c.name, "role": c.role, "label": c.label} for c in series.configurations
        ],
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "budget": {
            "releases": len(searched.versions),
            "visited": len(searched.with_results),
            "installed": searched.installed,
            "install_failures": searched.install_failures,
            "crashing": searched.crashing,
            "seconds": round(seconds, 1),
        },
        "notes": series.notes,
        "releases": searched.versions,
        "visited": sorted(searched.with_results, key=searched.versions.index),
        "findings": [_with_flags(f.to_record(), folder, series) for f in searched.findings],
    }
    path = folder / SINCE_JSON
    try:  # the first full search's cost stays on record when a rerun costs nothing
        earlier = json.loads(path.read_text("utf-8"))
        data["first_budget"] = earlier.get("first_budget") or earlier["budget"]
    except (OSError, ValueError, KeyError):
        data["first_budget"] = data["budget"]
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False), "utf-8")
    return path


def _with_flags(record: dict, folder: Path, series: Series) -> dict:
    """A flag finding names the engine flags its first passing release was run with."""
    configuration = next(c for c in series.configurations if c.name == record["configuration"])
    if record["role"] != "flag" or not record.get("first"):
        return record
    run = folder / record["first"] / "run.json"
    try:
        engines = json.loads(run.read_text("utf-8")).get("engines", [])
    except (OSError, ValueError):
        return record
    build = series.build(record["first"], configuration)
    for engine in engines:
        if engine.get("id") == build.id:
            record["flags"] = engine.get("flags", []) or engine.get("host_arguments", [])
    return record


def add_parser(commands) -> None:
    since = commands.add_parser(
        "since", help="the first release of each engine series that passes each probe"
    )
    # The options a matrix run has too come from its option table (matrix/options.py).
    add_cli_argument(
        since, BY_NAME["cases"], default=["cases/probes"], help="cases (default: the probes)"
    )
    since.add_argument(
        "--family", action="append", help="a family with a series (repeatable; default: all)"
    )
    since.add_argument("--only", metavar="NAMES", help="only the cases so named, comma-separated")
    add_cli_argument(since, BY_NAME["reports"])
    since.add_argument("--refresh", action="store_true", help="ask the registry for releases again")
    since.add_argument(
        "--from", dest="first", metavar="VERSION", help="only releases from this one"
    )
    since.add_argument("--to", dest="last", metavar="VERSION", help="only releases up to this one")
    since.add_argument("--quiet", action="store_true", help="no progress lines")
    add_cli_argument(
        since, BY_NAME["shard"], help="only the families of shard K of N (the nightly's fan-out)"
    )
    since.add_argument(
        "--no-visits",
        action="store_true",
        help="install and run nothing: findings from the releases already visited",
    )
    since.add_argument(
        "--report-only",
        action="store_true",
        help="search nothing: rewrite the table, exports and site from the since.json files",
    )
    since.set_defaults(handler=command)
