"""The module scanner: features found with the right evidence; malformed input is a ScanError."""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

import pytest
import wasmtime
import yaml

from matrix.cases import load_case
from matrix.profiles import FEATURES, feature_names
from matrix.scanner import (
    _OPCODES,
    _PREFIXED,
    ADVISORY,
    FEATURE_ORDER,
    Export,
    Import,
    ScanError,
    ScanReport,
    scan,
)

try:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st
except ImportError:  # hypothesis is optional: the deterministic tests below still run
    given = None

REPO = Path(__file__).resolve().parents[1]
# Cases whose module is given as text or bytes; compiled programs (cases/c) are scanned
# build by build in the toolchain tests.
CASE_FILES = sorted(
    path
    for path in (REPO / "cases").rglob("*.yaml")
    if load_case(path).module.format in ("wat", "binary")
    and "hostile" not in path.parts  # garbage on purpose (tests/test_hostile.py)
)
HEADER = b"\x00asm\x01\x00\x00\x00"
OVERLONG_CASE = REPO / "cases" / "probes" / "call-indirect-overlong.yaml"


# wasmtime with every proposal of the vocabulary on, and none beyond it (stack switching,
# custom page sizes, wide arithmetic: the scanner rejects those rather than guess).
VOCABULARY = wasmtime.Config()
for _option in (
    *("bulk_memory", "exceptions", "function_references", "gc", "memory64"),
    *("multi_memory", "multi_value", "reference_types", "relaxed_simd", "simd"),
    *("tail_call", "threads"),
):
    setattr(VOCABULARY, f"wasm_{_option}", True)
ENGINE = wasmtime.Engine(VOCABULARY)


def wasm(wat: str) -> bytes:
    return wasmtime.wat2wasm(wat)


@cache
def case_module(path: Path) -> bytes:
    module = load_case(path).module
    if module.format == "wat":
        return wasm(module.content.decode("utf-8"))
    return module.content


def overlong_module() -> bytes:
    data = yaml.safe_load(OVERLONG_CASE.read_text("utf-8"))
    return bytes.fromhex("".join(data["module"]["hex"].split()))


def leb(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def custom_section(name: str, payload: bytes) -> bytes:
    body = leb(len(name)) + name.encode() + payload
    return b"\x00" + leb(len(body)) + body


def scans_or_rejects(module: bytes) -> ScanReport | ScanError:
    """scan(), with any error other than ScanError left to fail the test."""
    try:
        return scan(module)
    except ScanError as error:
        assert 0 <= error.offset <= len(module), error
        assert isinstance(error, ValueError)
        return error


# --- one tiny module per feature: found, and the offset points at the right bytes ----------

# (feature, module text, the bytes expected at the finding's first offset, evidence snippet)
FEATURE_MODULES = [
    (
        "sign-ext",
        "(module (func (param i32) (result i32) local.get 0 i32.extend8_s))",
        b"\xc0",
        "i32.extend8_s",
    ),
    (
        "sign-ext",
        "(module (func (param i64) (result i64) local.get 0 i64.extend32_s))",
        b"\xc4",
        "i64.extend32_s",
    ),
    (
        "nontrapping-fptoint",
        "(module (func (param f64) (result i64) local.get 0 i64.trunc_sat_f64_u))",
        b"\xfc\x07",
        "i64.trunc_sat_f64_u",
    ),
    (
        "multivalue",
        "(module (func (result i32 i64) i32.const 1 i64.const 2))",
        b"\x60\x00\x02\x7f\x7e",
        "2 results",
    ),
    (
        "multivalue",
        """(module (func (param i32) (result i32)
             local.get 0
             block (param i32) (result i32) i32.const 1 i32.add end))""",
        b"\x02",
        "type-index block type",
    ),
    (
        "bulk-memory",
        "(module (memory 1) (func (memory.fill (i32.const 0) (i32.const 1) (i32.const 2))))",
        b"\xfc\x0b\x00",
        "memory.fill",
    ),
    (
        "bulk-memory",
        '(module (memory 1) (data "passive"))',
        b"\x01\x07passive",
        "passive",
    ),
    (
        "bulk-memory",
        """(module (memory 1) (data $d "x")
             (func (memory.init $d (i32.const 0) (i32.const 0) (i32.const 1))))""",
        b"\x0c\x01\x01",  # the data count section comes before the code and data sections
        "data count section",
    ),
    (
        "bulk-memory",
        """(module (table 1 funcref) (elem $e func $f) (func $f)
             (func (table.init $e (i32.const 0) (i32.const 0) (i32.const 0))))""",
        b"\x01\x00\x01\x00",  # passive element segment: flags 1, elemkind 0, 1 function
        "element segment 0 is passive",
    ),
    (
        "reference-types",
        "(module (func (param externref)))",
        b"\x6f",
        "(ref null extern) param type",
    ),
    (
        "reference-types",
        "(module (table 1 funcref) (func (result i32) (ref.is_null (table.get (i32.const 0)))))",
        b"\x25\x00",
        "table.get",
    ),
    (
        "reference-types",
        "(module (func (result i32) (ref.is_null (ref.null func))))",
        b"\xd0\x70",
        "ref.null",
    ),
    (
        "reference-types",
        """(module (func (param i32) (result i32)
             (select (result i32) (i32.const 1) (i32.const 2) (local.get 0))))""",
        b"\x1c\x01\x7f",
        "select",
    ),
    (
        "reference-types",
        "(module (table 1 funcref) (table 1 funcref))",
        b"\x70\x00\x01",  # the second table's entry
        "second table",
    ),
    (
        "reference-types",
        "(module (table 1 funcref) (func (elem.drop 0)) (elem declare func 0))",
        b"\x03\x00\x01\x00",  # declarative segment: flags 3
        "declarative",
    ),
    (
        "simd128",
        "(module (func (result i32) (i32x4.extract_lane 0 (v128.const i32x4 1 2 3 4))))",
        b"\xfd\x0c\x01\x00\x00\x00",
        "v128.const",
    ),
    (
        "simd128",
        "(module (func (param v128)))",
        b"\x7b",
        "v128 param",
    ),
    (
        "relaxed-simd",
        """(module (func (param v128) (result v128)
             (i8x16.relaxed_swizzle (local.get 0) (local.get 0))))""",
        b"\xfd\x80\x02",
        "i8x16.relaxed_swizzle",
    ),
    (
        "relaxed-simd",
        """(module (func (param v128) (result v128)
             (i32x4.relaxed_dot_i8x16_i7x16_add_s (local.get 0) (local.get 0) (local.get 0))))""",
        b"\xfd\x93\x02",
        "i32x4.relaxed_dot_i8x16_i7x16_add_s",
    ),
    (
        "tail-call",
        "(module (func $f (result i32) (return_call $f)))",
        b"\x12\x00",
        "return_call",
    ),
    (
        "tail-call",
        """(module (type $t (func)) (table 1 funcref)
             (func (return_call_indirect (type $t) (i32.const 0))))""",
        b"\x13\x00\x00",
        "return_call_indirect",
    ),
    (
        "extended-const",
        "(module (global i32 (i32.add (i32.const 1) (i32.const 2))))",
        b"\x6a\x0b",
        "i32.add in a constant expression",
    ),
    (
        "extended-const",
        '(module (memory 1) (data (i32.mul (i32.const 3) (i32.const 4)) "x"))',
        b"\x6c\x0b",
        "i32.mul in a constant expression",
    ),
    (
        "exceptions",
        "(module (tag $e) (func (throw $e)))",
        b"\x0d",  # the tag section id
        "tag section",
    ),
    (
        "gc",
        "(module (type (struct (field i32))))",
        b"\x5f\x01\x7f\x00",
        "struct type",
    ),
    (
        "gc",
        "(module (type (array (mut i8))))",
        b"\x5e\x78\x01",
        "array type",
    ),
    (
        "gc",
        "(module (func (result i32) (i31.get_s (ref.i31 (i32.const 1)))))",
        b"\xfb\x1c",
        "ref.i31",
    ),
    (
        "function-references",
        "(module (type $f (func)) (func (param (ref $f)) (call_ref $f (local.get 0))))",
        b"\x64\x00",
        "(ref $0) param type",
    ),
    (
        "custom-page-sizes",
        "(module (memory 1 (pagesize 1)))",
        b"\x08\x01\x00",
        "memory 0 has pages of 1 bytes",
    ),
    (
        "wide-arithmetic",
        "(module (func (param i64 i64) (result i64 i64)"
        " (i64.mul_wide_u (local.get 0) (local.get 1))))",
        b"\xfc\x16",
        "i64.mul_wide_u",
    ),
    (
        "shared-everything-threads",
        "(module (global (shared mut i32) (i32.const 0)))",
        b"\x03",
        "global 0 is a shared global",
    ),
    (
        "memory64",
        "(module (memory i64 1))",
        b"\x04\x01",
        "memory 0 is 64-bit",
    ),
    (
        "threads",
        "(module (memory 1 1 shared))",
        b"\x03\x01\x01",
        "memory 0 is shared",
    ),
    (
        "threads",
        "(module (memory 1) (func (result i32) (i32.atomic.load (i32.const 0))))",
        b"\xfe\x10\x02\x00",
        "i32.atomic.load",
    ),
    (
        "multi-memory",
        '(module (import "env" "m" (memory 1)) (memory 1))',
        b"\x00\x01",  # the defined (second) memory's limits
        "a second memory",
    ),
    (
        "mutable-globals",
        '(module (global (export "g") (mut i32) (i32.const 0)))',
        b"\x01g\x03\x00",  # the export entry: name "g", kind global, index 0
        "export 'g' is a mutable global",
    ),
    (
        "mutable-globals",
        '(module (import "env" "g" (global (mut i64))))',
        b"\x03env\x01g\x03",  # the import entry
        "import env.g is a mutable global",
    ),
    (
        "exceptions-legacy",
        "(module (tag $e) (func try catch $e end))",
        b"\x0d\x03",  # the tag section: with only try/catch, tags are legacy's too
        "tag section with 1 tag(s)",
    ),
    (
        "stack-switching",
        "(module (type $f (func)) (type $c (cont $f)))",
        b"\x5d\x00",
        "continuation type",
    ),
    (
        "extended-name-section",
        "(module (global $g i32 (i32.const 0)))",
        b"\x07",  # the global names subsection
        "name subsection 7 (globals)",
    ),
    (
        "branch-hinting",
        '(module (func (param i32) (@metadata.code.branch_hint "\\01") (if (local.get 0) (then))))',
        b"\x01",  # the section's function count, right after its name
        "a metadata.code.branch_hint section",
    ),
    # Encodings no assembler here writes: bytes (type, function, code sections by hand).
    (
        "half-precision",
        HEADER
        + b"\x01\x05\x01\x60\x00\x01\x7d\x03\x02\x01\x00\x05\x03\x01\x00\x01"
        + b"\x0a\x0a\x01\x08\x00\x41\x00\xfc\x30\x01\x00\x0b",
        b"\xfc\x30",
        "f32.load_f16",
    ),
    (
        "acquire-release-atomics",
        HEADER
        + b"\x01\x05\x01\x60\x00\x01\x7f\x03\x02\x01\x00\x05\x04\x01\x03\x01\x01"
        + b"\x0a\x0b\x01\x09\x00\x41\x00\xfe\x10\x12\x01\x00\x0b",
        b"\xfe\x10\x12\x01",
        "i32.atomic.load with ordering acqrel",
    ),
    (
        "compact-import-section",
        HEADER
        + b"\x01\x04\x01\x60\x00\x00"
        + b"\x02\x0e\x01\x01m\x00\x7f\x02\x01f\x00\x00\x01g\x00\x00",
        b"\x01m\x00\x7f",
        "2 imports from 'm' in one group",
    ),
]


@pytest.mark.parametrize(
    ("feature", "wat", "expected", "evidence"),
    FEATURE_MODULES,
    ids=[f"{case[0]}-{case[3]}" for case in FEATURE_MODULES],
)
def test_feature_found_at_the_right_offset(feature, wat, expected, evidence):
    module = wat if isinstance(wat, bytes) else wasm(wat)
    report = scan(module)
    finding = report.features[feature]
    assert finding.feature == feature
    assert finding.count >= 1
    at = finding.first_offset
    assert module[at : at + len(expected)] == expected, (finding, module.hex(" "))
    assert evidence in finding.evidence
    assert (feature in report.needs) == (feature not in ADVISORY)
    assert "mvp" in report.features


def test_every_feature_of_the_vocabulary_has_a_tiny_module():
    covered = {case[0] for case in FEATURE_MODULES} | {"call-indirect-overlong", "mvp"}
    # JS-API features live in JavaScript, not in a module's bytes (their probes have `js`).
    in_javascript = {feature.name for feature in FEATURES if feature.js_api}
    assert covered | in_javascript == set(feature_names())
    assert not covered & in_javascript
    assert feature_names() == FEATURE_ORDER


def test_table_init_on_table_zero_is_bulk_memory_but_on_table_one_reference_types():
    zero = scan(
        wasm("""(module (table 1 funcref) (elem $e func $f) (func $f)
                  (func (table.init $e (i32.const 0) (i32.const 0) (i32.const 0))))""")
    )
    assert zero.needs == ("bulk-memory",)
    one = wasm("""(module (table 1 funcref) (table $t 1 funcref) (elem $e func $f) (func $f)
                    (func (table.init $t $e (i32.const 0) (i32.const 0) (i32.const 0))))""")
    report = scan(one)
    assert set(report.needs) == {"bulk-memory", "reference-types"}
    assert report.features["reference-types"].count == 2  # the second table and table.init 1


def test_call_indirect_through_table_one_is_reference_types():
    module = wasm("""(module (type $t (func)) (table 1 funcref) (table $u 1 funcref)
                       (func (call_indirect $u (type $t) (i32.const 0))))""")
    report = scan(module)
    assert report.needs == ("reference-types",)
    assert b"\x11\x00\x01" in module  # call_indirect type 0, table 1
    assert report.features["reference-types"].count == 2


def test_multi_memory_memarg_with_an_explicit_index():
    module = wasm("""(module (memory 1) (memory $b 1)
                       (func (result i32) (i32.load $b offset=4 (i32.const 0))))""")
    report = scan(module)
    assert report.needs == ("multi-memory",)
    finding = report.features["multi-memory"]
    assert finding.count == 2  # the second memory and the load from it
    load = module.index(b"\x28\x42\x01\x04")  # i32.load, align 2 | 0x40, memory 1, offset 4
    assert load > finding.first_offset


def test_memory_copy_between_memories_is_bulk_memory_and_multi_memory():
    module = wasm("""(module (memory 1) (memory $b 1)
                       (func (memory.copy $b 0 (i32.const 0) (i32.const 0) (i32.const 1))))""")
    report = scan(module)
    assert report.needs == ("bulk-memory", "multi-memory")


def test_legacy_and_final_exceptions_are_told_apart():
    legacy_text = """(module (tag $e)
        (func try $outer try throw $e delegate $outer catch $e catch_all end)
        (func try rethrow 0 catch_all end))"""
    legacy = scan(wasm(legacy_text))
    assert legacy.needs == ("exceptions-legacy",)  # the tag and throw count as legacy too
    assert legacy.features["exceptions-legacy"].count == 10  # tag section + 9 instructions
    assert "legacy" in legacy.features["exceptions-legacy"].evidence
    assert "final" not in legacy.features["exceptions-legacy"].evidence
    final = scan(
        wasm("""(module (tag $e)
                  (func (block $h (try_table (catch $e $h) (throw $e)))))""")
    )
    assert "final" in final.features["exceptions"].evidence
    assert "legacy" not in final.features["exceptions"].evidence
    exnref = scan(wasm("(module (func (param exnref)))"))
    assert exnref.needs == ("exceptions",)
    assert exnref.features["exceptions"].evidence.startswith("(ref null exn) param type")


def test_return_call_ref_is_tail_call_and_function_references():
    report = scan(
        wasm("(module (type $f (func)) (func (param (ref $f)) (return_call_ref $f (local.get 0))))")
    )
    assert set(report.needs) == {"tail-call", "function-references"}


# --- MVP and lookalike bytes ----------------------------------------------------------------

MVP_KITCHEN_SINK = """
(module
  (type $t (func (param i32) (result i32)))
  (import "env" "f" (func $imported (param i32)))
  (import "env" "g" (global $ig i32))
  (memory (export "memory") 1 2)
  (table 2 funcref)
  (global $g (mut i32) (i32.const 0xC0))
  (global $k (export "k") i64 (i64.const 0xFCFDFEFB))
  (elem (i32.const 0) $id $id)
  (data (i32.const 8) "\\fc\\fd\\fe\\fb\\c0\\d0\\12")
  (start $init)
  (func $init (global.set $g (i32.const 192)))
  (func $id (type $t) (local.get 0))
  (func (export "run") (param i32) (result i32) (local f32 f64 i64)
    (local.set 1 (f32.const 0x1.fafcfep+3))
    (local.set 2 (f64.const -0x1.fdfcfbfafdfcfp-7))
    (local.set 3 (i64.const -0x3f3f3f3f3f))
    (block $b (result i32)
      (loop $l
        (br_table $b $l $b (i32.const 0xC4) (local.get 0)))
      (i32.const 0x12))
    (drop)
    (if (result i32) (local.get 0)
      (then (call_indirect (type $t) (i32.const 0xD2) (i32.const 1)))
      (else (select (i32.load8_u offset=0xFC (i32.const 0)) (memory.size) (local.get 0))))
    (drop (memory.grow (i32.const 0)))
    (i64.store32 offset=0xC0C0 (i32.const 0) (i64.const 0x11))
    (call $imported (global.get $ig))
    (i32.wrap_i64 (i64.extend_i32_u (i32.trunc_f64_s (f64.const 1.5))))))
"""


def test_mvp_module_reports_only_mvp():
    module = wasm(MVP_KITCHEN_SINK)
    # the immediates and data really do hold bytes that look like feature opcodes
    for lookalike in (b"\xc0\x01", b"\xfc\xfd", b"\xfc\xfd\xfe\xfb\xc0\xd0\x12"):
        assert lookalike in module
    report = scan(module)
    assert report.needs == ()
    # its name section names locals and labels: found, but never needed
    assert [name for name in report.features if name not in ADVISORY] == ["mvp"]
    assert report.features["mvp"].first_offset == 0
    assert report.imports == (Import("env", "f", "func"), Import("env", "g", "global"))
    assert report.exports == (
        Export("memory", "memory", 0),
        Export("k", "global", 2),
        Export("run", "func", 3),
    )
    assert report.target_features == {}
    names = [section.name for section in report.sections]
    assert names == [
        *("type", "import", "function", "table", "memory", "global", "export", "start"),
        *("element", "code", "data", "name"),
    ]
    assert report.sections[-1].end == len(module)


# --- call_indirect's table index --------------------------------------------------------------


def test_overlong_probe_is_call_indirect_overlong_and_not_reference_types():
    module = overlong_module()
    report = scan(module)
    assert report.needs == ("call-indirect-overlong",)
    finding = report.features["call-indirect-overlong"]
    assert finding.count == 1
    at = finding.first_offset
    assert module[at : at + 7] == bytes.fromhex("11 00 80 80 80 80 00")
    assert "5 bytes" in finding.evidence
    assert "80 80 80 80 00" in finding.evidence
    assert "reference-types" not in report.features


def test_overlong_probe_with_a_plain_zero_is_mvp():
    module = overlong_module()
    body = bytes.fromhex("0d 00 20 01 20 00 11 00 80 80 80 80 00 0b")
    assert module.count(body) == 1 and module.count(bytes.fromhex("0a 1f 03")) == 1
    plain = module.replace(body, bytes.fromhex("09 00 20 01 20 00 11 00 00 0b"))
    plain = plain.replace(bytes.fromhex("0a 1f 03"), bytes.fromhex("0a 1b 03"))
    # exactly the assembler output the probe's comment describes
    assert plain == wasm("""(module
        (type (func (param i32) (result i32)))
        (type (func (param i32 i32) (result i32)))
        (table 2 funcref)
        (elem (i32.const 0) func 0 1)
        (func (type 0) local.get 0 i32.const 1 i32.add)
        (func (type 0) local.get 0 i32.const 3 i32.mul)
        (func (export "call") (type 1) local.get 1 local.get 0 call_indirect (type 0)))""")
    report = scan(plain)
    assert report.needs == ()


@pytest.mark.parametrize(
    ("table_index", "overlong", "reference_types"),
    [
        ("00", False, False),
        ("80 00", True, False),
        ("80 80 80 80 00", True, False),
        ("01", False, True),
        ("81 80 80 80 00", True, True),
    ],
)
def test_call_indirect_table_index_encodings(table_index, overlong, reference_types):
    module = overlong_module()
    index = bytes.fromhex(table_index)
    body = b"\x00\x20\x01\x20\x00\x11\x00" + index + b"\x0b"
    old_body = bytes.fromhex("0d 00 20 01 20 00 11 00 80 80 80 80 00 0b")
    module = module.replace(old_body, leb(len(body)) + body)
    module = module.replace(
        bytes.fromhex("0a 1f 03"), b"\x0a" + leb(0x1F - 5 + len(index)) + b"\x03"
    )
    report = scan(module)
    assert ("call-indirect-overlong" in report.features) == overlong
    assert ("reference-types" in report.features) == reference_types


def test_opcode_tables_agree_with_wasmtimes_decoder():
    """An opcode is in the tables exactly when wasmparser does not call it unknown."""

    def verdict(opcode: bytes) -> str:
        body = b"\x00" + opcode + b"\x00" * 40 + b"\x0b"  # generous zero immediates
        code = b"\x01" + leb(len(body)) + body
        module = HEADER + b"\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00"
        module += b"\x0a" + leb(len(code)) + code
        try:
            wasmtime.Module.validate(ENGINE, module)
        except wasmtime.WasmtimeError as error:
            return str(error)
        return "valid"

    def unknown_to_wasmtime(message: str) -> bool:
        return "illegal opcode" in message or "subopcode" in message

    def outside_vocabulary(message: str) -> bool:  # decoded, but by a proposal we refuse
        return "support is not enabled" in message and "legacy" not in message

    seen_unknown = 0
    candidates = [(bytes([op]), op in _OPCODES) for op in range(256) if op not in _PREFIXED]
    candidates += [
        (bytes([prefix]) + leb(sub), sub in table)
        for prefix, (_family, table) in _PREFIXED.items()
        for sub in range(0x140)
    ]
    # Half precision is in our tables (its probe is hand-assembled); wasmparser does not
    # know it yet, so only its opcodes may be ours and unknown to wasmtime.
    half_precision = {b"\xfc\x30", b"\xfc\x31"} | {
        b"\xfd" + leb(sub) for sub in range(0x120, 0x150)
    }
    for opcode, ours in candidates:
        message = verdict(opcode)
        seen_unknown += unknown_to_wasmtime(message)
        if ours and opcode not in half_precision:
            assert not unknown_to_wasmtime(message), (opcode.hex(), message)
        elif not unknown_to_wasmtime(message) and not outside_vocabulary(message):
            # decoded by wasmparser, which reports a type error before the missing feature
            raise AssertionError((opcode.hex(), message))
    assert seen_unknown > 100  # the messages still say what this test looks for


# --- the corpus ---------------------------------------------------------------------------


@pytest.mark.parametrize("path", CASE_FILES, ids=[p.stem for p in CASE_FILES])
def test_every_case_module_scans_and_uses_what_it_declares(path):
    case = load_case(path)
    report = scan(case_module(path))
    found = set(report.features)
    if case.js is None:  # a JS-API probe's feature is in its JavaScript, not its bytes
        assert set(case.features) <= found, f"declared {case.features}, found {sorted(found)}"
    assert found <= set(feature_names())
    if case.features == ("mvp",):
        assert report.needs == ()


def test_probes_use_their_feature():
    # JS-API probes exercise the JavaScript API, which the module's bytes do not show.
    for path in CASE_FILES:
        case = load_case(path)
        if case.kind == "probe" and case.js is None and case.features != ("mvp",):
            if case.control:  # wrong on purpose; not a feature probe
                continue
            report = scan(case_module(path))
            needs = set(report.needs) | (set(report.features) & ADVISORY)
            assert set(case.features) <= needs, (case.name, needs)


# --- target_features, imports, exports --------------------------------------------------------


def test_target_features_custom_section():
    payload = b"\x03" + b"+\x0fmutable-globals" + b"-\x07simd128" + b"=\x08sign-ext"
    module = wasm("(module)") + custom_section("target_features", payload)
    report = scan(module)
    assert report.target_features == {"mutable-globals": "+", "simd128": "-", "sign-ext": "="}
    assert report.needs == ()  # declared is not used
    assert report.sections[-1].name == "target_features"


def test_other_custom_sections_are_skipped():
    module = wasm('(module (func $named (export "f")))')
    module += custom_section("producers", b"\xff\xfe garbage the scanner never reads")
    report = scan(module)
    assert [s.name for s in report.sections][-2:] == ["name", "producers"]


def test_imports_and_exports_of_every_kind():
    module = wasm("""(module
        (import "m" "f" (func))
        (import "m" "t" (table 1 funcref))
        (import "m" "mem" (memory 1))
        (import "m" "g" (global i32))
        (import "m" "e" (tag))
        (export "f" (func 0)) (export "t" (table 0)) (export "mem" (memory 0))
        (export "g" (global 0)) (export "e" (tag 0)))""")
    report = scan(module)
    kinds = ["func", "table", "memory", "global", "tag"]
    assert [(i.module, i.kind) for i in report.imports] == [("m", k) for k in kinds]
    assert [(e.name, e.kind, e.index) for e in report.exports] == [
        ("f", "func", 0),
        ("t", "table", 0),
        ("mem", "memory", 0),
        ("g", "global", 0),
        ("e", "tag", 0),
    ]
    assert report.needs == ("exceptions",)


# --- malformed input ---------------------------------------------------------------------------


def rejects(module: bytes) -> ScanError:
    with pytest.raises(ScanError) as caught:
        scan(module)
    return caught.value


HEADER = b"\0asm\x01\0\0\0"


def test_bad_magic_version_and_component():
    assert rejects(b"").offset == 0
    assert rejects(b"\0asn\x01\0\0\0").offset == 0
    assert rejects(b"\0asm\x02\0\0\0").offset == 4
    assert "component" in str(rejects(b"\0asm\x0d\0\x01\0"))


def test_section_length_past_the_end():
    error = rejects(HEADER + b"\x01\x10\x00")
    assert error.offset == 10 and "type section" in error.message


def test_huge_leb():
    assert "longer than 5 bytes" in str(rejects(HEADER + b"\x01\xff\xff\xff\xff\xff\x0f"))
    assert "out of range" in str(rejects(HEADER + b"\x01\xff\xff\xff\xff\x7f"))
    # a vector count far beyond the bytes left is refused without trying to read it
    error = rejects(HEADER + b"\x01\x05\xff\xff\xff\xff\x0f")
    assert error.offset == 10 and "cannot fit" in error.message


def test_unknown_opcode_names_offset_and_opcode():
    module = wasm("(module (func nop))")
    at = module.index(b"\x01\x0b", len(module) - 3)  # nop end
    broken = module[:at] + b"\x27" + module[at + 1 :]
    error = rejects(broken)
    assert error.offset == at and "0x27" in error.message
    prefixed = wasm("(module (func (drop (i32.trunc_sat_f32_s (f32.const 0)))))")
    at = prefixed.index(b"\xfc\x00")
    error = rejects(prefixed[:at] + b"\xfc\x7f" + prefixed[at + 2 :])
    assert error.offset == at and "0xfc 127" in error.message


def test_sections_out_of_order_and_trailing_bytes():
    module = wasm("(module (memory 1) (func))")
    assert "out of order" in str(rejects(module + b"\x05\x03\x01\x00\x01"))
    # a function section without its code section
    assert "code section" in str(rejects(HEADER + b"\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00"))


def test_deep_nesting_is_not_recursion():
    depth = 100_000
    body = b"\x00" + b"\x02\x40" * depth + b"\x0b" * depth + b"\x0b"
    code = b"\x01" + leb(len(body)) + body
    module = HEADER + b"\x01\x04\x01\x60\x00\x00\x03\x02\x01\x00\x0a" + leb(len(code)) + code
    assert scan(module).needs == ()
    error = rejects(module[:-1])  # one `end` short: the body runs out
    assert isinstance(error, ScanError)


def boundaries(report: ScanReport) -> set[int]:
    return {8} | {section.end for section in report.sections}


TRUNCATED = [p for p in CASE_FILES if p.parent.name == "probes" or p.stem in ("add", "checksum")]


@pytest.mark.parametrize("path", TRUNCATED, ids=[p.stem for p in TRUNCATED])
def test_truncated_at_every_position(path):
    module = case_module(path)
    ends = boundaries(scan(module))
    for cut in range(len(module)):
        outcome = scans_or_rejects(module[:cut])
        if cut not in ends:
            assert isinstance(outcome, ScanError), cut


def test_corrupted_bytes_deterministic():
    """Every single-byte change to a few real modules: a report or a ScanError, nothing else."""
    for name in ("gc", "exceptions", "simd128", "reference-types"):
        module = case_module(REPO / "cases" / "probes" / f"{name}.yaml")
        rng = random.Random(name)
        for at in range(8, len(module)):
            value = rng.choice((0x00, 0x7F, 0x80, 0xFF, module[at] ^ 0x40, rng.randrange(256)))
            scans_or_rejects(module[:at] + bytes([value]) + module[at + 1 :])


if given is not None:
    CORPUS = [case_module(path) for path in CASE_FILES]

    @st.composite
    def mutated(draw):
        module = bytearray(draw(st.sampled_from(CORPUS)))
        for _ in range(draw(st.integers(1, 4))):
            at = draw(st.integers(0, len(module) - 1))
            action = draw(st.sampled_from(("set", "insert", "delete")))
            if action == "set":
                module[at] = draw(st.integers(0, 255))
            elif action == "insert":
                module[at:at] = draw(st.binary(min_size=1, max_size=6))
            else:
                del module[at : at + draw(st.integers(1, 6))]
        return bytes(module)

    @settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mutated())
    def test_mutated_modules_scan_or_raise_scan_error(module):
        scans_or_rejects(module)

    @settings(max_examples=200, deadline=None)
    @given(st.binary(max_size=200))
    def test_random_bytes_after_a_header_scan_or_raise_scan_error(tail):
        scans_or_rejects(HEADER + tail)
        scans_or_rejects(tail)

    @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(mutated())
    def test_what_wasmtime_accepts_the_scanner_decodes(module):
        try:
            wasmtime.Module.validate(ENGINE, module)
        except wasmtime.WasmtimeError:
            return
        assert isinstance(scans_or_rejects(module), ScanReport)

else:

    def test_hypothesis_not_installed():
        pytest.skip("hypothesis is not installed: property tests skipped")
