"""What case cells and spec cells judge alike: a cell's verdict, an engine that is not
there, a host that died, hung or spoke nonsense, and a trap held to the kind expected.

`matrix/verdict.py` (case cells) and `matrix/spec/` (spec cells) use these, so the same
rule cannot be two rules that drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass

from .engines import EngineBuild
from .hosts import HostDied, HostProtocolError, HostTimedOut
from .outcomes import Outcome
from .protocol import CallAnswer, DirectiveAnswer
from .provision import how_to_get
from .traps import KINDS, describe

UNOBSERVED = "trap kind not observable on this engine"


@dataclass(frozen=True)
class Verdict:
    """How a cell ended and why; `unobserved`: expected traps that passed on "it trapped"
    alone, because the engine did not show which trap it was (counted apart in reports)."""

    outcome: Outcome
    message: str
    unobserved: int = 0


def engine_unavailable(build: EngineBuild) -> Verdict:
    return Verdict(
        Outcome.SKIP,
        f"engine {build.id} is not available here; get it with: {how_to_get(build)}",
    )


def host_failure(error: Exception) -> Verdict:
    """A host that died is a crash, one that hung a timeout; one that answered what is not
    a protocol message is the harness's own fault."""
    if isinstance(error, HostDied):
        return Verdict(Outcome.CRASH, str(error))
    if isinstance(error, HostTimedOut):
        return Verdict(Outcome.TIMEOUT, str(error))
    if isinstance(error, HostProtocolError):
        return Verdict(Outcome.ERROR, str(error))
    raise error


@dataclass(frozen=True)
class TrapCheck:
    """A trap held to the kind expected: `matches` whether it may pass; `observed` whether
    the engine showed that it was exactly that kind; `note` what a reader should know."""

    matches: bool
    observed: bool
    note: str = ""


def known_kinds(kinds: tuple[str, ...]) -> list[str]:
    """The kinds a host gave a trap that are in the vocabulary (a host cannot invent kinds)."""
    return [kind for kind in kinds if kind in KINDS]


def check_trap(expected: str | None, answer: CallAnswer | DirectiveAnswer) -> TrapCheck:
    """Hold a trap to an expected kind (None: the expectation names no kind, so any trap
    does). A trap of another known kind does not match; a trap the engine gives no kind,
    or words alike for several kinds, matches on "it trapped" and says so."""
    kinds = known_kinds(answer.kinds)
    if expected is None:
        return TrapCheck(True, True)
    if not kinds:
        return TrapCheck(True, False, UNOBSERVED)
    if expected not in kinds:
        return TrapCheck(False, True, f"trapped with {describe(kinds)}, expected {expected}")
    if len(kinds) > 1:
        return TrapCheck(True, False, f"{UNOBSERVED} (its message says {describe(kinds)})")
    return TrapCheck(True, True)
