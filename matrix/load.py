"""Load cells: does an engine take a shipped module? (engines/protocol.md, "Load")

A `kind: load` case's cell compiles the module and instantiates it against generated
imports (every import stubbed from the module's own import section), then makes the
case's calls, if any, on that instance. The host's answer becomes one outcome:

* `pass`: compiled and instantiated (and every call returned what the case expects);
* `reject`: the engine refused it, with the engine's own message;
* `skip`: the engine cannot express one of the imports (its host says which), or the
  start function called a stub (the module needs its real host to start: not measured);
* `valid`: a validator-only engine accepted it (nothing was executed).
"""

from __future__ import annotations

from .cases import Case
from .outcomes import Outcome
from .verdict import Verdict, judge


def request(module_base64: str, case: Case, limits: dict) -> dict:
    """The host request for a load cell."""
    return {
        "cmd": "load",
        "module": module_base64,
        "calls": [
            {"invoke": call.invoke, "args": [arg.to_wire() for arg in call.args]}
            for call in case.calls
        ],
        "limits": limits,
    }


def judge_load(case: Case, answer: dict) -> Verdict:
    status = answer.get("status")
    if status == "valid":
        return Verdict(Outcome.VALID, "validates (validator only: nothing was instantiated)")
    if status == "stub":
        where = answer.get("import") or "an import"
        return Verdict(
            Outcome.SKIP,
            f"compiled; instantiating ran the start function, which called {where}: the "
            "module needs its real host to start (a load cell only stubs imports)",
        )
    if status == "unsupported":
        return Verdict(
            Outcome.SKIP, f"the engine cannot express an import: {answer.get('message', '')}"
        )
    verdict = judge(case, answer)
    if status != "ran" or verdict.outcome != Outcome.PASS:
        return verdict
    stubs = answer.get("imports")
    said = "compiled and instantiated"
    if stubs is not None:
        said += f" against {stubs} generated import{'s' if stubs != 1 else ''}"
    calls = len(case.calls)
    if calls:
        said += f"; {calls} call{'s' if calls != 1 else ''} as expected"
    if answer.get("note"):
        said += f" ({answer['note']})"
    return Verdict(Outcome.PASS, said)


def too_large(size: int, limit: int | None, why: str, engine: str) -> str | None:
    """Why a module of `size` bytes is beyond an engine build's limit, or None."""
    if limit is None or size <= limit:
        return None
    return (
        f"the module is {size / 2**20:.1f} MiB; {engine} takes modules up to "
        f"{limit / 2**20:.1f} MiB ({why})"
    )
