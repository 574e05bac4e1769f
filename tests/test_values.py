"""WebAssembly values: the `TYPE:VALUE` text of cases, the wire form, and the patterns
results are held to (NaN patterns, v128 lanes, references).

Expected bit patterns are written from the IEEE 754 layout or computed with `struct` here,
never taken from matrix.values.
"""

import math
import struct

import pytest

from matrix.values import (
    Either,
    Exact,
    Lanes,
    Nan,
    Ref,
    RefPattern,
    Value,
    ValueSyntaxError,
    from_wire,
    parse_expected,
    parse_value,
)


def f32_bits(number: float) -> int:
    return struct.unpack("<I", struct.pack("<f", number))[0]


def f64_bits(number: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", number))[0]


def f32_from_bits(bits: int) -> float:
    return struct.unpack("<f", struct.pack("<I", bits))[0]


def f64_from_bits(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


# IEEE 754 layouts, spelled out.
F32_INF = 0x7F80_0000
F32_QUIET = 0x0040_0000
F32_SIGN = 0x8000_0000
F64_INF = 0x7FF0_0000_0000_0000
F64_QUIET = 0x0008_0000_0000_0000
F64_SIGN = 0x8000_0000_0000_0000


# --- integers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "bits"),
    [
        ("i32:0", 0),
        ("i32:42", 42),
        ("i32:-1", 0xFFFF_FFFF),
        ("i32:2147483647", 0x7FFF_FFFF),
        ("i32:-2147483648", 0x8000_0000),
        ("i32:4294967295", 0xFFFF_FFFF),
        ("i32:0xffffffff", 0xFFFF_FFFF),
        ("i32:0x80FF1234", 0x80FF_1234),
        ("i32:-0x80000000", 0x8000_0000),
        ("i32:+7", 7),
        ("i32:1_000_000", 1_000_000),
        ("i64:0", 0),
        ("i64:-1", 0xFFFF_FFFF_FFFF_FFFF),
        ("i64:9223372036854775807", 0x7FFF_FFFF_FFFF_FFFF),
        ("i64:-9223372036854775808", 0x8000_0000_0000_0000),
        ("i64:18446744073709551615", 0xFFFF_FFFF_FFFF_FFFF),
        ("i64:0xffffffffffffffff", 0xFFFF_FFFF_FFFF_FFFF),
        ("i64:2432902008176640000", 2432902008176640000),
    ],
)
def test_integers_parse_to_their_twos_complement_bits(text, bits):
    value = parse_value(text)
    assert value == Value(text[:3], bits)


@pytest.mark.parametrize(
    "text",
    [
        "i32:4294967296",
        "i32:-2147483649",
        "i32:0x100000000",
        "i64:18446744073709551616",
        "i64:-9223372036854775809",
        "i64:0x10000000000000000",
    ],
)
def test_integers_that_do_not_fit_are_errors(text):
    width = text[1:3]
    with pytest.raises(ValueSyntaxError, match=f"does not fit in {width} bits"):
        parse_value(text)


@pytest.mark.parametrize("text", ["i32:abc", "i32:1.5", "i32:nan", "i64:0xg", "i64:--1"])
def test_integers_that_are_not_numbers_are_errors(text):
    with pytest.raises(ValueSyntaxError, match="not an integer"):
        parse_value(text)


# --- floats -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "bits"),
    [
        ("f32:1.5", f32_bits(1.5)),
        ("f32:-2.5", f32_bits(-2.5)),
        ("f32:5.5", f32_bits(5.5)),
        ("f32:0.1", f32_bits(0.1)),
        ("f32:1e10", f32_bits(1e10)),
        ("f32:3.4028234663852886e38", 0x7F7F_FFFF),  # the largest f32
        ("f64:3", f64_bits(3.0)),
        ("f64:-0.5", f64_bits(-0.5)),
        ("f64:0.1", f64_bits(0.1)),
        ("f64:1e300", f64_bits(1e300)),
        ("f64:2.5e-10", f64_bits(2.5e-10)),
    ],
)
def test_decimal_floats(text, bits):
    assert parse_value(text) == Value(text[:3], bits)


def test_f32_decimal_rounds_to_nearest_f32():
    # 0.1 has no exact binary form; f32 keeps 24 significant bits of it.
    assert parse_value("f32:0.1").bits == 0x3DCC_CCCD
    assert parse_value("f64:0.1").bits == 0x3FB9_9999_9999_999A


@pytest.mark.parametrize(
    ("text", "bits"),
    [
        ("f64:0x1.8p+0", f64_bits(1.5)),
        ("f64:0x1p-1", f64_bits(0.5)),
        ("f64:-0x1.0p4", f64_bits(-16.0)),
        ("f64:0x1p-1074", 1),  # the smallest subnormal
        ("f64:0x1.fffffffffffffp1023", 0x7FEF_FFFF_FFFF_FFFF),  # the largest finite
        ("f32:0x1.8p+0", f32_bits(1.5)),
        ("f32:-0x1p-1", f32_bits(-0.5)),
        ("f32:0x1p-149", 1),  # the smallest subnormal
        ("f32:0x1.fffffep127", 0x7F7F_FFFF),  # the largest finite
        ("f32:0X1P3", f32_bits(8.0)),
    ],
)
def test_hex_floats(text, bits):
    assert parse_value(text) == Value(text[:3], bits)


@pytest.mark.parametrize(
    ("text", "bits"),
    [
        ("f32:inf", F32_INF),
        ("f32:+inf", F32_INF),
        ("f32:-inf", F32_SIGN | F32_INF),
        ("f64:inf", F64_INF),
        ("f64:-inf", F64_SIGN | F64_INF),
    ],
)
def test_infinities(text, bits):
    assert parse_value(text).bits == bits


@pytest.mark.parametrize(
    ("text", "bits"),
    [
        ("f32:-0.0", F32_SIGN),
        ("f32:-0", F32_SIGN),
        ("f64:-0.0", F64_SIGN),
        ("f64:-0x0p0", F64_SIGN),
        ("f32:0.0", 0),
        ("f64:0", 0),
    ],
)
def test_signed_zeros_keep_their_sign_bit(text, bits):
    assert parse_value(text).bits == bits


@pytest.mark.parametrize(
    ("text", "bits"),
    [
        ("f32:nan", F32_INF | F32_QUIET),
        ("f32:+nan", F32_INF | F32_QUIET),
        ("f32:-nan", F32_SIGN | F32_INF | F32_QUIET),
        ("f32:NaN", F32_INF | F32_QUIET),
        ("f64:nan", F64_INF | F64_QUIET),
        ("f64:-nan", F64_SIGN | F64_INF | F64_QUIET),
    ],
)
def test_nan_is_the_canonical_nan(text, bits):
    value = parse_value(text)
    assert value.bits == bits
    as_float = f32_from_bits(bits) if text.startswith("f32") else f64_from_bits(bits)
    assert math.isnan(as_float)


@pytest.mark.parametrize(
    ("text", "bits"),
    [
        ("f32:nan:0x200000", F32_INF | 0x20_0000),  # signalling (quiet bit clear)
        ("f32:nan:0x1", F32_INF | 0x1),
        ("f32:nan:0x7fffff", F32_INF | 0x7F_FFFF),
        ("f32:-nan:0x1", F32_SIGN | F32_INF | 0x1),
        ("f32:nan:0x400000", F32_INF | F32_QUIET),  # the canonical payload, spelled out
        ("f64:nan:0x4000000000000", F64_INF | 0x4_0000_0000_0000),
        ("f64:-nan:0x1", F64_SIGN | F64_INF | 0x1),
        ("f64:nan:0xfffffffffffff", F64_INF | 0xF_FFFF_FFFF_FFFF),
    ],
)
def test_nan_payloads(text, bits):
    value = parse_value(text)
    assert value.bits == bits
    as_float = f32_from_bits(bits) if text.startswith("f32") else f64_from_bits(bits)
    assert math.isnan(as_float)


@pytest.mark.parametrize(
    "text",
    ["f32:nan:0x0", "f32:nan:0x800000", "f64:nan:0x0", "f64:nan:0x10000000000000"],
)
def test_nan_payload_must_be_nonzero_and_fit_the_mantissa(text):
    with pytest.raises(ValueSyntaxError, match="NaN payload out of range"):
        parse_value(text)


@pytest.mark.parametrize("text", ["f32:1e39", "f32:-1e39", "f32:0x1p128", "f32:0x1.ffffffp127"])
def test_f32_overflow_is_an_error(text):
    with pytest.raises(ValueSyntaxError, match="out of range for f32"):
        parse_value(text)


def test_f64_hex_overflow_is_a_value_error():
    with pytest.raises(ValueSyntaxError, match="out of range"):
        parse_value("f64:0x1p1024")


@pytest.mark.parametrize("text", ["f32:1e400", "f64:1e400", "f64:-1e309"])
def test_decimal_overflow_to_infinity_is_an_error(text):
    with pytest.raises(ValueSyntaxError, match="out of range"):
        parse_value(text)


def test_f32_decimal_just_above_a_tie_rounds_up():
    # 1 + 2**-24 is exactly halfway between 1.0 and the next f32; a hair above rounds up.
    assert parse_value("f32:1.00000005960464477539062500001").bits == 0x3F80_0001


def test_f32_decimal_exactly_on_a_tie_rounds_to_even():
    assert parse_value("f32:1.000000059604644775390625").bits == 0x3F80_0000


@pytest.mark.parametrize("text", ["f32:abc", "f64:1.2.3", "f32:nan:canonical", "f64:nan:0x"])
def test_floats_that_are_not_numbers_are_errors(text):
    with pytest.raises(ValueSyntaxError, match="not a floating-point value"):
        parse_value(text)


# --- syntax errors ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (None, "expected a typed value such as 'i32:42'"),
        (42, "expected a typed value such as 'i32:42'"),
        ("42", "expected a typed value such as 'i32:42'.*got '42'"),
        ("i32", "expected a typed value"),
        ("i32:", "missing value after 'i32'"),
        ("i32:   ", "missing value after 'i32'"),
        ("f16:1", "unknown value type 'f16'.*one of i32, i64, f32, f64"),
        ("I32:1", "unknown value type 'I32'"),
        ("v128:0", "unknown value type 'v128'"),
        (":1", "unknown value type ''"),
    ],
)
def test_bad_syntax_says_what_was_expected(text, message):
    with pytest.raises(ValueSyntaxError, match=message):
        parse_value(text)
    with pytest.raises(ValueSyntaxError, match=message):
        parse_expected(text)


def test_value_syntax_error_is_a_value_error():
    assert issubclass(ValueSyntaxError, ValueError)


def test_nan_patterns_are_not_arguments():
    with pytest.raises(ValueSyntaxError):
        parse_value("f64:nan:arithmetic")


def test_nan_patterns_are_for_floats_only():
    with pytest.raises(ValueSyntaxError, match="not an integer"):
        parse_expected("i32:nan")


# --- text and wire forms ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (Value("i32", 0xFFFF_FFFF), "i32:-1"),
        (Value("i32", 0x7FFF_FFFF), "i32:2147483647"),
        (Value("i32", 0x8000_0000), "i32:-2147483648"),
        (Value("i64", 0x8000_0000_0000_0000), "i64:-9223372036854775808"),
        (Value("i64", 5), "i64:5"),
        (Value("f32", f32_bits(1.5)), "f32:1.5"),
        (Value("f64", f64_bits(-0.5)), "f64:-0.5"),
        (Value("f64", F64_SIGN), "f64:-0.0"),
        (Value("f32", F32_INF), "f32:inf"),
        (Value("f64", F64_SIGN | F64_INF), "f64:-inf"),
        (Value("f32", F32_INF | F32_QUIET), "f32:nan"),
        (Value("f32", F32_SIGN | F32_INF | F32_QUIET), "f32:-nan"),
        (Value("f32", F32_INF | 0x20_0000), "f32:nan:0x200000"),
        (Value("f64", F64_SIGN | F64_INF | 0x1), "f64:-nan:0x1"),
    ],
)
def test_str_is_readable(value, text):
    assert str(value) == text


@pytest.mark.parametrize(
    "text",
    [
        "i32:-1",
        "i64:-9223372036854775808",
        "f32:0.1",
        "f32:-0.0",
        "f32:0x1p-149",
        "f64:0x1p-1074",
        "f64:-inf",
        "f32:-nan",
        "f32:nan:0x1",
        "f64:-nan:0x4000000000000",
    ],
)
def test_str_parses_back_to_the_same_bits(text):
    value = parse_value(text)
    assert parse_value(str(value)) == value


def test_expected_str():
    assert str(parse_expected("f64:nan:canonical")) == "f64:nan:canonical"
    assert str(parse_expected("f32:nan")) == "f32:nan"
    assert str(parse_expected("i32:0xffffffff")) == "i32:-1"
    assert str(parse_expected("i32:0")) == "i32:0"


@pytest.mark.parametrize(
    ("wire", "value"),
    [
        ({"type": "i32", "value": "4294967295"}, Value("i32", 0xFFFF_FFFF)),
        ({"type": "i64", "value": "18446744073709551615"}, Value("i64", 2**64 - 1)),
        ({"type": "f64", "value": str(F64_SIGN)}, Value("f64", F64_SIGN)),
        ({"type": "f32", "value": str(F32_INF | 0x20_0000)}, Value("f32", F32_INF | 0x20_0000)),
        ({"type": "f32", "value": "0"}, Value("f32", 0)),
    ],
)
def test_from_wire_and_back(wire, value):
    assert from_wire(wire) == value
    assert value.to_wire() == wire


def test_wire_values_are_unsigned_decimal_strings():
    assert parse_value("i32:-1").to_wire() == {"type": "i32", "value": "4294967295"}
    assert parse_value("f64:-0.0").to_wire() == {"type": "f64", "value": "9223372036854775808"}


@pytest.mark.parametrize(
    ("wire", "message"),
    [
        ({"type": "v129", "value": "0"}, "unknown value type 'v129'"),
        ({"value": "0"}, "unknown value type None"),
        ({"type": "i32", "value": "-1"}, "unsigned decimal string"),
        ({"type": "i32", "value": "4294967296"}, "bits beyond 32"),
        ({"type": "f32", "value": str(2**32)}, "bits beyond 32"),
        ({"type": "i64", "value": str(2**64)}, "bits beyond 64"),
        ({"type": "v128", "value": str(2**128 + 5)}, "bits beyond 128"),
        ({"type": "ref", "kind": "thing"}, "unknown reference kind 'thing'"),
    ],
)
def test_from_wire_rejects_bad_values(wire, message):
    with pytest.raises(ValueSyntaxError, match=message):
        from_wire(wire)


def test_from_wire_rejects_non_numbers():
    with pytest.raises(ValueError):
        from_wire({"type": "i32", "value": "forty-two"})


# --- expectations and NaN patterns --------------------------------------------------------

F32_NUMBERS = [0, F32_SIGN, f32_bits(1.0), f32_bits(-1.5), 0x7F7F_FFFF, 1]
F32_INFINITIES = [F32_INF, F32_SIGN | F32_INF]
F64_NUMBERS = [0, F64_SIGN, f64_bits(1.0), f64_bits(-1.5), 0x7FEF_FFFF_FFFF_FFFF, 1]
F64_INFINITIES = [F64_INF, F64_SIGN | F64_INF]

F32_NANS = {
    "canonical": F32_INF | F32_QUIET,
    "-canonical": F32_SIGN | F32_INF | F32_QUIET,
    "quiet+payload": F32_INF | F32_QUIET | 0x1,
    "-quiet+payload": F32_SIGN | F32_INF | F32_QUIET | 0x3F_FFFF,
    "signalling": F32_INF | 0x20_0000,
    "-signalling": F32_SIGN | F32_INF | 0x1,
}
F64_NANS = {
    "canonical": F64_INF | F64_QUIET,
    "-canonical": F64_SIGN | F64_INF | F64_QUIET,
    "quiet+payload": F64_INF | F64_QUIET | 0x1,
    "-quiet+payload": F64_SIGN | F64_INF | F64_QUIET | 0x7_FFFF_FFFF_FFFF,
    "signalling": F64_INF | 0x4_0000_0000_0000,
    "-signalling": F64_SIGN | F64_INF | 0x1,
}
# Which NaNs each pattern accepts.
ACCEPTS = {
    "nan": set(F32_NANS),
    "nan:canonical": {"canonical", "-canonical"},
    "nan:arithmetic": {"canonical", "-canonical", "quiet+payload", "-quiet+payload"},
}


@pytest.mark.parametrize("pattern", list(ACCEPTS))
@pytest.mark.parametrize(("kind", "nans"), [("f32", F32_NANS), ("f64", F64_NANS)])
def test_nan_patterns_match_the_right_nans(pattern, kind, nans):
    expected = parse_expected(f"{kind}:{pattern}")
    assert expected == Nan(kind, pattern)
    for name, bits in nans.items():
        assert expected.matches(Value(kind, bits)) == (name in ACCEPTS[pattern]), name


@pytest.mark.parametrize("pattern", list(ACCEPTS))
@pytest.mark.parametrize(
    ("kind", "others"),
    [("f32", F32_NUMBERS + F32_INFINITIES), ("f64", F64_NUMBERS + F64_INFINITIES)],
)
def test_nan_patterns_match_no_number_and_no_infinity(pattern, kind, others):
    expected = parse_expected(f"{kind}:{pattern}")
    for bits in others:
        assert not expected.matches(Value(kind, bits)), hex(bits)


def test_nan_patterns_check_the_type():
    assert not parse_expected("f32:nan").matches(Value("f64", F64_INF | F64_QUIET))
    assert not parse_expected("f64:nan").matches(Value("f32", F32_INF | F32_QUIET))
    assert not parse_expected("f64:nan").matches(Value("i64", F64_INF | F64_QUIET))


def test_exact_expectations_compare_bits():
    minus_zero = parse_expected("f64:-0.0")
    assert minus_zero.matches(Value("f64", F64_SIGN))
    assert not minus_zero.matches(Value("f64", 0))
    payload = parse_expected("f32:nan:0x200000")
    assert isinstance(payload, Exact)
    assert payload.matches(Value("f32", F32_INF | 0x20_0000))
    assert not payload.matches(Value("f32", F32_INF | F32_QUIET))
    minus_one = parse_expected("i32:-1")
    assert minus_one.matches(Value("i32", 0xFFFF_FFFF))
    assert not minus_one.matches(Value("i64", 0xFFFF_FFFF))
    assert not minus_one.matches(Value("i32", 0xFFFF_FFFE))


@pytest.mark.parametrize("text", ["f32:NaN", "f32:NAN", "f64:NaN:Canonical"])
def test_nan_patterns_ignore_letter_case(text):
    pattern = parse_expected(text)
    assert isinstance(pattern, Nan)
    assert pattern.matches(parse_value(text.split(":")[0] + ":nan"))


# --- v128 and references ------------------------------------------------------------------


def test_v128_lanes_check_all_128_bits():
    # i32x4 lanes 1, 2, 3, 4: lane 0 lowest.
    bits = 1 | 2 << 32 | 3 << 64 | 4 << 96
    lanes = Lanes("i32x4", tuple(Exact("i32", n) for n in (1, 2, 3, 4)))
    assert lanes.matches(Value("v128", bits))
    assert not lanes.matches(Value("v128", bits ^ 1 << 127))  # the top bit of lane 3
    assert not lanes.matches(Value("v128", bits ^ 1 << 32))
    assert not lanes.matches(Value("i32", 1))


def test_a_v128_answer_with_bits_beyond_128_is_refused_not_judged():
    bits = 1 | 2 << 32 | 3 << 64 | 4 << 96
    with pytest.raises(ValueSyntaxError):
        from_wire({"type": "v128", "value": str(bits | 1 << 128)})
    assert from_wire({"type": "v128", "value": str(bits)}) == Value("v128", bits)


def test_float_lanes_take_nan_patterns():
    canonical, signalling = F32_INF | F32_QUIET, F32_INF | 0x1
    lanes = Lanes("f32x4", (Nan("f32", "nan:canonical"),) + (Exact("f32", 0),) * 3)
    assert lanes.matches(Value("v128", canonical))
    assert not lanes.matches(Value("v128", signalling))


def test_reference_patterns():
    assert RefPattern("null").matches(Ref("null"))
    assert not RefPattern("null").matches(Ref("func"))
    assert RefPattern("extern", 1).matches(Ref("extern", 1))
    assert not RefPattern("extern", 1).matches(Ref("extern", 2))
    assert RefPattern("extern").matches(Ref("extern", 2))
    assert RefPattern("eq").matches(Ref("i31", 5)) and not RefPattern("eq").matches(Ref("func"))
    assert RefPattern("any").matches(Ref("host", 3))
    assert not RefPattern("func").matches(Value("i32", 0))
    assert from_wire({"type": "ref", "kind": "i31", "value": "7"}) == Ref("i31", 7)


def test_either_takes_any_alternative():
    either = Either((Exact("i32", 1), Exact("i32", 2)))
    assert either.matches(Value("i32", 2)) and not either.matches(Value("i32", 3))
