"""The `.wast` module finder, and the scanner over every module of the spec test suite."""

from __future__ import annotations

from pathlib import Path

import pytest
import wasmtime

from matrix.scanner import ScanError, scan
from matrix.wast import WastSyntaxError, decode_string, module_forms

from .conftest import TESTSUITE

SCRIPTS = sorted(TESTSUITE.rglob("*.wast"))

SCRIPT = """\
(module $A (func (export "f") (result i32) (i32.const 1)))  ;; a ) in a comment
(; a block (; nested ;) comment with (module) inside ;)
(assert_malformed
  (module binary "\\00asm" "\\01\\00\\00\\00" "\\0b")
  "unexpected end")
(assert_invalid (module (func (result i32) (i64.const 0))) "type mismatch")
(module quote "(func $f (param i32) \\")\\"")
(module definition $D binary "\\00asm\\01\\00\\00\\00")
(register "M" $A)
"""


def test_every_module_form_is_found_outermost_with_its_line():
    forms = list(module_forms(SCRIPT))
    assert [(form.line, form.kind) for form in forms] == [
        (1, "text"),
        (4, "binary"),
        (6, "text"),
        (7, "quote"),
        (8, "binary"),
    ]
    assert forms[1].binary() == b"\x00asm\x01\x00\x00\x00\x0b"
    assert forms[4].binary() == b"\x00asm\x01\x00\x00\x00"
    assert forms[2].text == "(module (func (result i32) (i64.const 0)))"


def test_string_escapes_decode_as_the_text_format_says():
    assert decode_string(r"\t\n\r\"\'\\") == b"\t\n\r\"'\\"
    assert decode_string(r"\00\ff\u{263a}a") == b"\x00\xff\xe2\x98\xbaa"


@pytest.mark.parametrize("text", ["(module", "(module))", '(module "unterminated)'])
def test_unbalanced_scripts_are_errors_with_a_line(text):
    with pytest.raises(WastSyntaxError, match="line 1"):
        list(module_forms(text))


def assembled(form) -> bytes | None:
    """A module form's bytes, or None for text the assembler refuses or no module at all."""
    if form.kind == "binary":
        return form.binary()
    if form.kind == "text":
        try:
            return bytes(wasmtime.wat2wasm(form.as_text_module()))
        except wasmtime.WasmtimeError:
            return None  # text to be malformed is the assembler's business
    return None  # `quote` is text to be malformed; `instance` is no module


@pytest.mark.parametrize("script", SCRIPTS, ids=lambda p: str(p.relative_to(TESTSUITE)))
def test_the_scanner_reads_every_module_of_the_spec_suite_without_a_crash(script: Path):
    """Any module, even one malformed on purpose, scans or is a ScanError: never worse.
    A module a core script (WebAssembly 3.0) expects to work must scan."""
    core = script.parent == TESTSUITE
    for form in module_forms(script.read_text("utf-8")):
        module = assembled(form)
        if module is None:
            continue
        try:
            scan(module)
        except ScanError as error:
            assert error.offset >= 0
            assert form.nested or not core, f"line {form.line}: {error}"
