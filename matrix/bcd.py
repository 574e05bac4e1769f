"""MDN's browser-compat-data, the npm package `@mdn/browser-compat-data` at a pinned
version, fetched once into the cache: what `wasm-matrix since` and `compare --since` hold
the measurements against."""

from __future__ import annotations

import json

from .install import npm_install
from .paths import cache_dir

BCD_PACKAGE = "@mdn/browser-compat-data"
BCD_VERSION = "8.1.9"  # pinned: a new BCD release is a deliberate update


def load_bcd() -> dict:
    """BCD's data.json from the pinned npm package, fetched once into the cache."""
    folder = cache_dir() / "reference" / f"bcd-{BCD_VERSION}"
    data = folder / "node_modules" / BCD_PACKAGE / "data.json"
    if not data.exists():
        npm_install(folder, [f"{BCD_PACKAGE}@{BCD_VERSION}"])
    return json.loads(data.read_text("utf-8"))
