"""Where a cell lives in the site: one page per case (every cell of the case on it), one
anchor per cell. Both names are stable, so a link into one run's site works in the next."""

from __future__ import annotations

import hashlib
import re

from ..records import CellResult

CASES = "cases"  # the site's folder of case pages


def _digest(text: str, length: int) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:length]


def case_page(case: str) -> str:
    """The case's page, relative to the site: a readable slug of the name (any text may be
    a case name) and a digest that keeps two names of the same slug apart."""
    slug = re.sub(r"[^A-Za-z0-9._-]+", "-", case).strip("-.")[:60] or "case"
    return f"{CASES}/{slug}-{_digest(case, 8)}.html"


def cell_anchor(record: CellResult) -> str:
    """The cell's anchor on its case page."""
    return "c-" + _digest("\x1f".join(record.key), 12)  # no field holds a \x1f


def cell_link(record: CellResult) -> str:
    """The cell, relative to the site: its case page and its anchor there."""
    return f"{case_page(record.case)}#{cell_anchor(record)}"
