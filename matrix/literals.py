"""WebAssembly literals as bits: integer, float (rounded once, exactly) and v128 constants,
in the text format's spelling, for cases and spec scripts alike.

Float literals are rounded once, from their exact value straight to the type (through
fractions, to nearest, ties to even), so `1.00000005960464477550` gives the f32 bits a real
assembler gives (no double rounding through a Python float).
"""

from __future__ import annotations

import re
from fractions import Fraction

NUMERIC_TYPES = ("i32", "i64", "f32", "f64")
WIDTHS = {"i8": 8, "i16": 16, "i32": 32, "i64": 64, "f32": 32, "f64": 64, "v128": 128}
FLOAT_FORMATS = {"f32": (8, 23), "f64": (11, 52)}  # exponent bits, fraction bits
# v128 lane shapes: name → (lane count, lane type).
SHAPES = {
    "i8x16": (16, "i8"),
    "i16x8": (8, "i16"),
    "i32x4": (4, "i32"),
    "i64x2": (2, "i64"),
    "f32x4": (4, "f32"),
    "f64x2": (2, "f64"),
}


class ValueSyntaxError(ValueError):
    """A value that does not parse or fit; the message says what was expected."""


def int_bits(text: str, width: int) -> int:
    """An integer literal (signed or unsigned, decimal or `0x` hex, `_` anywhere) as
    `width` bits: any value from -2^(width-1) to 2^width - 1."""
    clean = text.replace("_", "").lower()
    negative = clean.startswith("-")
    body = clean[1:] if clean[:1] in ("+", "-") else clean
    if not _INTEGER.match(body):
        raise ValueSyntaxError(f"not an integer: {text}")
    value = int(body, 16) if body.startswith("0x") else int(body, 10)
    if negative:
        if value > 1 << (width - 1):
            raise ValueSyntaxError(f"{text} does not fit in {width} bits")
        value = -value
    elif value >= 1 << width:
        raise ValueSyntaxError(f"{text} does not fit in {width} bits")
    return value & ((1 << width) - 1)


_INTEGER = re.compile(r"^(?:0x[0-9a-f]+|[0-9]+)$")
_NAN_PAYLOAD = re.compile(r"^nan:(0x[0-9a-f]+)$")
_HEX_FLOAT = re.compile(r"^0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?[0-9]+))?$")
_DECIMAL_FLOAT = re.compile(r"^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?$")


def float_bits(text: str, kind: str) -> int:
    """A float literal (decimal, hex, `inf`, `nan`, `nan:0x…`, any sign) as the bits of an
    f32 or f64."""
    exponent_bits, fraction_bits = FLOAT_FORMATS[kind]
    width = 1 + exponent_bits + fraction_bits
    all_ones = ((1 << exponent_bits) - 1) << fraction_bits
    clean = text.replace("_", "").lower()
    sign = 1 << (width - 1) if clean.startswith("-") else 0
    body = clean[1:] if clean[:1] in "+-" else clean
    if body in ("inf", "infinity"):
        return sign | all_ones
    if body == "nan":
        return sign | all_ones | (1 << (fraction_bits - 1))
    payload = _NAN_PAYLOAD.match(body)
    if payload:
        bits = int(payload.group(1), 16)
        if not 0 < bits < 1 << fraction_bits:
            raise ValueSyntaxError(f"NaN payload out of range for {kind}: {text}")
        return sign | all_ones | bits
    exact = _exact(body)
    if exact is None:
        raise ValueSyntaxError(f"not a floating-point value: {kind}:{text}")
    magnitude = _round(exact, exponent_bits, fraction_bits)
    if magnitude is None:
        raise ValueSyntaxError(f"{text} is out of range for {kind}")
    return sign | magnitude


def v128_bits(shape: str, lanes: list[str]) -> int:
    """`v128.const SHAPE lane…` as 128 bits, lane 0 lowest."""
    if shape not in SHAPES:
        raise ValueSyntaxError(f"unknown v128 shape {shape!r}")
    count, lane_type = SHAPES[shape]
    if len(lanes) != count:
        raise ValueSyntaxError(f"v128.const {shape} needs {count} lanes, found {len(lanes)}")
    width = WIDTHS[lane_type]
    total = 0
    for index, lane in enumerate(lanes):
        bits = float_bits(lane, lane_type) if lane_type in FLOAT_FORMATS else int_bits(lane, width)
        total |= bits << (index * width)
    return total


def _exact(body: str) -> Fraction | None:
    """The exact value of a decimal or hex literal (lower case, no sign, no `_`)."""
    hex_match = _HEX_FLOAT.match(body)
    if hex_match:
        whole, fraction, exponent = hex_match.group(1), hex_match.group(2) or "", hex_match.group(3)
        if not whole and not fraction:
            return None
        mantissa = int(whole + fraction or "0", 16)
        return mantissa * Fraction(2) ** (int(exponent or 0) - 4 * len(fraction))
    if _DECIMAL_FLOAT.match(body):
        return Fraction(body)
    return None


def _round(value: Fraction, exponent_bits: int, fraction_bits: int) -> int | None:
    """The nearest representable magnitude (ties to even) as bits without the sign; None
    when it rounds to infinity (the text format calls such a constant out of range)."""
    if value == 0:
        return 0
    bias = (1 << (exponent_bits - 1)) - 1
    exponent = value.numerator.bit_length() - value.denominator.bit_length()
    if Fraction(2) ** exponent > value:
        exponent -= 1  # now 2^exponent <= value < 2^(exponent+1)
    exponent = max(exponent, 1 - bias)  # subnormals share the smallest exponent
    scaled = value / Fraction(2) ** (exponent - fraction_bits)
    mantissa, remainder = divmod(scaled.numerator, scaled.denominator)
    twice = 2 * remainder
    if twice > scaled.denominator or (twice == scaled.denominator and mantissa & 1):
        mantissa += 1
    if mantissa >> (fraction_bits + 1):  # rounding carried into the next binade
        mantissa >>= 1
        exponent += 1
    if mantissa >> fraction_bits == 0:  # subnormal (or rounded to zero)
        return mantissa
    biased = exponent + bias
    if biased >= (1 << exponent_bits) - 1:
        return None
    return (biased << fraction_bits) | (mantissa & ((1 << fraction_bits) - 1))


def is_nan(kind: str, bits: int) -> bool:
    exponent_bits, fraction_bits = FLOAT_FORMATS[kind]
    exponent = (bits >> fraction_bits) & ((1 << exponent_bits) - 1)
    return exponent == (1 << exponent_bits) - 1 and bits & ((1 << fraction_bits) - 1) != 0
