"""The site's outcome marks and table cells, as Python functions the templates call (a
jinja macro per cell costs more than the rest of a 100,000-cell page put together).
Everything from a case or an engine is escaped here too."""

from __future__ import annotations

from markupsafe import Markup, escape

from ..outcomes import AS_EXPECTED, Outcome
from ..records import CellResult
from .links import cell_anchor, cell_link
from .tables import TableCell


def mark(outcome: Outcome) -> Markup:
    """An outcome as a letter on its colour (the stylesheet's .s-OUTCOME): no emoji font."""
    return Markup(f'<b class="s s-{outcome.value}">{outcome.letter}</b>')


def first_failing(cell: TableCell) -> CellResult | None:
    return next((r for r in cell.records if r.outcome not in AS_EXPECTED), None)


def outcome_cell(cell: TableCell | None, root: str, words: bool = True) -> Markup:
    """A table cell: the worst outcome's mark (and word), how many passed when several
    cells fold into it, "(shim)" where WASI ran through wasm-matrix's shim, a tooltip
    naming the cases, a link to the first that did not pass."""
    if cell is None:
        return Markup("<td></td>")
    outcome, records = cell.outcome.value, cell.records
    text = _MARKS[outcome] + (f" {outcome}" if words else "")
    title = outcome
    if len(records) > 1:
        text += f" {cell.passed}/{len(records)}"
        title += f": {cell.passed} of {len(records)} passed"
    if cell.shim:
        text += " (shim)"
        title = f"WASI via wasm-matrix's shim: {title}"
    cases = escape(", ".join(dict.fromkeys(record.case for record in records)))
    first = first_failing(cell)
    if first is not None:
        text = f'<a href="{escape(root + cell_link(first))}">{text}</a>'
    return Markup(
        f'<td class="o-{outcome}" data-sort="{outcome}" title="{title}: {cases}">{text}</td>'
    )


def pass_row(record: CellResult) -> Markup:
    """A case page's row for a cell that passed: nothing to explain, so written here at
    once (most rows of a large run are these)."""
    return Markup(
        f'<tr id="{cell_anchor(record)}"><th>{escape(record.engine)}</th>'
        f'<td class="o-pass">{_MARKS["pass"]} pass</td>'
        f"<td>{record.duration_ms or 0:.0f}</td><td></td></tr>"
    )


_MARKS = {outcome.value: str(mark(outcome)) for outcome in Outcome}
