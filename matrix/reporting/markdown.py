"""summary.md: the run as Markdown, for a CI job summary or a quick read.

Everything that comes from a case or an engine is escaped: it is untrusted text.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from ..outcomes import AS_EXPECTED, Outcome, executes
from ..records import CellResult
from ..results import read_results, read_run
from ..traps import LEGEND as TRAP_LEGEND
from .spec import render_spec
from .tables import (
    Table,
    case_tables,
    control_summary,
    engine_order,
    feature_table,
    outcome_counts,
    toolchain_defaults_table,
)

SUMMARY = "summary.md"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]|~!])")


def escape(text: object) -> str:
    """Text safe inside a Markdown table cell or paragraph: no markup, no HTML, one line."""
    escaped = html.escape(str(text), quote=False)  # never inside an attribute
    escaped = _MARKDOWN_SPECIAL.sub(r"\\\1", escaped)
    return escaped.replace("\r", "").replace("\n", "<br>")


def code_block(text: str) -> str:
    """A fenced block whose fence is longer than any backtick run inside the text."""
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * max(3, longest + 1)
    return f"{fence}text\n{text}\n{fence}"


def code_span(text: str) -> str:
    """Inline code that shows the text as typed: the fence outruns any backticks inside."""
    flat = " ".join(str(text).split())
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {flat} {fence}"


def write_summary(run_folder: Path) -> Path:
    path = run_folder / SUMMARY
    path.write_text(render(run_folder), "utf-8")
    return path


def render(run_folder: Path) -> str:
    # Cells finish in any order across workers; the report is stable whatever that order.
    records = sorted(read_results(run_folder), key=_cell_order)
    run = read_run(run_folder)
    engines = engine_order(records, run)
    anchors = _anchors(records)
    title = f"# wasm-matrix report: run {escape(run_folder.resolve().name)}"
    parts = [title, "", _overview(records, run)]
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
            "(symbols: see the legend; each non-pass symbol links to its details).",
            "",
            _table(features.transposed(), anchors, first_header="engine"),
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
            _table(defaults.transposed(), anchors, first_header="engine"),
        ]
    for table in case_tables(records, engines):
        parts += [
            "",
            f"## {_title(table.title)}",
            "",
            _table(table.transposed(), anchors, first_header="engine"),
        ]
    parts += render_spec(records, engines, escape)
    parts += ["", "## Engines", "", _engines(run, engines)]
    parts += ["", _details(records, anchors), "", _legend()]
    return "\n".join(parts).rstrip() + "\n"


def _title(title: str) -> str:
    """A table's title: its text escaped, a `quoted` name (a profile: case text) as code."""
    match = re.fullmatch(r"(.*?)`(.*)`", title, flags=re.DOTALL)
    if match is None:
        return escape(title)
    name = match[2]
    plain = re.fullmatch(r"[A-Za-z0-9_.+-]+", name)
    return escape(match[1]) + (f"`{name}`" if plain else code_span(name))


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


def _anchors(records: list[CellResult]) -> dict[int, str]:
    """An anchor for every cell that did not pass, numbered in results order."""
    anchors = {}
    for record in records:
        if record.control and record.outcome != Outcome.ERROR:
            continue  # a control that did not pass did its job
        if record.outcome not in AS_EXPECTED:
            anchors[id(record)] = f"cell-{len(anchors) + 1}"
    return anchors


def _table(table: Table, anchors: dict[int, str], first_header: str) -> str:
    headers = [first_header] + [escape(column) for column in table.columns]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in table.rows:
        values = [escape(row)]
        for column in table.columns:
            cell = table.cells.get((row, column))
            values.append(_cell_text(cell, anchors))
        lines.append("| " + " | ".join(values) + " |")
    return "\n".join(lines)


def _cell_text(cell, anchors: dict[int, str]) -> str:
    if cell is None:
        return ""
    text = f"{cell.outcome.symbol} {cell.outcome}"
    if len(cell.records) > 1:
        text += f" {cell.passed}/{len(cell.records)}"
    failing = next((anchors[id(r)] for r in cell.records if id(r) in anchors), None)
    return f"[{text}](#{failing})" if failing else text


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


def _details(records: list[CellResult], anchors: dict[int, str]) -> str:
    failing = [record for record in records if id(record) in anchors]
    if not failing:
        return "## Cells that did not pass\n\nNone."
    parts = ["## Cells that did not pass"]
    for record in failing:
        anchor = anchors[id(record)]
        title = " · ".join(escape(part) for part in record.key)
        parts += [
            "",
            f'<a id="{anchor}"></a>',
            f"### {anchor.split('-')[1]}. {title}: {Outcome(record.outcome).symbol} "
            f"{record.outcome}",
            "",
            code_block(record.message),
            "",
            f"- case file: {code_span(record.case_file)}",
        ]
        if record.required is False:  # `requires` left this engine out
            parts.append("- required: no (reported only; it does not fail the run)")
        if record.features:
            parts.append(f"- features: {escape(', '.join(record.features))}")
        if record.module_sha256:
            uses = ", ".join(record.module_uses) or "nothing beyond mvp"
            parts.append(f"- the module uses: {escape(uses)}")
        if record.module_scan_error:
            parts.append(f"- the scanner could not read it: {escape(record.module_scan_error)}")
        if record.build_command:
            parts.append(f"- build: {escape(record.build_command)}")
        if record.rerun:
            parts.append("- rerun:")
            parts += ["", code_block(record.rerun)]
    return "\n".join(parts)


def _legend() -> str:
    lines = ["## Legend", ""]
    lines += [f"- {outcome.symbol} `{outcome}`: {outcome.meaning}" for outcome in Outcome]
    lines += ["", escape(TRAP_LEGEND)]
    return "\n".join(lines)
