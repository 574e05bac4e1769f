"""Which features (matrix/profiles.py names) a suite script exercises, from its path: best
effort, for the roll-up by feature and for telling "switched off" apart from failure."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from ..profiles import FEATURES_BY_NAME

# Patterns on the file's stem, first match wins per feature; several features may apply.
_STEM_FEATURES: tuple[tuple[str, str], ...] = (
    (r"^simd_|^simd$", "simd128"),
    (r"relaxed", "relaxed-simd"),
    (r"64($|\.)|^memory64|_64$|^binary_leb128_64", "memory64"),
    (r"^memory-multi|^simd_memory-multi|^multi-memory", "multi-memory"),
    (
        r"^(bulk|memory_copy|memory_fill|memory_init|data_drop|table_copy|table_init|elem)",
        "bulk-memory",
    ),
    (
        r"^(ref_null|ref_func|ref_is_null|table_get|table_set|table_size|table_grow|table_fill|select|table-sub|table_copy_mixed|externref|ref)",
        "reference-types",
    ),
    (r"^(return_call|tail)", "tail-call"),
    (r"^(struct|array|i31|br_on_cast|ref_cast|ref_test|ref_eq|type-|binary-gc|extern$|any)", "gc"),
    (r"^(tag|throw|try_table|throw_ref|rethrow|try_catch|try_delegate|exceptions)", "exceptions"),
    (
        r"^(call_ref|return_call_ref|br_on_null|br_on_non_null|ref_as_non_null|local_init|func_ref)",
        "reference-types",
    ),
    (r"^(atomic|wait|notify)", "threads"),
    (r"^(i32|i64|conversions)", "sign-ext"),
)
# Proposal folders named as the feature they hold (proposals/<folder>/…).
_FOLDER_FEATURES = {
    "threads": "threads",
    "memory64": "memory64",
    "multi-memory": "multi-memory",
    "gc": "gc",
    "exception-handling": "exceptions",
    "tail-call": "tail-call",
    "relaxed-simd": "relaxed-simd",
    "extended-const": "extended-const",
    "function-references": "reference-types",
}


def script_features(relative: str) -> list[str]:
    path = PurePosixPath(relative)
    found: list[str] = []
    parts = path.parts[:-1]
    if len(parts) >= 2 and parts[0] == "proposals" and parts[1] in _FOLDER_FEATURES:
        found.append(_FOLDER_FEATURES[parts[1]])
    if parts[:1] == ("legacy",):
        found.append("exceptions")
    for pattern, feature in _STEM_FEATURES:
        if re.search(pattern, path.stem) and feature not in found:
            found.append(feature)
    if "sign-ext" in found and len(found) > 1:  # i32x4… and i64 tables are not sign-ext
        found.remove("sign-ext")
    found = [name for name in found if name in FEATURES_BY_NAME]
    return found or ["mvp"]


def group_of(relative: str) -> str:
    """The roll-up group: the proposal folder (`proposals/gc`), `legacy`, or `core`."""
    parts = PurePosixPath(relative).parts[:-1]
    if parts[:1] == ("proposals",) and len(parts) >= 2:
        return f"proposals/{parts[1]}"
    return parts[0] if parts else "core"
