"""The tox plugin's settings, read by tox itself from tox.toml and tox.ini.

Running a matrix through tox end to end is tests/test_example_project.py."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest

pytest.importorskip("tox", reason="tox is not installed (pip install -e '.[test]')")
if not entry_points(group="tox", name="wasm_matrix"):
    pytest.skip(
        "the tox plugin is not registered: reinstall (pip install -e .)", allow_module_level=True
    )

TOX_TOML = """\
[env.wasm]
skip_install = true
wasm_matrix_cases = ["wasm-cases", "more"]
wasm_matrix_engines = ["wasmtime-50.0.1", "node-2*"]
wasm_matrix_requires = ["node-22"]
wasm_matrix_reports = "out"
"""

TOX_INI = """\
[tox]
env_list = wasm

[testenv:wasm]
skip_install = true
wasm_matrix_cases = wasm-cases, more
wasm_matrix_engines =
    wasmtime-50.0.1
    node-2*
wasm_matrix_requires = node-22
wasm_matrix_reports = out
"""

KEYS = [
    "wasm_matrix_cases",
    "wasm_matrix_engines",
    "wasm_matrix_requires",
    "wasm_matrix_reports",
    "wasm_matrix_profiles",
    "wasm_matrix_posargs",
]


def tox_config(folder: Path, *posargs: str) -> dict[str, list[str]]:
    done = subprocess.run(
        [sys.executable, "-m", "tox", "config", "-e", "wasm", "-k", *KEYS, "--", *posargs],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    values: dict[str, list[str]] = {}
    key = None
    for line in done.stdout.splitlines():
        if line.startswith("  ") and key:
            values[key].append(line.strip())
        elif " = " in line or line.endswith(" ="):
            key, _, value = line.partition(" =")
            values[key] = [value.strip()] if value.strip() else []
    return values


@pytest.mark.parametrize(("name", "text"), [("tox.toml", TOX_TOML), ("tox.ini", TOX_INI)])
def test_tox_reads_the_matrix_settings(tmp_path, name, text):
    (tmp_path / name).write_text(text)
    values = tox_config(tmp_path, "-k", "hashes")
    assert values["wasm_matrix_engines"] == ["wasmtime-50.0.1", "node-2*"]
    assert values["wasm_matrix_requires"] == ["node-22"]
    assert values["wasm_matrix_reports"] == ["out"]
    assert values["wasm_matrix_profiles"] == []
    assert values["wasm_matrix_posargs"] == ["-k", "hashes"]  # tox's posargs, by default
    assert values["wasm_matrix_cases"] == ["wasm-cases", "more"]  # ini: comma-separated
