"""The module scanner over every module of the spec test suite, read by the spec reader."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from matrix.scanner import ScanError, scan
from matrix.spec.plan import plan
from matrix.spec.script import load_script
from matrix.spec.sexpr import decode_string

from .helpers import TESTSUITE

SCRIPTS = sorted(TESTSUITE.rglob("*.wast"))


def test_string_escapes_decode_as_the_text_format_says():
    assert decode_string(r"\t\n\r\"\'\\") == b"\t\n\r\"'\\"
    assert decode_string(r"\00\ff\u{263a}a") == b"\x00\xff\xe2\x98\xbaa"


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(TESTSUITE)))
def test_the_scanner_reads_every_module_of_the_spec_suite_without_a_crash(script: Path):
    """Any module the harness would send, even one malformed on purpose, scans or is a
    ScanError: never worse. A module a core script (WebAssembly 3.0) expects to work must
    scan."""
    core = script.parent == TESTSUITE
    for step in plan(load_script(script).commands):
        directive = step.directive or {}
        if directive.get("do") != "module":
            continue  # not a module, or one the assembler refused (settled as a skip)
        try:
            scan(base64.b64decode(directive["module"]))
        except ScanError as error:
            assert error.offset >= 0
            assert directive.get("expect_failure") or not core, f"line {step.line}: {error}"
