"""Plain-text reports for the terminal: `wasm-matrix compare` and `wasm-matrix diff`."""

from __future__ import annotations

from ..analysis.compare import KIND_WORDS, Comparison
from ..analysis.diff import RunDiff
from ..outcomes import Outcome


def comparison_text(comparisons: list[Comparison], only_disagreements: bool = False) -> str:
    """The comparison with webassembly.org's table as `wasm-matrix compare` prints it."""
    lines = []
    for c in comparisons:
        if only_disagreements and not c.disagrees and not c.first_differs:
            continue
        measured = ", ".join(
            f"{v} {('validates' if c.measured.validated else 'pass') if p else 'no'}"
            for v, p in zip(c.measured.versions, c.measured.passing, strict=True)
        )
        text = (
            f"{c.family} ({c.reference_name}) {c.feature} [{c.reference_id}]: {KIND_WORDS[c.kind]}"
        )
        if c.versions:
            text += f" in {', '.join(c.versions)}"
        text += f"; table: {c.claim}"
        if c.claim.note:
            text += f" ({c.claim.note})"
        text += f"; measured: {measured}"
        if c.first_differs:
            text += f"; first measured passing version {c.measured.first}"
        lines.append(text)
    disagreements = sum(1 for c in comparisons if c.disagrees)
    lines.append(
        f"{len(comparisons)} comparisons, {disagreements} disagreements, "
        f"{sum(1 for c in comparisons if c.first_differs)} with a different first version"
    )
    return "\n".join(lines)


def diff_text(diff: RunDiff, limit: int = 200) -> str:
    """Two runs' differences as `wasm-matrix diff` prints it."""
    lines = [
        f"{len(diff.regressions)} regressions, {len(diff.fixes)} fixes, "
        f"{len(diff.changed)} other changes, {len(diff.new)} new cells, "
        f"{len(diff.vanished)} vanished cells, {diff.unchanged} unchanged"
    ]
    for title, changes in (
        ("regressions", diff.regressions),
        ("fixes", diff.fixes),
        ("other changes", diff.changed),
        ("new", diff.new),
        ("vanished", diff.vanished),
    ):
        if not changes:
            continue
        lines += ["", f"{title}:"]
        for change in changes[:limit]:
            arrow = f"{change.before or '–'} -> {change.after or '–'}"
            lines.append(f"  {' · '.join(change.key)}: {arrow}")
            message = " ".join((change.record.message or "").split())[:160]
            if change.after not in (None, Outcome.PASS) and message:
                lines.append(f"      {message}")
        if len(changes) > limit:
            lines.append(f"  … and {len(changes) - limit} more")
    return "\n".join(lines)
