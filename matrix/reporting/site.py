"""The static HTML site of a run: reports/<run>/site/, self-contained, safe to publish.

Rendered with jinja2 with autoescape on: every case name, message and engine string is
untrusted text. No file outside site/ is referenced: CSS and the little JavaScript that
sorts and filters tables are inline, so the folder works from file:// and from any static
host (GitHub Pages).
"""

from __future__ import annotations

import json
import shutil
from collections import defaultdict
from pathlib import Path

from jinja2 import Environment, FileSystemBytecodeCache, PackageLoader, StrictUndefined

from ..analysis import compare
from ..analysis.history import HISTORY, read_history
from ..analysis.versions import first_passing
from ..outcomes import Outcome, executes
from ..paths import cache_dir
from ..profiles import FEATURES_BY_NAME
from ..records import CellResult
from ..results import read_results, read_run
from ..traps import LEGEND as TRAP_LEGEND
from .badges import write_badges
from .case_pages import write_case_pages
from .chart import chart
from .links import cell_anchor, cell_link
from .marks import mark, outcome_cell, pass_row
from .realworld import page_for_run
from .tables import (
    Table,
    case_tables,
    control_summary,
    engine_order,
    feature_table,
    outcome_counts,
    toolchain_defaults_table,
)
from .wasi_tables import abi_table, shim_engines, wasi_table

SITE = "site"
LEGEND = {outcome: outcome.meaning for outcome in Outcome}


def _environment() -> Environment:
    # Compiled templates are kept in the cache (keyed by their source): compiling them took
    # half of the site's time for a small run.
    compiled = cache_dir() / "templates"
    compiled.mkdir(parents=True, exist_ok=True)
    environment = Environment(
        loader=PackageLoader("matrix.reporting", "templates"),
        bytecode_cache=FileSystemBytecodeCache(str(compiled)),
        autoescape=True,  # everything from cases and engines is untrusted
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    environment.globals.update(
        Outcome=Outcome,
        legend=LEGEND,
        trap_legend=TRAP_LEGEND,
        cell_link=cell_link,
        cell_anchor=cell_anchor,
        mark=mark,
        outcome_cell=outcome_cell,
        pass_row=pass_row,
    )
    environment.filters["percent"] = lambda value: f"{value * 100:.1f}%"
    return environment


def profile_page(profile: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in profile)
    return f"profile-{safe}.html"


def write_site(
    run_folder: Path,
    reference_path: Path | None = None,
    history_path: Path | None = None,
) -> Path:
    """Render every page of the run into run_folder/site/ (replacing what was there);
    `reference_path` a features.json table to compare with (default: the bundled copy);
    `history_path` the history of runs to chart (default: history.jsonl beside the run)."""
    reference = compare.load_reference(reference_path)
    reference_name = (reference_path or compare.REFERENCE).name
    records = sorted(read_results(run_folder), key=lambda record: record.key)
    run = read_run(run_folder)
    site = run_folder / SITE
    if site.exists():
        shutil.rmtree(site)
    site.mkdir(parents=True)
    environment = _environment()
    engines = engine_order(records, run)
    profiles = case_tables([r for r in records if r.kind not in ("spec", "load")], engines)
    shipped = page_for_run(records, engines)
    spec = spec_table(records, engines)
    defaults = toolchain_defaults_table(records, engines)
    wasi = wasi_table(records, engines)
    abi = abi_table(records)
    nav = [("index.html", "Overview")]
    if defaults.rows:
        nav.append(("toolchains.html", "Toolchain defaults"))
    if wasi.rows:
        nav.append(("wasi.html", "WASI"))
    if abi.rows:
        nav.append(("abi.html", "C ↔ Rust ABI"))
    nav += [(profile_page(_profile_of(t)), f"Profile {_profile_of(t)}") for t in profiles]
    if not shipped.empty:
        nav.append(("realworld.html", "Real-world modules"))
    if spec.rows:
        nav.append(("spec.html", "Spec suite"))
    comparisons = compare.compare(records, reference) if reference else []
    if comparisons:
        nav.append(("compare.html", "vs webassembly.org"))
    nav.append(("cases.html", "Cases"))
    nav.append(("history.html", "History & badges"))
    common = {"run": run, "run_name": run_folder.resolve().name, "nav": nav, "root": ""}

    def page(name: str, template: str, **context) -> None:
        text = environment.get_template(template).render(**common, **context, page=name)
        (site / name).write_text(text, "utf-8")

    features = feature_table(records, engines)
    page(
        "index.html",
        "overview.html.j2",
        title="Overview",
        counts=outcome_counts(records),
        cells=len(records),
        engines=engines,
        engine_facts={e["id"]: e for e in run.get("engines", [])},
        features=features.transposed(),
        feature_notes=features.row_notes,
        feature_titles={n: FEATURES_BY_NAME[n].title for n in features.rows},
        first=_first_rows(records, features.rows),
        validators=sorted({r.engine for r in records if r.engine != "-" and not executes(r)}),
        controls=control_summary(records),
        unobserved=sum(r.unobserved_trap_kinds for r in records),
    )
    if defaults.rows:
        page(
            "toolchains.html",
            "table.html.j2",
            title="Toolchain defaults × engines",
            intro="Each compiler's own default build (no target-feature flags) of every "
            "program in the corpus; a cell shows the worst outcome and how many passed.",
            table=defaults.transposed(),
            corner="engine",
        )
    if wasi.rows:
        shims = shim_engines(records)
        page(
            "wasi.html",
            "table.html.j2",
            title="WASI programs × engines",
            intro="Each WASI toolchain's default build of every WASI program, run through "
            "each engine's own WASI preview 1; a cell shows the worst outcome and how many "
            "passed."
            + (
                f" {', '.join(shims)}: WASI via wasm-matrix's shim, marked (shim): these "
                "engines have no WASI of their own, so what runs there is wasm-matrix's "
                "JavaScript implementation of WASI, not the engine's."
                if shims
                else ""
            ),
            table=wasi.transposed(),
            corner="engine",
        )
    if abi.rows:
        page(
            "abi.html",
            "table.html.j2",
            title=abi.title,
            intro="One C file and one Rust file per case, compiled by each clang and rustc "
            "and linked by the newer wasm-ld. :mv is clang's experimental multivalue ABI, "
            ":wasm-c-abi=spec rustc's -Zwasm-c-abi=spec. pass: the pairing agrees; fail or "
            "trap: it linked and answered wrong; build-error: it does not link (wasm-ld's "
            "signature-mismatch warnings are on the cell's page).",
            table=abi,
            corner="pairing",
        )
    for table in profiles:
        page(
            profile_page(_profile_of(table)),
            "table.html.j2",
            title=f"Cases × engines, profile {_profile_of(table)}",
            intro="One row per case and toolchain; hover or tap a symbol for its outcome, "
            "follow it to the cell on its case's page.",
            table=table,
            corner="case (toolchain)",
        )
    if not shipped.empty:
        page(
            "realworld.html",
            "realworld.html.j2",
            title="Real-world modules × engines",
            page_data=shipped,
        )
    if spec.rows:
        page("spec.html", "spec.html.j2", title="Spec suite pass rates", spec=spec)
    if comparisons:
        _write_comparison(page, site, comparisons, records, run, reference, reference_name)
    entries = read_history(history_path or run_folder.parent / HISTORY)
    page(
        "history.html",
        "history.html.j2",
        title="History and badges",
        entries=entries,
        chart=chart(entries) if entries else None,
        badges=write_badges(records, site / "badges"),
    )
    write_case_pages(environment, site, records, common)
    return site / "index.html"


def _write_comparison(page, site, comparisons, records, run, reference, reference_name) -> None:
    exported = compare.export(records, run, reference)
    (site / "features.json").write_text(json.dumps(exported, indent=2, ensure_ascii=False))
    page(
        "compare.html",
        "compare.html.j2",
        title="Measured against webassembly.org's feature table",
        comparisons=compare.ordered(comparisons),
        kind_words=compare.KIND_WORDS,
        reference_name=reference_name,
        mapping=[f"{ours} = {theirs}" for ours, theirs in compare.mapped_families().items()],
        unmapped=compare.not_compared(),
        counts={
            "disagree": sum(1 for c in comparisons if c.disagrees),
            "switched": sum(1 for c in comparisons if c.kind == "passes-when-switched-on"),
            "first": sum(1 for c in comparisons if c.first_differs),
        },
    )


def _profile_of(table: Table) -> str:
    return table.title.split("`")[1]


def _first_rows(records: list[CellResult], features: list[str]) -> list[dict]:
    """Per family with a version series: the first measured version passing each feature."""
    rows = []
    for family, by_feature in sorted(first_passing(records).items()):
        any_feature = next(iter(by_feature.values()))
        rows.append(
            {
                "family": family,
                "versions": list(any_feature.versions),
                "features": {name: by_feature.get(name) for name in features},
            }
        )
    return rows


class SpecTable:
    """Script × engine pass rates of spec-suite cells (kind "spec", see the spec records);
    a validator-only build's rate is how often it agrees on which modules are valid."""

    def __init__(self, rows: list[str], columns: list[str]):
        self.rows, self.columns = rows, columns
        self.cells: dict[tuple[str, str], dict] = {}
        self.totals: dict[str, dict] = {}
        self.validators: set[str] = set()


def spec_rate(assertions: dict) -> tuple[int, int, int, int]:
    """(pass, fail, skip, off) summed over commands; rate = pass / (pass + fail)."""
    total = [0, 0, 0, 0]
    for counts in (assertions or {}).values():
        for index, name in enumerate(("pass", "fail", "skip", "off")):
            total[index] += int(counts.get(name, 0) or 0)
    return tuple(total)  # type: ignore[return-value]


def spec_table(records: list[CellResult], engines: list[str]) -> SpecTable:
    spec = [r for r in records if r.kind == "spec"]
    table = SpecTable(sorted({r.case for r in spec}), [e for e in engines if _has(spec, e)])
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    table.validators = {r.engine for r in spec if not executes(r)}
    for record in spec:
        passed, failed, skipped, off = spec_rate(record.assertions)
        cell = {
            "record": record,
            "outcome": Outcome(record.outcome),
            "pass": passed,
            "fail": failed,
            "skip": skipped,
            "off": off,
            "rate": passed / (passed + failed) if passed + failed else None,
        }
        table.cells[(record.case, record.engine)] = cell
        for index, value in enumerate((passed, failed, skipped, off)):
            totals[record.engine][index] += value
    for engine, (passed, failed, skipped, off) in totals.items():
        rate = passed / (passed + failed) if passed + failed else None
        table.totals[engine] = {"pass": passed, "fail": failed, "skip": skipped, "off": off}
        table.totals[engine]["rate"] = rate
    return table


def _has(records: list[CellResult], engine: str) -> bool:
    return any(r.engine == engine for r in records)
