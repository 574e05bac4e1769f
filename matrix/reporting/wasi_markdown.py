"""summary.md's WASI and C ↔ Rust ABI sections (markdown.py writes the rest and hands
in its escaping, its table writer and its cell links)."""

from __future__ import annotations

from collections.abc import Callable

from ..outcomes import Outcome
from ..records import CellResult
from .tables import Table
from .wasi_tables import abi_table, shim_engines, wasi_table

ABI_WORDS = {
    Outcome.PASS: "agrees",
    Outcome.FAIL: "wrong results",
    Outcome.TRAP: "wrong results (traps)",
    Outcome.BUILD_ERROR: "does not link",
}


def wasi_section(
    records: list[CellResult],
    engines: list[str],
    table_text: Callable[[Table], str],
    escape: Callable[[object], str],
) -> list[str]:
    """WASI toolchain × engine; engines that ran WASI through the shim are named."""
    table = wasi_table(records, engines)
    if not table.rows:
        return []
    shims = shim_engines(records)
    lines = [
        "",
        "## WASI programs × engines",
        "",
        "Each WASI toolchain's default build of every WASI program (docs/cases.md, "
        '"WASI programs"), run through each engine\'s own WASI preview 1; a cell shows the '
        "worst outcome and how many programs passed. Engines without WASI are left out.",
    ]
    if shims:
        lines += [
            "",
            f"**{escape(', '.join(shims))}: WASI via wasm-matrix's shim** (marked *(shim)*): "
            "these engines have no WASI of their own, so what runs there is wasm-matrix's "
            "JavaScript implementation of WASI, not the engine's.",
        ]
    return [*lines, "", table_text(table.transposed())]


def abi_section(
    records: list[CellResult],
    link: Callable[[CellResult, str], str],
    escape: Callable[[object], str],
) -> list[str]:
    """Pairing × ABI case in words: agrees, wrong results, does not link."""
    table = abi_table(records)
    if not table.rows:
        return []
    lines = [
        "",
        "## C ↔ Rust ABI",
        "",
        f"One C file and one Rust file per case, compiled by each clang and rustc and linked "
        f"by the newer wasm-ld, run on {escape(table.title.rsplit(' on ', 1)[1])} (the engine "
        "is not the variable here). `:mv` is clang's experimental multivalue ABI; "
        "`:wasm-c-abi=spec` is rustc's `-Zwasm-c-abi=spec`. *agrees*: every call gave the "
        "expected answer; *wrong results*: it linked and answered wrong or trapped; *does not "
        "link*: wasm-ld found mismatched signatures (its warnings are on the cell's page).",
        "",
    ]
    headers = ["pairing", *(escape(column) for column in table.columns)]
    lines += ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for row in table.rows:
        values = [escape(row)]
        for column in table.columns:
            cell = table.cells.get((row, column))
            if cell is None:
                values.append("")
                continue
            text = f"{cell.outcome.symbol} {ABI_WORDS.get(cell.outcome, str(cell.outcome))}"
            failing = next((r for r in cell.records if r.outcome != Outcome.PASS), None)
            values.append(link(failing, text) if failing else text)
        lines.append("| " + " | ".join(values) + " |")
    return lines
