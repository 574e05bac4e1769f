"""The one pytest command line behind every route (`wasm-matrix run`, the nox helper, the
tox plugin): a matrix run is always pytest with the wasm-matrix plugin, so all routes give
the same verdicts as a plain `pytest` in the project."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .options import BY_NAME, OPTIONS, SWITCH, Kind


def pytest_arguments(**values: Any) -> list[str]:
    """The pytest command line for a matrix run with these option values (by the names of
    options.py's table; lists as lists). Values left out, empty or None are not given, so
    the project's settings apply."""
    unknown = set(values) - set(BY_NAME)
    if unknown:
        raise TypeError(f"not options of wasm-matrix: {', '.join(sorted(unknown))}")
    arguments = [SWITCH]
    collected: list[str] = []
    for option in OPTIONS:
        value = values.get(option.name)
        if option.pytest_flag is None or not value:
            continue
        if isinstance(value, str | Path) and option.kind in (Kind.LIST, Kind.PATHS):
            value = [value]  # one engine, one folder
        if option.kind is Kind.FLAG:
            arguments.append(option.pytest_flag)
        elif option.kind is Kind.PATHS:
            # Only cases under these paths are collected, whatever the ini file says…
            arguments += [f"{option.pytest_flag}={path}" for path in value]
            collected += [str(path) for path in value]  # …and pytest collects them
        elif option.kind is Kind.LIST:
            arguments += [option.pytest_flag, ",".join(value)]
        else:
            arguments += [option.pytest_flag, str(value)]
    return arguments + collected
