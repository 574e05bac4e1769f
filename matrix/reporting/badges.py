"""A status badge (SVG) per engine build: its pass rate over the cells it measured. A
validator-only build gets none: it executes nothing, so it has no pass rate."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from ..outcomes import Outcome, measures_engine
from ..records import CellResult


def pass_rates(records: list[CellResult]) -> dict[str, tuple[int, int]]:
    """engine -> (passed, measured), skipped cells not counted."""
    rates: dict[str, list[int]] = {}
    for record in records:
        if record.engine == "-" or record.outcome == Outcome.SKIP or not measures_engine(record):
            continue
        counts = rates.setdefault(record.engine, [0, 0])
        counts[0] += record.outcome == Outcome.PASS
        counts[1] += 1
    return {engine: (p, m) for engine, (p, m) in rates.items()}


def badge_svg(label: str, value: str, color: str) -> str:
    # Verdana 11px averages about 7px a character; no font files, no external service.
    label_w, value_w = 10 + 7 * len(label), 10 + 7 * len(value)
    width = label_w + value_w
    title = quoteattr(f"{label}: {value}")
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="20" role="img" '
        f"aria-label={title}><title>{escape(label)}: {escape(value)}</title>"
        f'<rect width="{label_w}" height="20" fill="#555"/>'
        f'<rect x="{label_w}" width="{value_w}" height="20" fill="{color}"/>'
        '<g fill="#fff" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">'
        f'<text x="5" y="14">{escape(label)}</text>'
        f'<text x="{label_w + 5}" y="14">{escape(value)}</text></g></svg>'
    )


def badge_color(rate: float) -> str:
    return "#2c974b" if rate >= 0.99 else "#bf8700" if rate >= 0.9 else "#cf222e"


def file_name(engine: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in engine) + ".svg"


def write_badges(records: list[CellResult], folder: Path) -> dict[str, str]:
    """One badge per engine build into `folder`; returns engine -> file name."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for engine, (passed, measured) in sorted(pass_rates(records).items()):
        rate = passed / measured if measured else 0.0
        value = f"{rate * 100:.1f}% pass" if measured else "not measured"
        name = file_name(engine)
        (folder / name).write_text(badge_svg(engine, value, badge_color(rate)), "utf-8")
        written[engine] = name
    return written
