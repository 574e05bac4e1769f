"""The outcomes a cell can end with (see docs/results.md)."""

from enum import StrEnum


class Outcome(StrEnum):
    PASS = "pass"  # ran and every call returned what the case expects
    VALID = "valid"  # a validator-only engine accepts the module: nothing was executed
    INVALID = "invalid"  # a validator-only engine refuses the module: nothing was executed
    FAIL = "fail"  # ran, wrong result
    TRAP = "trap"  # unexpected trap, or an expected trap that did not happen
    REJECT = "reject"  # the engine refused the module (decode, validation, compile, link)
    CRASH = "crash"  # the engine's process died, or the engine failed (not a trap)
    TIMEOUT = "timeout"  # the cell ran past its time limit; the host was killed
    BUILD_ERROR = "build-error"  # the toolchain could not build the module
    SKIP = "skip"  # toolchain or engine not available, or profile not expressible
    ERROR = "error"  # a fault of the harness itself (or a bad case file)

    @property
    def symbol(self) -> str:
        return _SYMBOLS[self]

    @property
    def letter(self) -> str:
        """One letter for places without emoji fonts (the site): shown on the outcome's
        colour, so colour-blind readers and text browsers see the same thing."""
        return _LETTERS[self]

    @property
    def meaning(self) -> str:
        """One line for a report's legend."""
        return _MEANINGS[self]


# Shown in tables; every symbol also carries its word so tables read without a legend.
_SYMBOLS = {
    Outcome.PASS: "✅",
    Outcome.VALID: "☑️",
    Outcome.INVALID: "⛔",
    Outcome.FAIL: "❌",
    Outcome.TRAP: "💥",
    Outcome.REJECT: "🚫",
    Outcome.CRASH: "☠️",
    Outcome.TIMEOUT: "⏱️",
    Outcome.BUILD_ERROR: "🔨",
    Outcome.SKIP: "➖",
    Outcome.ERROR: "⚠️",
}

# Unique per outcome; timeout is O ("over the time limit"), T being trap.
_LETTERS = {
    Outcome.PASS: "P",
    Outcome.VALID: "V",
    Outcome.INVALID: "I",
    Outcome.FAIL: "F",
    Outcome.TRAP: "T",
    Outcome.REJECT: "R",
    Outcome.CRASH: "C",
    Outcome.TIMEOUT: "O",
    Outcome.BUILD_ERROR: "B",
    Outcome.SKIP: "S",
    Outcome.ERROR: "E",
}

_MEANINGS = {
    Outcome.PASS: "ran, every result checked bit for bit and every trap of the expected kind",
    Outcome.VALID: "a validator-only engine accepts the module (nothing was executed)",
    Outcome.INVALID: "a validator-only engine refuses the module (nothing was executed)",
    Outcome.FAIL: "ran, wrong result",
    Outcome.TRAP: "unexpected trap, or an expected trap that did not happen",
    Outcome.REJECT: "the engine refused the module (decode, validation, compile, link)",
    Outcome.CRASH: "the engine's process died, or the engine failed in a way that is not a trap",
    Outcome.TIMEOUT: "over the time limit: the engine interrupted the module, or the host "
    "was killed",
    Outcome.BUILD_ERROR: "the toolchain could not build the module",
    Outcome.SKIP: "not measured (toolchain or engine missing, or profile not expressible)",
    Outcome.ERROR: "a fault of the harness or a bad case file",
}

# Worst first: when several cells fold into one table cell, the worst one shows.
SEVERITY = [
    Outcome.ERROR,
    Outcome.CRASH,
    Outcome.TIMEOUT,
    Outcome.FAIL,
    Outcome.TRAP,
    Outcome.REJECT,
    Outcome.INVALID,
    Outcome.BUILD_ERROR,
    Outcome.SKIP,
    Outcome.VALID,
    Outcome.PASS,
]
# What a validator-only engine can say: never counted as executed (pass rates, badges).
VALIDATION = frozenset({Outcome.VALID, Outcome.INVALID})
# Cells that went as they should: a pass, or a validator saying valid (no details needed).
AS_EXPECTED = frozenset({Outcome.PASS, Outcome.VALID})


def executes(record) -> bool:
    """Whether a result record (records.CellResult) comes from an engine build that
    executes modules: a validator-only build's records never count as executed (pass rates,
    badges, history)."""
    return record.executes is not False and record.outcome not in VALIDATION


def worst(outcomes: list[Outcome]) -> Outcome:
    """The most severe of several outcomes (skip only wins over pass)."""
    return min(outcomes, key=SEVERITY.index)


def measures_engine(record) -> bool:
    """Whether a record says something about its engine: executed, and not a control (a
    control checks the harness; its cells are meant not to pass)."""
    return executes(record) and not record.control
