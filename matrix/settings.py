"""A project's defaults: the `[tool.wasm-matrix]` table of its pyproject.toml.

    [tool.wasm-matrix]
    engines = ["wasmtime", "node-2*"]   # families, ids or globs
    toolchains = ["wat"]
    profiles = ["default"]
    requires = ["wasmtime", "node-22"]  # engines whose non-pass fails a test run
    reports = "build/wasm-matrix"       # runs go here (relative to the project's root)

The command line (`--engines`, `--matrix-engines`, `--matrix-requires`, …) overrides each
of them; a case's own `requires` overrides both for that case.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path


class SettingsError(Exception):
    pass


@dataclass(frozen=True)
class Settings:
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
    values: dict = {}
    for key in ("engines", "toolchains", "profiles", "requires"):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingsError(f"{path}: [tool.wasm-matrix] {key} must be a list of strings")
        values[key] = tuple(value)
    if "reports" in table:
        if not isinstance(table["reports"], str) or not table["reports"]:
            raise SettingsError(f"{path}: [tool.wasm-matrix] reports must be a folder name")
        values["reports"] = table["reports"]
    unknown = set(table) - set(values)
    if unknown:
        raise SettingsError(
            f"{path}: unknown [tool.wasm-matrix] keys: {', '.join(sorted(unknown))}"
        )
    return Settings(**values)
