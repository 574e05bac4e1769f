"""Values between the wire (bits) and the Python numbers an embedding API takes and gives,
for the Python hosts (engines/pyhost.py has the protocol loop). Standard library only.

A Python float is an f64: every f64 and every f32 but a signalling NaN survives the trip,
so what cannot cross exactly is `Unsupported` (a skip), never sent or read changed.
"""

from __future__ import annotations

import struct

from pyhost import CallError, Unsupported

F32_QUIET, F32_EXPONENT, F32_LOW = 0x400000, 0x7F800000, 0x3FFFFF
SIGNALLING_ARGUMENT = (
    "an f32 signalling NaN cannot cross this engine's API exactly "
    "(it takes a Python float, which quiets it)"
)
AMBIGUOUS_RESULT = (
    "an f32 NaN result crosses this engine's API as a Python float, which quiets a signalling "
    "NaN: whether it was signalling cannot be told"
)


def bits_to_python(value: dict) -> int | float:
    """A wire value as the Python number an embedding API takes (signed ints, floats).

    A Python float is an f64: every f64 and every f32 but a signalling NaN survives the
    trip (widening an f32 quiets it), so those are Unsupported rather than sent changed."""
    kind, bits = value["type"], int(value["value"])
    if kind == "i32":
        return bits - (1 << 32) if bits >> 31 else bits
    if kind == "i64":
        return bits - (1 << 64) if bits >> 63 else bits
    if kind == "f32":
        if bits & F32_EXPONENT == F32_EXPONENT and bits & F32_LOW and not bits & F32_QUIET:
            raise Unsupported(SIGNALLING_ARGUMENT)
        return struct.unpack("<f", struct.pack("<I", bits))[0]
    if kind == "f64":
        return struct.unpack("<d", struct.pack("<Q", bits))[0]
    raise CallError(f"values of type {kind} cannot be passed by this host")


def check_arguments(name: str, params: list[str], args: list[dict]) -> None:
    """The call's arguments must match the export's parameter types, one for one."""
    if len(params) != len(args):
        raise CallError(f"{name} takes {len(params)} arguments, {len(args)} given")
    for kind, arg in zip(params, args, strict=True):
        if kind != arg["type"]:
            raise CallError(f"{name} takes {kind}, the case gives {arg['type']}")


def python_to_wire(kind: str, number: int | float) -> dict:
    if kind == "i32":
        bits = number & 0xFFFFFFFF
    elif kind == "i64":
        bits = number & 0xFFFFFFFFFFFFFFFF
    elif kind == "f32":
        bits = struct.unpack("<I", struct.pack("<f", number))[0]
        if bits & F32_EXPONENT == F32_EXPONENT and bits & F32_LOW:
            # A quiet NaN with payload bits: it may have been signalling in the engine.
            raise Unsupported(AMBIGUOUS_RESULT)
    elif kind == "f64":
        bits = struct.unpack("<Q", struct.pack("<d", number))[0]
    else:
        raise CallError(f"results of type {kind} cannot be read by this host")
    return {"type": kind, "value": str(bits)}
