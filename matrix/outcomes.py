"""The outcomes a cell can end with (see docs/results.md)."""

from enum import StrEnum


class Outcome(StrEnum):
    PASS = "pass"  # ran and every call returned what the case expects
    FAIL = "fail"  # ran, wrong result
    TRAP = "trap"  # unexpected trap, or an expected trap that did not happen
    REJECT = "reject"  # the engine refused the module (decode, validation, compile, link)
    CRASH = "crash"  # the engine's process died
    TIMEOUT = "timeout"  # the cell ran past its time limit; the host was killed
    BUILD_ERROR = "build-error"  # the toolchain could not build the module
    SKIP = "skip"  # toolchain or engine not available, or profile not expressible
    ERROR = "error"  # a fault of the harness itself (or a bad case file)

    @property
    def symbol(self) -> str:
        return _SYMBOLS[self]


# Shown in tables; every symbol also carries its word so tables read without a legend.
_SYMBOLS = {
    Outcome.PASS: "✅",
    Outcome.FAIL: "❌",
    Outcome.TRAP: "💥",
    Outcome.REJECT: "🚫",
    Outcome.CRASH: "☠️",
    Outcome.TIMEOUT: "⏱️",
    Outcome.BUILD_ERROR: "🔨",
    Outcome.SKIP: "➖",
    Outcome.ERROR: "⚠️",
}

# Worst first: when several cells fold into one table cell, the worst one shows.
SEVERITY = [
    Outcome.ERROR,
    Outcome.CRASH,
    Outcome.TIMEOUT,
    Outcome.FAIL,
    Outcome.TRAP,
    Outcome.REJECT,
    Outcome.BUILD_ERROR,
    Outcome.SKIP,
    Outcome.PASS,
]


def worst(outcomes: list[Outcome]) -> Outcome:
    """The most severe of several outcomes (skip only wins over pass)."""
    return min(outcomes, key=SEVERITY.index)
