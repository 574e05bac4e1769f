"""WebAssembly values, for cases and spec scripts alike: literals as bits, the values hosts
send back, and the patterns results are held to.

On the wire (host protocol and results) a number travels as its bit pattern, an unsigned
decimal string, as in the spec interpreter's JSON scripts: no precision is lost, and NaN
payloads and -0.0 survive every JSON library. A v128 travels the same way (lane 0 lowest);
a reference as its kind (and the number of a host reference, the value of an i31).

Float literals are rounded once, from their exact value straight to the type (through
fractions, to nearest, ties to even), so `1.00000005960464477550` gives the f32 bits a real
assembler gives (no double rounding through a Python float).

Two notations: a case's `TYPE:VALUE` (`i32:-1`, `f64:nan:canonical`; `str()`) and a
script's `(i32.const -1)` (`.wat()`).
"""

from __future__ import annotations

import math
import re
import struct
from dataclasses import dataclass
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
# The NaN patterns a case may expect instead of an exact value.
NAN_PATTERNS = ("nan", "nan:canonical", "nan:arithmetic")
# Reference kinds a host may answer (engines/protocol.md).
REF_KINDS = ("null", "extern", "host", "func", "i31", "struct", "array", "exn", "any")


class ValueSyntaxError(ValueError):
    """A value that does not parse or fit; the message says what was expected."""


# --- literals as bits -----------------------------------------------------------------


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


# --- values ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """A number or a v128: its type and its bits (an unsigned integer)."""

    type: str
    bits: int

    def to_wire(self) -> dict[str, str]:
        return {"type": self.type, "value": str(self.bits)}

    def __str__(self) -> str:
        return f"{self.type}:{_describe(self.type, self.bits)}"

    def wat(self) -> str:
        if self.type == "v128":
            lanes = " ".join(f"0x{(self.bits >> (32 * i)) & 0xFFFFFFFF:08x}" for i in range(4))
            return f"(v128.const i32x4 {lanes})"
        return f"({self.type}.const {_show_number(self.type, self.bits)})"


@dataclass(frozen=True)
class Ref:
    """A reference a host answered: its kind, and the number of a host reference (or the
    value of an i31)."""

    kind: str
    number: int | None = None

    def __str__(self) -> str:
        return self.wat()

    def wat(self) -> str:
        if self.kind == "null":
            return "(ref.null)"
        return f"(ref.{self.kind}" + (f" {self.number})" if self.number is not None else ")")


def from_wire(data: object) -> Value | Ref:
    """A value as a host sent it; every bit beyond the type's width is an error, so a v128
    is its 128 bits and nothing beyond."""
    if not isinstance(data, dict):
        raise ValueSyntaxError(f"not a value: {data!r}")
    kind = data.get("type")
    if kind == "ref":
        ref_kind = data.get("kind")
        if ref_kind not in REF_KINDS:
            raise ValueSyntaxError(f"unknown reference kind {ref_kind!r}")
        number = data.get("value")
        return Ref(ref_kind, None if number is None else _digits(number, 32))
    if kind not in (*NUMERIC_TYPES, "v128"):
        raise ValueSyntaxError(f"unknown value type {kind!r}")
    return Value(kind, _digits(data.get("value"), WIDTHS[kind]))


def _digits(text: object, width: int) -> int:
    if not isinstance(text, str) or not text.isdigit():
        raise ValueSyntaxError(f"a value's bits must be an unsigned decimal string, not {text!r}")
    bits = int(text)
    if bits >> width:
        raise ValueSyntaxError(f"{bits} has bits beyond {width}")
    return bits


# --- patterns -------------------------------------------------------------------------


@dataclass(frozen=True)
class Exact(Value):
    """Exactly these bits (a number, a v128, or one lane of a v128)."""

    def matches(self, value: Value | Ref) -> bool:
        return isinstance(value, Value) and (value.type, value.bits) == (self.type, self.bits)


@dataclass(frozen=True)
class Nan:
    """Any NaN (`nan`), a canonical one (only the quiet bit), an arithmetic one (the quiet
    bit set); either sign."""

    type: str
    which: str  # nan | nan:canonical | nan:arithmetic

    def matches(self, value: Value | Ref) -> bool:
        return (
            isinstance(value, Value)
            and value.type == self.type
            and nan_matches(self.type, value.bits, self.which)
        )

    def __str__(self) -> str:
        return f"{self.type}:{self.which}"

    def wat(self) -> str:
        return f"({self.type}.const {self.which})"


def nan_matches(kind: str, bits: int, which: str) -> bool:
    if not is_nan(kind, bits):
        return False
    quiet = 1 << (FLOAT_FORMATS[kind][1] - 1)
    payload = bits & ((quiet << 1) - 1)
    if which == "nan:canonical":
        return payload == quiet
    return which == "nan" or bool(payload & quiet)  # nan:arithmetic: the quiet bit set


@dataclass(frozen=True)
class Lanes:
    """A v128 lane by lane: each lane exact or a NaN pattern; together all 128 bits."""

    shape: str
    lanes: tuple[Exact | Nan, ...]

    def matches(self, value: Value | Ref) -> bool:
        if not isinstance(value, Value) or value.type != "v128":
            return False
        lane_type = SHAPES[self.shape][1]
        width = WIDTHS[lane_type]
        for index, lane in enumerate(self.lanes):
            bits = (value.bits >> (index * width)) & ((1 << width) - 1)
            if not lane.matches(Value(lane_type, bits)):
                return False
        return True

    __str__ = Ref.__str__

    def wat(self) -> str:
        lane_type = SHAPES[self.shape][1]
        shown = (
            lane.which if isinstance(lane, Nan) else _show_number(lane_type, lane.bits)
            for lane in self.lanes
        )
        return f"(v128.const {self.shape} {' '.join(shown)})"


# Which actual kinds an expected abstract kind takes in.
_EQ = frozenset({"i31", "struct", "array"})
_WIDER = {"eq": _EQ, "any": _EQ | {"any", "host"}}


@dataclass(frozen=True)
class RefPattern:
    """A reference of a kind: `null` (any null), `func`, `extern`/`host` (with its number,
    when given), `i31`, `struct`, `array`, `eq`, `any`, `exn`."""

    kind: str
    number: int | None = None

    def matches(self, value: Value | Ref) -> bool:
        if not isinstance(value, Ref):
            return False
        if self.kind in _WIDER:
            return value.kind in _WIDER[self.kind]
        if value.kind != self.kind:
            return False
        return self.kind not in ("extern", "host") or self.number in (None, value.number)

    __str__ = Ref.__str__

    def wat(self) -> str:
        return Ref(self.kind, self.number).wat()


@dataclass(frozen=True)
class Either:
    """One of several patterns (the spec's `either`)."""

    alternatives: tuple[Pattern, ...]

    def matches(self, value: Value | Ref) -> bool:
        return any(alternative.matches(value) for alternative in self.alternatives)

    __str__ = Ref.__str__

    def wat(self) -> str:
        return "(either " + " ".join(p.wat() for p in self.alternatives) + ")"


Pattern = Exact | Nan | Lanes | RefPattern | Either


def all_match(patterns: tuple[Pattern, ...], values: list[Value | Ref]) -> bool:
    return len(patterns) == len(values) and all(
        pattern.matches(value) for pattern, value in zip(patterns, values, strict=True)
    )


# --- a case's TYPE:VALUE --------------------------------------------------------------


def parse_value(text: object) -> Value:
    """An argument such as `i32:-1`, `f64:0x1.8p+0`, `f32:nan:0x200000`."""
    kind, literal = _split(text)
    return Value(kind, _literal_bits(kind, literal))


def parse_expected(text: object) -> Exact | Nan:
    """An expected result; also `f32:nan` (any NaN), `f64:nan:canonical`, …"""
    kind, literal = _split(text)
    if kind in FLOAT_FORMATS and literal.lower() in NAN_PATTERNS:
        return Nan(kind, literal.lower())
    return Exact(kind, _literal_bits(kind, literal))


def _split(text: object) -> tuple[str, str]:
    if not isinstance(text, str) or ":" not in text:
        raise ValueSyntaxError(
            f"expected a typed value such as 'i32:42' or 'f64:nan', got {text!r}"
        )
    kind, literal = (part.strip() for part in text.split(":", 1))
    if kind not in NUMERIC_TYPES:
        raise ValueSyntaxError(
            f"unknown value type {kind!r} in {text!r} (one of {', '.join(NUMERIC_TYPES)})"
        )
    if not literal:
        raise ValueSyntaxError(f"missing value after {kind!r} in {text!r}")
    return kind, literal


def _literal_bits(kind: str, literal: str) -> int:
    if kind in FLOAT_FORMATS:
        return float_bits(literal, kind)
    try:
        return int_bits(literal, WIDTHS[kind])
    except ValueSyntaxError as error:
        if "fit" in str(error):
            width = WIDTHS[kind]
            raise ValueSyntaxError(f"{kind}:{literal} does not fit in {width} bits") from None
        raise ValueSyntaxError(f"not an integer: {kind}:{literal}") from None


# --- showing values -------------------------------------------------------------------


def _describe(kind: str, bits: int) -> str:
    """A case's notation: signed integers, floats with NaN payloads, v128 as hex."""
    if kind == "v128":
        return f"0x{bits:032x}"
    if kind not in FLOAT_FORMATS:
        width = WIDTHS[kind]
        return str(bits - (1 << width) if bits >> (width - 1) else bits)
    number = _float(kind, bits)
    if math.isnan(number):
        width, fraction_bits = WIDTHS[kind], FLOAT_FORMATS[kind][1]
        sign = "-" if bits >> (width - 1) else ""
        payload = bits & ((1 << fraction_bits) - 1)
        canonical = payload == 1 << (fraction_bits - 1)
        return f"{sign}nan" if canonical else f"{sign}nan:{payload:#x}"
    return repr(number)


def _show_number(kind: str, bits: int) -> str:
    """A script's notation: signed integers, floats with their bits."""
    if kind not in FLOAT_FORMATS:
        width = WIDTHS[kind]
        return str(bits - (1 << width) if bits >> (width - 1) else bits)
    digits = WIDTHS[kind] // 4
    return f"{_float(kind, bits)!r} (0x{bits:0{digits}x})"


def _float(kind: str, bits: int) -> float:
    if kind == "f32":
        return struct.unpack("<f", struct.pack("<I", bits))[0]
    return struct.unpack("<d", struct.pack("<Q", bits))[0]
