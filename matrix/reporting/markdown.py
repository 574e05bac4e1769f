"""summary.md: the run as Markdown, for a CI job summary or a quick read.

Everything that comes from a case or an engine is escaped: it is untrusted text.
"""

from __future__ import annotations

import html
import re
from collections import Counter, defaultdict
from pathlib import Path
from urllib.parse import quote

from ..analysis.versions import first_passing
from ..outcomes import AS_EXPECTED, SEVERITY, Outcome, executes
from ..records import CellResult
from ..results import read_results, read_run
from ..traps import LEGEND as TRAP_LEGEND
from .changes import previous_run, render_changes
from .links import cell_link
from .realworld import markdown as realworld_markdown
from .realworld import page_for_run
from .spec import render_spec
from .tables import (
    Table,
    control_summary,
    engine_order,
    feature_table,
    outcome_counts,
    toolchain_defaults_table,
)
from .wasi_markdown import abi_section, wasi_section

SUMMARY = "summary.md"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~!])")


def escape(text: object) -> str:
    """Text safe inside a Markdown table cell or paragraph: no markup, no HTML, one line."""
    escaped = html.escape(str(text), quote=False)  # never inside an attribute
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", escaped)
    return escaped.replace("\r", "").replace("\n", "<br>")


def write_summary(run_folder: Path, previous: Path | None = None) -> Path:
    """summary.md of the run; the changes are against `previous` (default: the newest
    earlier run beside it)."""
    path = run_folder / SUMMARY
    path.write_text(render(run_folder, previous), "utf-8")
    return path


def render(run_folder: Path, previous: Path | None = None, site: str | None = "site/") -> str:
    """The run as Markdown that stays small whatever the run's size: the tables that fold
    cells (features, toolchain defaults, first versions, spec roll-ups), the changes since
    the previous run and a bounded list of non-pass cells per engine. `site` is where cell
    links point (the site's root; None: no links). Every cell is in results.jsonl and on
    the site's case pages."""
    # Cells finish in any order across workers; the report is stable whatever that order.
    records = sorted(read_results(run_folder), key=_cell_order)
    run = read_run(run_folder)
    engines = engine_order(records, run)
    link = _linker(site)
    title = f"# wasm-matrix report: run {escape(run_folder.resolve().name)}"
    parts = [title, "", _overview(records, run), "", _where(site)]
    features = feature_table(records, engines)
    if features.rows:
        ids = "; ".join(
            f"{escape(row)} = {escape(features.row_notes[row])}"
            for row in features.rows
            if features.row_notes.get(row)
        )
        parts += [
            "",
            "## Features × engines",
            "",
            "Each feature's probes execute code that uses it and check the results "
            "(symbols: see the legend; each non-pass symbol links to the cell).",
            "",
            _table(features.transposed(), link, first_header="engine"),
            "",
            f"The same features in webassembly.org's table: {ids}.",
        ]
    defaults = toolchain_defaults_table(records, engines)
    if defaults.rows:
        parts += [
            "",
            "## Toolchain defaults × engines",
            "",
            "Each compiler's own default build (no target-feature flags) of every program in "
            "the corpus; a cell shows the worst outcome and how many programs passed.",
            "",
            _table(defaults.transposed(), link, first_header="engine"),
        ]
    parts += wasi_section(records, engines, lambda t: _table(t, link, "engine"), escape)
    parts += abi_section(records, link, escape)
    parts += _first_versions(records, features.rows)
    previous = previous or previous_run(run_folder)
    if previous is not None:
        base = read_results(previous)
        parts += render_changes(records, base, previous.resolve().name, link, escape)
    shipped = realworld_markdown(page_for_run(records, engines), escape)
    if shipped:
        parts += ["", shipped.rstrip()]
    parts += render_spec(records, engines, escape, site)
    parts += _not_passing([r for r in records if r.kind != "load"], engines, link)
    parts += ["", "## Engines", "", _engines(run, engines)]
    parts += ["", _legend()]
    return "\n".join(parts).rstrip() + "\n"


def _where(site: str | None) -> str:
    where = f"the site ({escape(site)}index.html)" if site else "the run's site"
    return (
        f"Every cell is in results.jsonl; {where} has every case × engine table per "
        "profile and a page per case with each cell's message, build and rerun command."
    )


def _linker(site: str | None):
    """link(record, text): the text linked to the cell on its case's page in the site."""

    def link(record: CellResult, text: str) -> str:
        if site is None:
            return text
        target = quote(site + cell_link(record), safe=":/#?&=%~.-_+")
        return f"[{text}]({target})"

    return link


def _cell_order(record: CellResult) -> tuple[str, str, str, str]:
    return (record.case, record.toolchain, record.profile, record.engine)


def _overview(records: list[CellResult], run: dict) -> str:
    counts = outcome_counts(records)
    shown = ", ".join(f"{count} {outcome}" for outcome, count in counts.items() if count)
    machine = run.get("machine", {})
    lines = [
        f"{len(records)} cells ({shown or 'none'}) on {_count(len(engine_order(records, run)))}.",
        f"Started {escape(run.get('started_at', '?'))}, finished "
        f"{escape(run.get('finished_at') or 'not yet (interrupted or running)')}; "
        f"{escape(machine.get('cpus', '?'))} CPUs, {escape(machine.get('os', '?'))}; "
        f"wasm-matrix {escape(run.get('wasm_matrix', '?'))}, revision "
        f"{escape(run.get('revision') or 'unknown')}.",
    ]
    validators = sorted({r.engine for r in records if r.engine != "-" and not executes(r)})
    if validators:
        lines.append(
            f"Validator-only builds, which execute nothing (their cells say `valid` or "
            f"`invalid`, never `pass`, and have no pass rate): {escape(', '.join(validators))}."
        )
    unobserved = sum(r.unobserved_trap_kinds for r in records)
    if unobserved:
        lines.append(
            f'{unobserved} expected traps passed on "it trapped" alone: the engine did not '
            "show which kind of trap it was (counted per cell as `unobserved_trap_kinds`)."
        )
    controls, defects = control_summary(records)
    if controls:
        lines.append(
            f"Controls (cases whose expectations are wrong on purpose): {controls} cells, "
            + (
                f"**{len(defects)} passed: harness defects, listed below as `error`.**"
                if defects
                else "none passed."
            )
        )
    planned = run.get("cells_planned") or 0
    if planned > len(records):
        lines.append(f"**{planned - len(records)} of {planned} planned cells have no result.**")
    return "\n".join(lines)


def _count(engines: int) -> str:
    return f"{engines} engine build" + ("" if engines == 1 else "s")


def _table(table: Table, link, first_header: str) -> str:
    headers = [first_header] + [escape(column) for column in table.columns]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in table.rows:
        values = [escape(row)]
        for column in table.columns:
            cell = table.cells.get((row, column))
            values.append(_cell_text(cell, link))
        lines.append("| " + " | ".join(values) + " |")
    return "\n".join(lines)


def _cell_text(cell, link) -> str:
    if cell is None:
        return ""
    text = f"{cell.outcome.symbol} {cell.outcome}"
    if len(cell.records) > 1:
        text += f" {cell.passed}/{len(cell.records)}"
    if cell.shim:
        text += " *(shim)*"
    failing = next((r for r in cell.records if r.outcome not in AS_EXPECTED), None)
    return link(failing, text) if failing else text


def _first_versions(records: list[CellResult], features: list[str]) -> list[str]:
    """Per family measured at several versions: the first version passing each feature."""
    table = first_passing(records)
    if not table:
        return []
    lines = [
        "",
        "## First measured version that passes",
        "",
        "Per engine family measured at several versions (full builds only): the oldest "
        "measured version from which every newer one passes all of the feature's probes; "
        "≤ marks the oldest version measured, none: the newest does not pass.",
        "",
        "| family | versions | " + " | ".join(escape(f) for f in features) + " |",
        "|" + "---|" * (len(features) + 2),
    ]
    for family, by_feature in sorted(table.items()):
        versions = next(iter(by_feature.values())).versions
        row = [escape(family), escape(", ".join(versions))]
        for feature in features:
            first = by_feature.get(feature)
            if first is None:
                row.append("")
            elif first.first is None:
                row.append("none")
            else:
                row.append(("≤ " if first.oldest_measured else "") + escape(first.first))
        lines.append("| " + " | ".join(row) + " |")
    return lines


def _not_passing(records: list[CellResult], engines: list[str], link) -> list[str]:
    """Per engine: its non-pass cells counted by outcome, the worst few listed with links,
    and its skips folded by reason. Bounded: about LISTED lines whatever the run's size."""
    mine: dict[str, list[CellResult]] = defaultdict(list)
    totals: Counter[str] = Counter()
    for record in records:
        totals[record.engine] += 1
        if record.control and record.outcome != Outcome.ERROR:
            continue  # a control that did not pass did its job
        if record.outcome not in AS_EXPECTED:
            mine[record.engine].append(record)
    shown = [engine for engine in engines if mine[engine]]
    parts = ["", "## Cells that did not pass, per engine", ""]
    if not shown:
        return [*parts, "None."]
    limit = max(2, min(8, LISTED // len(shown)))
    parts.append(
        f"The worst {limit} of each engine build (all of them: the site's case pages and "
        "results.jsonl); skips folded by their reason."
    )
    for engine in shown:
        cells = mine[engine]
        counts = Counter(Outcome(r.outcome) for r in cells)
        counted = ", ".join(f"{n} {o}" for o, n in sorted(counts.items(), key=_severity))
        parts += ["", f"### {escape(engine)}: {len(cells)} of {totals[engine]} ({counted})", ""]
        measured = sorted(
            (r for r in cells if r.outcome != Outcome.SKIP),
            key=lambda r: SEVERITY.index(Outcome(r.outcome)),
        )
        for record in measured[:limit]:
            outcome = Outcome(record.outcome)
            optional = record.required is False  # `requires` left this engine out
            parts.append(
                f"- {link(record, f'{outcome.symbol} {outcome}')} {_cell_name(record)}: "
                f"{escape(_first_line(record.message))}"
                + (" (not required: reported only, it does not fail the run)" if optional else "")
            )
        if len(measured) > limit:
            parts.append(f"- … and {len(measured) - limit} more")
        reasons = Counter(_first_line(r.message) for r in cells if r.outcome == "skip")
        for reason, count in reasons.most_common(2):
            example = next(r for r in cells if _first_line(r.message) == reason)
            parts.append(
                f"- {Outcome.SKIP.symbol} {count} skip: {escape(reason)} "
                f"(e.g. {link(example, _cell_name(example))})"
            )
        if len(reasons) > 2:
            parts.append(f"- … and {len(reasons) - 2} other reasons to skip")
    return parts


LISTED = 250  # non-pass cells listed in all, shared among the engines


def _severity(item: tuple[Outcome, int]) -> int:
    return SEVERITY.index(item[0])


def _cell_name(record: CellResult) -> str:
    return " · ".join(escape(part) for part in record.key[:3])


def _first_line(text: str | None, limit: int = 100) -> str:
    line = next((line.strip() for line in (text or "").splitlines() if line.strip()), "")
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _engines(run: dict, engines: list[str]) -> str:
    lines = ["| engine | version | language | switched off | note |", "|---|---|---|---|---|"]
    for engine in run.get("engines", []):
        if engine["id"] not in engines:
            continue
        handshake = engine.get("handshake", {})
        note = engine.get("provision_error") or _brief(engine.get("start_error"))
        if handshake.get("validator_only"):
            note = "validator only: executes nothing" + (f"; {note}" if note else "")
        language = f"{handshake.get('language', '')} {handshake.get('language_version', '')}"
        lines.append(
            "| "
            + " | ".join(
                [
                    escape(engine["id"]),
                    escape(handshake.get("version", engine.get("version", ""))),
                    escape(language.strip()),
                    escape(", ".join(engine.get("disabled", [])) or "–"),
                    escape(note),
                ]
            )
            + " |"
        )
    return "\n".join(lines)


def _brief(text: str | None, limit: int = 240) -> str:
    """The first two lines of a message, cut to fit in a table."""
    brief = " ".join(line.strip() for line in (text or "").strip().splitlines()[:2])
    return brief if len(brief) <= limit else brief[: limit - 1] + "…"


def _legend() -> str:
    lines = ["## Legend", ""]
    lines += [f"- {outcome.symbol} `{outcome}`: {outcome.meaning}" for outcome in Outcome]
    lines += ["", escape(TRAP_LEGEND)]
    return "\n".join(lines)
