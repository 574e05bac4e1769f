"""Typed WebAssembly values: the `TYPE:VALUE` text of cases and the wire form of the protocol.

On the wire (host protocol and results) a number travels as its bit pattern, an unsigned
decimal string, as in the spec interpreter's JSON scripts: no precision is lost, and NaN
payloads and -0.0 survive every JSON library.
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass
from fractions import Fraction

NUMERIC_TYPES = ("i32", "i64", "f32", "f64")
_BITS = {"i32": 32, "i64": 64, "f32": 32, "f64": 64}
# The NaN patterns an expectation may use instead of an exact value.
NAN_PATTERNS = ("nan", "nan:canonical", "nan:arithmetic")


class ValueSyntaxError(ValueError):
    """A typed value that does not parse; the message says what was expected."""


@dataclass(frozen=True)
class Value:
    """One concrete value: its type and its bits (an unsigned integer)."""

    type: str
    bits: int

    def to_wire(self) -> dict[str, str]:
        return {"type": self.type, "value": str(self.bits)}

    @classmethod
    def from_wire(cls, data: dict) -> Value:
        kind = data.get("type")
        if kind not in NUMERIC_TYPES:
            raise ValueSyntaxError(f"unknown value type {kind!r}")
        bits = int(data["value"])
        if not 0 <= bits < 1 << _BITS[kind]:
            raise ValueSyntaxError(f"{kind} bits out of range: {bits}")
        return cls(kind, bits)

    def __str__(self) -> str:
        return f"{self.type}:{_describe(self.type, self.bits)}"


@dataclass(frozen=True)
class Expected:
    """What a call must return in one position: an exact value or a NaN pattern."""

    type: str
    bits: int | None = None  # None when `nan` is a pattern
    nan: str | None = None  # one of NAN_PATTERNS

    def matches(self, actual: Value) -> bool:
        if actual.type != self.type:
            return False
        if self.nan is None:
            return actual.bits == self.bits
        width = _BITS[self.type]
        mantissa_bits = 23 if width == 32 else 52
        exponent_mask = ((1 << (width - 1)) - 1) & ~((1 << mantissa_bits) - 1)
        payload = actual.bits & ((1 << mantissa_bits) - 1)
        is_nan = actual.bits & exponent_mask == exponent_mask and payload != 0
        quiet = 1 << (mantissa_bits - 1)
        if self.nan == "nan":
            return is_nan
        if self.nan == "nan:canonical":
            return is_nan and payload == quiet
        return is_nan and bool(payload & quiet)  # nan:arithmetic

    def __str__(self) -> str:
        if self.nan is not None:
            return f"{self.type}:{self.nan}"
        return str(Value(self.type, self.bits or 0))


def parse_value(text: object) -> Value:
    """Parse an argument such as `i32:-1`, `f64:0x1.8p+0`, `f32:nan:0x200000`."""
    kind, literal = _split(text)
    return Value(kind, _literal_bits(kind, literal))


def parse_expected(text: object) -> Expected:
    """Parse an expected result; also accepts `f32:nan`, `f64:nan:canonical`, …"""
    kind, literal = _split(text)
    if kind in ("f32", "f64") and literal.lower() in NAN_PATTERNS:
        return Expected(kind, nan=literal.lower())
    return Expected(kind, bits=_literal_bits(kind, literal))


def _split(text: object) -> tuple[str, str]:
    if not isinstance(text, str) or ":" not in text:
        raise ValueSyntaxError(
            f"expected a typed value such as 'i32:42' or 'f64:nan', got {text!r}"
        )
    kind, literal = text.split(":", 1)
    kind, literal = kind.strip(), literal.strip()
    if kind not in NUMERIC_TYPES:
        raise ValueSyntaxError(
            f"unknown value type {kind!r} in {text!r} (one of {', '.join(NUMERIC_TYPES)})"
        )
    if not literal:
        raise ValueSyntaxError(f"missing value after {kind!r} in {text!r}")
    return kind, literal


def _literal_bits(kind: str, literal: str) -> int:
    if kind in ("i32", "i64"):
        return _integer_bits(kind, literal)
    return _float_bits(kind, literal)


def _integer_bits(kind: str, literal: str) -> int:
    width = _BITS[kind]
    try:
        text = literal.replace("_", "").lower()
        digits = text.lstrip("+-")
        base = 16 if digits.startswith("0x") else 10
        number = int(text, base)
    except ValueError:
        raise ValueSyntaxError(f"not an integer: {kind}:{literal}") from None
    if not -(1 << (width - 1)) <= number < 1 << width:
        raise ValueSyntaxError(f"{kind}:{literal} does not fit in {width} bits")
    return number & ((1 << width) - 1)


_NAN_PAYLOAD = re.compile(r"^([+-]?)nan:(0x[0-9a-fA-F_]+)$")


def _float_bits(kind: str, literal: str) -> int:
    width = _BITS[kind]
    mantissa_bits = 23 if width == 32 else 52
    sign_bit = 1 << (width - 1)
    exponent_all_ones = ((1 << (width - 1)) - 1) & ~((1 << mantissa_bits) - 1)
    text = literal.lower().replace("_", "")
    negative = text.startswith("-")
    if text.lstrip("+-") == "nan":
        return exponent_all_ones | (1 << (mantissa_bits - 1)) | (sign_bit if negative else 0)
    payload_match = _NAN_PAYLOAD.match(text)
    if payload_match:
        payload = int(payload_match.group(2), 16)
        if not 0 < payload < 1 << mantissa_bits:
            raise ValueSyntaxError(f"NaN payload out of range for {kind}: {literal}")
        return exponent_all_ones | payload | (sign_bit if negative else 0)
    if text.lstrip("+-") in ("inf", "infinity"):
        return exponent_all_ones | (sign_bit if negative else 0)
    exact = _exact_number(text)
    if exact is None:
        raise ValueSyntaxError(f"not a floating-point value: {kind}:{literal}")
    bits = _round_to_float(abs(exact), width)
    if bits is None:
        raise ValueSyntaxError(f"{literal} is out of range for {kind}")
    return bits | (sign_bit if negative else 0)


_HEX_FLOAT = re.compile(r"^[+-]?0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?[0-9]+))?$")
_DECIMAL_FLOAT = re.compile(r"^[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?$")


def _exact_number(text: str) -> Fraction | None:
    """The exact rational value of a decimal or hex float literal (lower case, no `_`)."""
    hex_match = _HEX_FLOAT.match(text)
    if hex_match:
        whole, fraction, exponent = hex_match.groups()
        fraction = fraction or ""
        if not whole and not fraction:
            return None
        mantissa = int(whole + fraction or "0", 16)
        return Fraction(mantissa, 16 ** len(fraction)) * Fraction(2) ** int(exponent or 0)
    if _DECIMAL_FLOAT.match(text):
        return Fraction(text.lstrip("+-"))
    return None


def _round_to_float(value: Fraction, width: int) -> int | None:
    """IEEE 754 bits of a non-negative exact value, rounded once, to nearest, ties to even.

    Rounding the exact value straight to the target width avoids the double rounding of
    going through a Python float first (which gets some f32 literals wrong). None when the
    value rounds to infinity: the text format calls such a constant out of range.
    """
    mantissa_bits = 23 if width == 32 else 52
    bias = (1 << (width - mantissa_bits - 2)) - 1
    if value == 0:
        return 0
    exponent = value.numerator.bit_length() - value.denominator.bit_length()
    if Fraction(2) ** exponent > value:
        exponent -= 1
    exponent = max(exponent, 1 - bias)  # below the normal range: subnormal spacing
    scaled = value * Fraction(2) ** (mantissa_bits - exponent)
    significand, remainder = divmod(scaled.numerator, scaled.denominator)
    twice = 2 * remainder
    if twice > scaled.denominator or (twice == scaled.denominator and significand & 1):
        significand += 1
    if significand == 1 << (mantissa_bits + 1):
        significand >>= 1
        exponent += 1
    if exponent > bias:
        return None
    if significand < 1 << mantissa_bits:  # subnormal (or rounded down to zero)
        return significand
    return ((exponent + bias) << mantissa_bits) | (significand - (1 << mantissa_bits))


def _describe(kind: str, bits: int) -> str:
    """Human-readable text for a value (signed integers, floats with NaN payloads)."""
    if kind in ("i32", "i64"):
        width = _BITS[kind]
        return str(bits - (1 << width) if bits >> (width - 1) else bits)
    if kind == "f32":
        number = struct.unpack("<f", struct.pack("<I", bits))[0]
        mantissa_bits = 23
    else:
        number = struct.unpack("<d", struct.pack("<Q", bits))[0]
        mantissa_bits = 52
    if math.isnan(number):
        sign = "-" if bits >> (_BITS[kind] - 1) else ""
        payload = bits & ((1 << mantissa_bits) - 1)
        canonical = payload == 1 << (mantissa_bits - 1)
        return f"{sign}nan" if canonical else f"{sign}nan:{payload:#x}"
    return repr(number)
