"""WebAssembly values, for cases and spec scripts alike: the values hosts send back, and the
patterns results are held to (literals as bits are in literals.py).

On the wire (host protocol and results) a number travels as its bit pattern, an unsigned
decimal string, as in the spec interpreter's JSON scripts: no precision is lost, and NaN
payloads and -0.0 survive every JSON library. A v128 travels the same way (lane 0 lowest);
a reference as its kind (and the number of a host reference, the value of an i31).

Two notations: a case's `TYPE:VALUE` (`i32:-1`, `f64:nan:canonical`; `str()`) and a
script's `(i32.const -1)` (`.wat()`).
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass

from .literals import (
    FLOAT_FORMATS,
    NUMERIC_TYPES,
    SHAPES,
    WIDTHS,
    ValueSyntaxError,
    float_bits,
    int_bits,
    is_nan,
)

# The NaN patterns a case may expect instead of an exact value.
NAN_PATTERNS = ("nan", "nan:canonical", "nan:arithmetic")
# Reference kinds a host may answer (engines/protocol.md).
REF_KINDS = ("null", "extern", "host", "func", "i31", "struct", "array", "exn", "any")


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
