"""Judging a host's answers to a script's directives against what the script expects.

Values: bit-exact numbers, `nan:canonical` / `nan:arithmetic`, v128 lane by lane,
reference kinds, `either`. Failures are judged by their kind (trap, exhaustion, exception,
refused at compile or at instantiation), not by the engine's text, which differs between
engines; both texts are kept for the report.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from ..protocol import DirectiveAnswer
from .numbers import FLOAT_FORMATS
from .script import LANE_BITS

PASS, FAIL, SKIP, OFF = "pass", "fail", "skip", "off"
# Engines that do not mark stack exhaustion say so in their message.
EXHAUSTION_TEXT = re.compile(r"stack|exhaust|recursion|overflow|too much", re.IGNORECASE)
EQ_KINDS = {"i31", "struct", "array"}
ANY_KINDS = EQ_KINDS | {"any", "host"}
# Expected kinds that a host answering just "any" (a reference it cannot look into) may be.
OPAQUE = {"host", "struct", "array", "eq"}


@dataclass(frozen=True)
class Verdict:
    status: str  # pass | fail | skip | off
    expected: str = ""
    actual: str = ""
    message: str = ""  # the engine's own text, or the reason of a skip


def matches(pattern: tuple, value: dict) -> bool:
    kind = pattern[0]
    if kind == "either":
        return any(matches(alternative, value) for alternative in pattern[1])
    if kind == "num":
        return value.get("type") == pattern[1] and int(value.get("value", -1)) == pattern[2]
    if kind == "nan":
        return value.get("type") == pattern[1] and _nan_matches(
            pattern[1], int(value["value"]), pattern[2]
        )
    if kind == "v128":
        if value.get("type") != "v128":
            return False
        bits, width = int(value["value"]), LANE_BITS[pattern[1]]
        mask = (1 << width) - 1
        for index, lane in enumerate(pattern[2]):
            lane_bits = (bits >> (index * width)) & mask
            if lane[0] == "num" and lane_bits != lane[2]:
                return False
            if lane[0] == "nan" and not _nan_matches(pattern[1], lane_bits, lane[2]):
                return False
        return True
    if kind == "ref":
        return _ref_matches(pattern[1], pattern[2], value)
    raise ValueError(f"unknown result pattern {pattern!r}")


def is_nan(kind: str, bits: int) -> bool:
    exponent_bits, fraction_bits = FLOAT_FORMATS[kind]
    exponent = (bits >> fraction_bits) & ((1 << exponent_bits) - 1)
    return exponent == (1 << exponent_bits) - 1 and bits & ((1 << fraction_bits) - 1) != 0


def _nan_matches(kind: str, bits: int, which: str) -> bool:
    exponent_bits, fraction_bits = FLOAT_FORMATS[kind]
    exponent = (bits >> fraction_bits) & ((1 << exponent_bits) - 1)
    fraction = bits & ((1 << fraction_bits) - 1)
    quiet = 1 << (fraction_bits - 1)
    if exponent != (1 << exponent_bits) - 1 or fraction == 0:
        return False
    return fraction == quiet if which == "canonical" else bool(fraction & quiet)


def _ref_matches(expected: str, number: int | None, value: dict) -> bool:
    if value.get("type") != "ref":
        return False
    actual = value.get("kind")
    if expected == "null":
        return actual == "null"
    if expected in ("extern", "host"):
        if actual != expected:
            return False
        return number is None or value.get("value") == str(number)
    if expected == "eq":
        return actual in EQ_KINDS
    if expected == "any":
        return actual in ANY_KINDS
    return actual == expected


def judge_values(patterns: tuple, values: list[dict]) -> bool:
    return len(patterns) == len(values) and all(
        matches(pattern, value) for pattern, value in zip(patterns, values, strict=True)
    )


def undecidable(patterns: tuple, values: list[dict]) -> bool:
    """The values match except where a reference came back that the host cannot look into
    (a host reference held as anyref, a GC object through JavaScript): no verdict either
    way (a skip)."""
    if len(patterns) != len(values):
        return False
    unreadable = False
    for pattern, value in zip(patterns, values, strict=True):
        if pattern[0] == "ref" and pattern[1] in OPAQUE and value.get("kind") == "any":
            unreadable = True
        elif not matches(pattern, value):
            return False
    return unreadable


# Texts for the report: the script's own notation, so expected and actual read alike.
def show_pattern(pattern: tuple) -> str:
    kind = pattern[0]
    if kind == "either":
        return "(either " + " ".join(show_pattern(p) for p in pattern[1]) + ")"
    if kind == "num":
        return f"({pattern[1]}.const {_show_number(pattern[1], pattern[2])})"
    if kind == "nan":
        return f"({pattern[1]}.const nan:{pattern[2]})"
    if kind == "v128":
        lanes = " ".join(
            f"nan:{lane[2]}" if lane[0] == "nan" else _show_number(pattern[1], lane[2])
            for lane in pattern[2]
        )
        count = len(pattern[2])
        return f"(v128.const {pattern[1]}x{count} {lanes})"
    if pattern[1] == "null":
        return "(ref.null)"
    return f"(ref.{pattern[1]}" + (f" {pattern[2]})" if pattern[2] is not None else ")")


def show_value(value: dict) -> str:
    kind = value.get("type")
    if kind in ("i32", "i64", "f32", "f64"):
        return f"({kind}.const {_show_number(kind, int(value['value']))})"
    if kind == "v128":
        bits = int(value["value"])
        lanes = " ".join(f"0x{(bits >> (32 * i)) & 0xFFFFFFFF:08x}" for i in range(4))
        return f"(v128.const i32x4 {lanes})"
    if kind == "ref":
        if value.get("kind") == "null":
            return "(ref.null)"
        number = value.get("value")
        return f"(ref.{value.get('kind')}" + (f" {number})" if number is not None else ")")
    return repr(value)


def show_values(values: list[dict]) -> str:
    return " ".join(show_value(value) for value in values) or "(nothing)"


def _show_number(kind: str, bits: int) -> str:
    if kind in ("i8", "i16", "i32", "i64"):
        width = LANE_BITS[kind]
        signed = bits - (1 << width) if bits >> (width - 1) else bits
        return str(signed)
    if kind == "f32":
        number = struct.unpack("<f", struct.pack("<I", bits))[0]
        return f"{number!r} (0x{bits:08x})"
    number = struct.unpack("<d", struct.pack("<Q", bits))[0]
    return f"{number!r} (0x{bits:016x})"


def show_answer(answer: DirectiveAnswer) -> str:
    """What an answer says, in a few words, for the report's `actual` column."""
    status = answer.status
    if status == "return":
        return show_values(list(answer.values))
    if status == "reject":
        return f"refused at {answer.stage or '?'}"
    if status == "trap":
        return "stack exhaustion" if answer.exhaustion else "trap"
    if status in ("ok", "valid"):
        return "accepted"
    return str(status)
