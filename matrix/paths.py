"""Where things live: the cache, the engine folders shipped with the package, reports."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def display_path(path: Path) -> str:
    """A path relative to the working folder when it lies inside it, so reports travel."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def cache_dir() -> Path:
    """The cache for engine environments and builds (WASM_MATRIX_CACHE overrides it)."""
    override = os.environ.get("WASM_MATRIX_CACHE")
    if override:
        return Path(override)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "wasm-matrix"


def engines_dir() -> Path:
    """Engine manifests and hosts: `engines/` in a checkout, `matrix/_engines` in a wheel."""
    checkout = _PACKAGE.parent / "engines"
    if (checkout / "protocol.md").exists():
        return checkout
    return _PACKAGE / "_engines"
