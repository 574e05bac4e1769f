"""Trap kinds: one vocabulary for what a trap was (engines/protocol.md, "Trap kinds").

Hosts map their engine's traps to these kinds (the engine's trap code or its words, in
each engine's host); a case's `trap:` text and a spec script's `assert_trap` /
`assert_exhaustion` text map to them here. Verdicts then compare kinds, never message
texts (which differ between engines), as wasmtime's differential fuzzing does.
"""

from __future__ import annotations

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

KINDS = (
    UNREACHABLE,
    DIVIDE,
    OVERFLOW,
    CONVERSION,
    MEMORY,
    TABLE,
    UNDEFINED,
    UNINITIALIZED,
    MISMATCH,
    NULL,
    CAST,
    ARRAY,
    UNALIGNED,
    STACK,
)

# Other words the spec suite (and people) use for a kind.
ALIASES = {
    "unreachable executed": UNREACHABLE,
    "null function reference": NULL,
    "null structure reference": NULL,
    "null array reference": NULL,
    "null i31 reference": NULL,
    "null descriptor reference": NULL,
    "descriptor cast failure": CAST,
    "stack exhaustion": STACK,
    "stack overflow": STACK,
}


# A line for every report's legend.
LEGEND = (
    "Traps are compared by kind, never by their message text ("
    + "; ".join(KINDS)
    + "). A trap of another kind fails; where an engine does not show the kind (or words "
    'several kinds alike) an expected trap passes on "it trapped" and is counted apart.'
)


def kind_of(text: str) -> str | None:
    """The kind a trap's expected text names: a word of the vocabulary or an alias, also
    followed by more words (the suite writes `uninitialized element 2`); None when it names
    none (then only "it trapped" can be checked)."""
    words = " ".join(text.lower().split())
    for name in sorted((*KINDS, *ALIASES), key=len, reverse=True):
        if words == name or words.startswith(name + " ") or words.startswith(name + ":"):
            return ALIASES.get(name, name)
    return None


def describe(kinds: list[str] | tuple[str, ...]) -> str:
    """The kinds a trap was, as a reader reads them."""
    if not kinds:
        return "a trap of no known kind"
    return " or ".join(kinds)
