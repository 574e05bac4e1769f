"""The smallest module that needs each feature, from the browsers' table (engines/js/core.js
has the same probes): a Python host whose engine only validates or translates (wasm-tools,
wasm2c) says a feature is on when its engine takes that feature's module."""

from __future__ import annotations

import re
from pathlib import Path

FEATURE_TABLE = Path(__file__).resolve().parent / "browser" / "features.mjs"


def feature_modules() -> dict[str, bytes]:
    """feature -> its module (whole, header included), read from FEATURE_TABLE."""
    text = FEATURE_TABLE.read_text("utf-8")
    table = text[text.index("FEATURE_MODULES = {") : text.index("};")]
    entries = re.findall(r"'?([a-z0-9-]+)'?:\s*'([0-9a-f]+)'", table)
    return {name: bytes.fromhex("0061736d01000000" + body) for name, body in entries}
