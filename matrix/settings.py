"""A project's defaults: the `[tool.wasm-matrix]` table of its pyproject.toml.

    [tool.wasm-matrix]
    engines = ["wasmtime", "node-2*"]   # families, ids or globs
    toolchains = ["wat"]
    profiles = ["default"]
    requires = ["wasmtime", "node-22"]  # engines whose non-pass fails a test run
    reports = "build/wasm-matrix"       # runs go here (relative to the project's root)

The keys are the options of `options.py` that have the SETTINGS route. The command line
(`--engines`, `--matrix-engines`, `--matrix-requires`, …) and the pytest ini keys override
each of them; a case's own `requires` overrides all of them for that case.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from .options import Kind, Route, routed


class SettingsError(Exception):
    pass


@dataclass(frozen=True)
class Settings:
    # One field per option with the SETTINGS route (tests/test_options.py checks it).
    engines: tuple[str, ...] = ()
    toolchains: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    reports: str | None = None


def load_settings(root: Path) -> Settings:
    path = root / "pyproject.toml"
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"{path}: {error}") from None
    table = data.get("tool", {}).get("wasm-matrix", {})
    known = {option.name: option for option in routed(Route.SETTINGS)}
    unknown = set(table) - set(known)
    if unknown:
        raise SettingsError(
            f"{path}: unknown [tool.wasm-matrix] keys: {', '.join(sorted(unknown))}"
        )
    values: dict = {}
    for key, value in table.items():
        if known[key].kind in (Kind.LIST, Kind.PATHS):
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise SettingsError(f"{path}: [tool.wasm-matrix] {key} must be a list of strings")
            values[key] = tuple(value)
        else:
            if not isinstance(value, str) or not value:
                what = "a folder name" if known[key].kind is Kind.PATH else "a string"
                raise SettingsError(f"{path}: [tool.wasm-matrix] {key} must be {what}")
            values[key] = value
    return Settings(**values)
