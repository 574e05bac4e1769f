"""Trap kinds for the Python hosts: the shared vocabulary (engines/protocol.md, "Trap
kinds") and the spec's own words for them, which most engines use in their messages.

Each engine's host puts its engine's own words before SPEC_WORDS (engine facts stay in the
engine's folder); the JavaScript engines' words are in js/traps.js. Standard library only:
it runs inside every engine's own environment.
"""

from __future__ import annotations

import re

UNREACHABLE = "unreachable"
DIVIDE = "integer divide by zero"
OVERFLOW = "integer overflow"
CONVERSION = "invalid conversion to integer"
MEMORY = "out of bounds memory access"
TABLE = "out of bounds table access"
UNDEFINED = "undefined element"
UNINITIALIZED = "uninitialized element"
MISMATCH = "indirect call type mismatch"
NULL = "null reference"
CAST = "cast failure"
ARRAY = "out of bounds array access"
UNALIGNED = "unaligned atomic"
STACK = "call stack exhausted"
TrapRules = list[tuple[re.Pattern, list[str]]]


def rules(*pairs: tuple[str, list[str]]) -> TrapRules:
    return [(re.compile(pattern, re.IGNORECASE), kinds) for pattern, kinds in pairs]


# Engines that word their traps in the spec's own words (wasmtime, wasmer, wasm3, wabt):
# each host puts its own rules before these. First match wins.
SPEC_WORDS = rules(
    (r"undefined element: out of bounds table access", [UNDEFINED, TABLE]),  # one trap for both
    (r"out of bounds memory access", [MEMORY]),
    (r"out of bounds table access", [TABLE]),
    (r"out of bounds array access", [ARRAY]),
    (r"undefined element", [UNDEFINED]),
    (r"uninitialized element", [UNINITIALIZED]),
    (r"indirect call type mismatch", [MISMATCH]),
    (r"integer divide by zero", [DIVIDE]),
    (r"integer overflow", [OVERFLOW]),
    (r"invalid conversion to integer", [CONVERSION]),
    (r"unreachable", [UNREACHABLE]),
    (r"null reference", [NULL]),
    (r"cast failure", [CAST]),
    (r"unaligned atomic|misaligned memory access", [UNALIGNED]),
    (r"call stack exhausted", [STACK]),
)


def trap_kinds(message: str, table: TrapRules) -> list[str]:
    """The kinds the first matching rule gives an engine's trap message; none if no rule
    matches (the kind is unknown)."""
    for pattern, kinds in table:
        if pattern.search(message):
            return kinds
    return []
