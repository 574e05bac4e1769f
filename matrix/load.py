"""Load cells: does an engine take a shipped module? (engines/protocol.md, "Load")

A `kind: load` case's cell compiles the module and instantiates it against generated
imports (every import stubbed from the module's own import section), then makes the
case's calls, if any, on that instance. The host's answer becomes one outcome:

* `pass`: compiled and instantiated (and every call returned what the case expects);
* `reject`: the engine refused it, with the engine's own message;
* `skip`: the engine cannot express one of the imports (its host says which), or the
  start function called a stub (the module needs its real host to start: not measured);
* `valid` / `invalid`: a validator-only engine accepted or refused it (nothing was
  executed; never `pass` or `reject`).
"""

from __future__ import annotations

import hashlib
import re

from .cases import Case
from .judging import Verdict
from .outcomes import Outcome
from .protocol import LoadAnswer
from .scanner import ScanError, scan
from .verdict import judge

# How engines say where in the module they stopped, and in which base: wasmtime, wasmer
# and SpiderMonkey "at offset N" (newer wasmtime "at offset 0xN"), V8 "@+N",
# JavaScriptCore "at byte N", WABT a hex offset before "error".
_OFFSETS = (
    (re.compile(r"at offset 0x([0-9a-f]+)", re.IGNORECASE), 16),
    (re.compile(r"at offset (\d+)"), 10),
    (re.compile(r"@\+(\d+)"), 10),
    (re.compile(r"at byte (\d+)"), 10),
    (re.compile(r"\b([0-9a-f]{7,8}): error", re.IGNORECASE), 16),
)


def judge_load(case: Case, answer: LoadAnswer, validator_only: bool = False) -> Verdict:
    status = answer.status
    if status == "valid":
        return Verdict(Outcome.VALID, "validates (validator only: nothing was instantiated)")
    if validator_only and status == "reject":
        return judge(case, answer, validator_only)  # the validator's `invalid`
    if status == "stub":
        where = answer.stub or "an import"
        return Verdict(
            Outcome.SKIP,
            f"compiled; instantiating ran the start function, which called {where}: the "
            "module needs its real host to start (a load cell only stubs imports)",
        )
    if status == "unsupported":
        return Verdict(Outcome.SKIP, f"the engine cannot express an import: {answer.message}")
    verdict = judge(case, answer)
    if status != "ran" or verdict.outcome != Outcome.PASS:
        return verdict
    said = "compiled and instantiated"
    if answer.imports is not None:
        stubs = answer.imports
        said += f" against {stubs} generated import{'s' if stubs != 1 else ''}"
    calls = len(case.calls)
    if calls:
        said += f"; {calls} call{'s' if calls != 1 else ''} as expected"
    if answer.note:
        said += f" ({answer.note})"
    return Verdict(Outcome.PASS, said, verdict.unobserved)


def engine_offset(message: str) -> int | None:
    """The module offset an engine's message names, if it names one. JavaScriptCore counts
    from the function's body when it says "in function at index K": not a module offset."""
    if "in function at index" in message:
        return None
    for pattern, base in _OFFSETS:
        found = pattern.search(message)
        if found:
            return int(found.group(1), base)
    return None


def located(module: bytes, message: str) -> dict:
    """What the module scanner finds where the engine's message points: {"offset": N,
    "features": [{"feature", "offset", "evidence"}]}, or {} when the message names no
    offset (or nothing the scanner knows is there)."""
    offset = engine_offset(message)
    if offset is None or offset >= len(module):
        return {}
    key = (hashlib.sha256(module).hexdigest(), offset)
    if key not in _LOCATED:  # several engines refuse one module at the same place
        _LOCATED[key] = _located(bytes(module), offset)
    features = _LOCATED[key]
    return {"offset": offset, "features": list(features)} if features else {"offset": offset}


_LOCATED: dict[tuple[str, int], tuple[dict, ...]] = {}  # (module sha256, offset) → findings


def _located(module: bytes, offset: int) -> tuple[dict, ...]:
    try:
        report = scan(module, near=offset)
    except ScanError:
        return ()
    return tuple(
        {"feature": found.feature, "offset": found.first_offset, "evidence": found.evidence}
        for found in report.located
    )
