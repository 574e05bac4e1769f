"""A project's defaults: the `[tool.wasm-matrix]` table of its pyproject.toml.

    [tool.wasm-matrix]
    engines = ["wasmtime", "node-2*"]   # families, ids or globs
    toolchains = ["wat"]
    profiles = ["default"]

The command line (`--engines`, `--matrix-engines`, …) overrides each of them.
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


def load_settings(root: Path) -> Settings:
    path = root / "pyproject.toml"
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return Settings()
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise SettingsError(f"{path}: {error}") from None
    table = data.get("tool", {}).get("wasm-matrix", {})
    values = {}
    for key in ("engines", "toolchains", "profiles"):
        value = table.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise SettingsError(f"{path}: [tool.wasm-matrix] {key} must be a list of strings")
        values[key] = tuple(value)
    unknown = set(table) - set(values)
    if unknown:
        raise SettingsError(
            f"{path}: unknown [tool.wasm-matrix] keys: {', '.join(sorted(unknown))}"
        )
    return Settings(**values)
