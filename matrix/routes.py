"""The one pytest command line behind every route (the nox helper, the tox plugin): a
matrix run is always pytest with the wasm-matrix plugin, so all routes give the same
verdicts as a plain `pytest` in the project."""

from __future__ import annotations

import shlex
from collections.abc import Sequence


def pytest_arguments(
    *,
    engines: Sequence[str] = (),
    cases: Sequence[str] = (),
    profiles: Sequence[str] = (),
    toolchains: Sequence[str] = (),
    requires: Sequence[str] = (),
    reports: str | None = None,
) -> list[str]:
    """The pytest command line for a matrix run: the same one the tox plugin uses."""
    arguments = ["--wasm-matrix"]
    if cases:
        # Collect these folders, and only cases under them (whatever the ini file says).
        arguments += ["-o", "wasm_matrix_cases=" + shlex.join(cases), *cases]
    for option, values in (
        ("--matrix-engines", engines),
        ("--matrix-profiles", profiles),
        ("--matrix-toolchains", toolchains),
        ("--matrix-requires", requires),
    ):
        if values:
            arguments += [option, ",".join(values)]
    if reports:
        arguments += ["--matrix-reports", reports]
    return arguments
