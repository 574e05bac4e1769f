"""Text-format number literals as bits: integers, floats (decimal and hex, exactly
rounded to nearest-even), `inf`, `nan`, `nan:0x…`.

Rounding goes through exact fractions, so a literal like 1.00000005960464477550 gives the
same f32 bits as a real assembler (no double rounding through a Python float).
"""

from __future__ import annotations

import re
from fractions import Fraction

# (exponent bits, fraction bits) of each float type.
FLOAT_FORMATS = {"f32": (8, 23), "f64": (11, 52)}
INT_WIDTHS = {"i8": 8, "i16": 16, "i32": 32, "i64": 64}


class LiteralError(ValueError):
    pass


def int_bits(text: str, width: int) -> int:
    """An integer literal (signed or unsigned, decimal or hex) as `width` bits."""
    clean = text.replace("_", "")
    negative = clean.startswith("-")
    body = clean.lstrip("+-")
    try:
        value = int(body, 16) if body.lower().startswith("0x") else int(body, 10)
    except ValueError:
        raise LiteralError(f"not an integer: {text!r}") from None
    if negative:
        if value > 1 << (width - 1):
            raise LiteralError(f"{text} does not fit in {width} bits")
        value = -value
    elif value >= 1 << width:
        raise LiteralError(f"{text} does not fit in {width} bits")
    return value & ((1 << width) - 1)


_HEX_FLOAT = re.compile(r"0x([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?[0-9]+))?$")


def float_bits(text: str, kind: str) -> int:
    """A float literal as the bits of an f32 or f64."""
    exponent_bits, fraction_bits = FLOAT_FORMATS[kind]
    width = 1 + exponent_bits + fraction_bits
    sign_bit = 1 << (width - 1)
    all_ones = ((1 << exponent_bits) - 1) << fraction_bits
    clean = text.replace("_", "").lower()
    negative = clean.startswith("-")
    body = clean.lstrip("+-")
    sign = sign_bit if negative else 0
    if body == "inf":
        return sign | all_ones
    if body == "nan":
        return sign | all_ones | (1 << (fraction_bits - 1))
    if body.startswith("nan:0x"):
        payload = int(body[6:], 16)
        if not 0 < payload < 1 << fraction_bits:
            raise LiteralError(f"NaN payload out of range: {text!r}")
        return sign | all_ones | payload
    value = _exact(body, text)
    return sign | _round(value, exponent_bits, fraction_bits, text)


def _exact(body: str, text: str) -> Fraction:
    if body.startswith("0x"):
        match = _HEX_FLOAT.match(body)
        if not match or not (match.group(1) or match.group(2)):
            raise LiteralError(f"not a float: {text!r}")
        whole, fraction, exponent = match.group(1) or "", match.group(2) or "", match.group(3)
        mantissa = int(whole + fraction or "0", 16)
        power = int(exponent or 0) - 4 * len(fraction)
        return mantissa * Fraction(2) ** power
    try:
        return Fraction(body)
    except ValueError:
        raise LiteralError(f"not a float: {text!r}") from None


def _round(value: Fraction, exponent_bits: int, fraction_bits: int, text: str) -> int:
    """The nearest representable magnitude (ties to even) as bits, without the sign."""
    if value == 0:
        return 0
    bias = (1 << (exponent_bits - 1)) - 1
    min_exponent = 1 - bias
    # Find e with 2^e <= value < 2^(e+1).
    exponent = value.numerator.bit_length() - value.denominator.bit_length()
    if Fraction(2) ** exponent > value:
        exponent -= 1
    exponent = max(exponent, min_exponent)  # subnormals share the smallest exponent
    scaled = value / Fraction(2) ** (exponent - fraction_bits)  # mantissa with its point
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
        raise LiteralError(f"float constant out of range: {text!r}")
    return (biased << fraction_bits) | (mantissa & ((1 << fraction_bits) - 1))
