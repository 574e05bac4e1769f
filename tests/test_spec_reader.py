"""The `.wast` reader: every command kind of the script language, from real suite files
and from small scripts, and the number literals as exact bits."""

from __future__ import annotations

import struct

import pytest

from matrix.literals import ValueSyntaxError, float_bits, int_bits
from matrix.spec.script import (
    Action,
    Assertion,
    Instance,
    Module,
    Register,
    Unsupported,
    load_script,
    parse_script,
)
from matrix.spec.sexpr import WastSyntaxError
from matrix.values import Either, Exact, Lanes, Nan, RefPattern

from .helpers import TESTSUITE

SCRIPT = """\
(module $A (func (export "f") (param i32) (result i32) (local.get 0)))  ;; ) in a comment
(; a block (; nested ;) comment ;)
(register "a" $A)
(invoke $A "f" (i32.const -1))
(get "g")
(assert_return (invoke "f" (i32.const 0x10)) (i32.const 16))
(assert_return (invoke "n" (f32.const -nan:0x200000)) (f32.const nan:canonical))
(assert_return (invoke "v") (v128.const i16x8 0 1 2 3 4 5 6 -1))
(assert_return (invoke "w") (v128.const f32x4 nan:arithmetic 1.0 -0x1p-149 inf))
(assert_return (invoke "r" (ref.null extern) (ref.extern 7)) (ref.null) (ref.func) (ref.extern 7))
(assert_return (invoke "e") (either (i32.const 1) (i32.const 2)))
(assert_trap (invoke "t") "unreachable")
(assert_trap (module (func $s unreachable) (start $s)) "unreachable")
(assert_exhaustion (invoke "x") "call stack exhausted")
(assert_exception (invoke "throw"))
(assert_invalid (module (func (result i32))) "type mismatch")
(assert_malformed (module quote "(func" ")") "unexpected")
(assert_malformed (module binary "\\00asm" "\\01\\00\\00\\00" "\\0b") "unexpected end")
(assert_unlinkable (module (import "x" "y" (func))) "unknown import")
(assert_uninstantiable (module binary "\\00asm\\01\\00\\00\\00") "x")
(module definition $D (func))
(module instance $I $D)
(thread $T (module))
(func) (memory 1)
"""


def test_every_command_kind_is_read_with_its_line():
    commands = parse_script(SCRIPT)
    kinds = [
        (type(command).__name__, getattr(command, "command", ""), command.line)
        for command in commands
    ]
    assert kinds == [
        ("Module", "", 1),
        ("Register", "", 3),
        ("Action", "", 4),
        ("Action", "", 5),
        ("Assertion", "assert_return", 6),
        ("Assertion", "assert_return", 7),
        ("Assertion", "assert_return", 8),
        ("Assertion", "assert_return", 9),
        ("Assertion", "assert_return", 10),
        ("Assertion", "assert_return", 11),
        ("Assertion", "assert_trap", 12),
        ("Assertion", "assert_uninstantiable", 13),
        ("Assertion", "assert_exhaustion", 14),
        ("Assertion", "assert_exception", 15),
        ("Assertion", "assert_invalid", 16),
        ("Assertion", "assert_malformed", 17),
        ("Assertion", "assert_malformed", 18),
        ("Assertion", "assert_unlinkable", 19),
        ("Assertion", "assert_uninstantiable", 20),
        ("Module", "", 21),
        ("Instance", "", 22),
        ("Unsupported", "thread", 23),
        ("Module", "", 24),
    ]


def test_modules_keep_their_names_forms_and_text():
    commands = parse_script(SCRIPT)
    first = commands[0]
    assert isinstance(first, Module)
    assert (first.name, first.form, first.definition) == ("$A", "text", False)
    assert first.source.startswith("(module $A") and first.source.endswith("(local.get 0)))")
    quote = commands[15].module
    assert (quote.form, quote.source) == ("quote", "(module (func ))")
    binary = commands[16].module
    assert binary.binary == b"\x00asm\x01\x00\x00\x00\x0b"
    definition, instance = commands[19], commands[20]
    assert definition.definition and definition.name == "$D"
    assert "definition" not in definition.source
    assert instance == Instance(22, "$D", "$I")
    inline = commands[-1]
    assert inline.source == "(module (func) (memory 1))"


def test_actions_and_results_become_wire_values_and_patterns():
    commands = parse_script(SCRIPT)
    assert commands[1] == Register(3, "a", "$A")
    assert commands[2] == Action(4, "invoke", "f", "$A", ({"type": "i32", "value": "4294967295"},))
    assert commands[3] == Action(5, "get", "g")
    nan = commands[5]
    assert nan.action.args == ({"type": "f32", "value": str(0xFFA00000)},)
    assert nan.results == (Nan("f32", "nan:canonical"),)
    lanes = commands[6].results[0]
    assert lanes == Lanes("i16x8", tuple(Exact("i16", n) for n in (0, 1, 2, 3, 4, 5, 6, 0xFFFF)))
    floats = commands[7].results[0]
    assert floats.lanes == (
        Nan("f32", "nan:arithmetic"),
        Exact("f32", 0x3F800000),
        Exact("f32", 0x80000001),
        Exact("f32", 0x7F800000),
    )
    refs = commands[8]
    assert refs.action.args == (
        {"type": "ref.null", "heap": "extern"},
        {"type": "ref.extern", "value": "7"},
    )
    assert refs.results == (RefPattern("null"), RefPattern("func"), RefPattern("extern", 7))
    assert commands[9].results == (Either((Exact("i32", 1), Exact("i32", 2))),)
    assert commands[10].text == "unreachable"


def test_bad_scripts_say_which_line():
    with pytest.raises(WastSyntaxError, match="line 2"):
        parse_script('(module)\n(assert_return (invoke "f" (i32.const 1x)))')
    with pytest.raises(WastSyntaxError, match="line 1: unclosed"):
        parse_script("(module")
    with pytest.raises(WastSyntaxError, match="unterminated string"):
        parse_script('(module)\n(invoke "f)')


@pytest.mark.parametrize(
    ("text", "kind", "bits"),
    [
        ("1.5", "f32", 0x3FC00000),
        ("0.1", "f32", 0x3DCCCCCD),
        ("-0.0", "f32", 0x80000000),
        ("0x1p-149", "f32", 0x00000001),
        ("0x1.fffffep127", "f32", 0x7F7FFFFF),
        ("1.00000005960464477550", "f32", 0x3F800001),  # just above half: rounds up
        ("0x1.000001p0", "f32", 0x3F800000),  # exactly half: ties to even
        ("1e-46", "f32", 0),
        ("-inf", "f32", 0xFF800000),
        ("nan:0x1", "f64", 0x7FF0000000000001),
        ("0x1.fffffffffffffp1023", "f64", 0x7FEFFFFFFFFFFFFF),
        ("1_000.000_1", "f64", struct.unpack("<Q", struct.pack("<d", 1000.0001))[0]),
    ],
)
def test_float_literals_round_exactly(text, kind, bits):
    assert float_bits(text, kind) == bits


def test_integer_literals_and_their_ranges():
    assert int_bits("-1", 32) == 0xFFFFFFFF
    assert int_bits("0xffff_ffff", 32) == 0xFFFFFFFF
    assert int_bits("-0x8000_0000", 32) == 0x80000000
    with pytest.raises(ValueSyntaxError):
        int_bits("0x1_0000_0000", 32)
    with pytest.raises(ValueSyntaxError):
        float_bits("0x1p128", "f32")


def test_real_suite_files_give_every_command_kind():
    seen: set[str] = set()
    for name in (
        "linking.wast",
        "instance.wast",
        "throw.wast",
        "simd_lane.wast",
        "bulk.wast",
        "custom.wast",
    ):
        for command in load_script(TESTSUITE / name).commands:
            seen.add(getattr(command, "command", type(command).__name__))
            module = command if isinstance(command, Module) else getattr(command, "module", None)
            if isinstance(module, Module):
                seen.add(f"module {module.form}" + (" definition" if module.definition else ""))
    for kind in (
        "assert_return",
        "assert_trap",
        "assert_invalid",
        "assert_malformed",
        "assert_unlinkable",
        "assert_exception",
        "Register",
        "Action",
        "Instance",
        "module text",
        "module binary",
        "module quote",
        "module text definition",
    ):
        assert kind in seen, kind


def test_every_top_level_suite_file_reads():
    unsupported = []
    assertions = 0
    for path in sorted(TESTSUITE.glob("*.wast")):
        for command in load_script(path).commands:
            assertions += isinstance(command, Assertion)
            if isinstance(command, Unsupported):
                unsupported.append((path.name, command.line, command.command))
    assert unsupported == []
    assert assertions > 50_000


def test_a_script_read_twice_comes_from_the_parse_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("WASM_MATRIX_CACHE", str(tmp_path / "cache"))
    script = tmp_path / "s.wast"
    script.write_text('(module (func (export "f")))\n(assert_return (invoke "f"))\n')
    first = load_script(script).commands
    cached = list((tmp_path / "cache" / "spec-scripts").glob("*.pickle"))
    assert len(cached) == 1
    assert load_script(script).commands == first
    script.write_text('(module)\n(assert_trap (invoke "g") "x")\n')  # new text, new entry
    assert load_script(script).commands[1].command == "assert_trap"
    cached[0].write_bytes(b"damaged")  # a damaged entry is read again, not trusted
    script.write_text('(module (func (export "f")))\n(assert_return (invoke "f"))\n')
    assert load_script(script).commands == first
