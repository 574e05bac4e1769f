"""Why an engine build refused a shipped module: the feature the scanner blames, and
whether wasm-opt's lowering would (and, measured, did) make the engine take it.

A refused load cell (matrix/load.py) is blamed, in this order, on

1. what the module scanner finds at the offset the engine's message names (`located`,
   recorded by the runner): the strongest evidence, the engine pointing at the bytes;
2. else the features the module uses whose feature probes did not pass on that engine
   build (from the same run, or the measured snapshot shipped with the package);
3. else a feature the engine's message names in words;
4. else nothing the scanner knows: an engine's limit, bug or missing API.

Every blamed feature says whether a wasm-opt pass removes it (the `lowered` profile runs
those passes), and when the run has the module's lowered build on the same engine, what
that cell's outcome was: the measured check of the blame.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field

from .outcomes import Outcome, worst
from .profiles import FEATURES_BY_NAME
from .records import CellResult
from .toolchains.wasm_opt import BINARYEN_VERSION, LOWERING_PASSES

LOWERED = "lowered"
# A probe that went as it should: executed and passed, or (on a validator-only build)
# validated; and one where the build refused the feature (a validator says invalid).
GOOD = (Outcome.PASS, Outcome.VALID)
REFUSES = (Outcome.REJECT, Outcome.INVALID)
# Words engines use for a feature, where the message names no offset (lower case).
MESSAGE_WORDS = {
    "simd128": ("simd", "v128"),
    "threads": ("shared memory", "atomic", "threads"),
    "exceptions": ("exception", "try instruction", "legacy_exceptions", "tag"),
    "memory64": ("memory64", "64-bit memor", "table64", "i64 index"),
    "reference-types": ("reference type", "reference_types", "externref", "funcref"),
    "multivalue": ("multi-value", "multi_value", "multivalue", "multiple return"),
    "bulk-memory": ("bulk memory", "bulk_memory", "memory.copy", "memory.fill"),
    "sign-ext": ("sign-ext", "sign_ext", "extend8", "extend16"),
    "nontrapping-fptoint": ("trunc_sat", "saturating", "nontrapping"),
    "tail-call": ("tail call", "tail_call", "return_call"),
    "gc": ("struct", "array.new", "gc "),
    "call-indirect-overlong": ("table index", "zero byte expected", "zero flag expected"),
}


@dataclass
class Blame:
    features: list[str]  # what the scanner blames ([] when nothing it knows)
    how: str  # how the blame was found, in words
    lowering: str  # what wasm-opt can do about it, in words
    fixable: bool | None  # whether a lowering pass removes every blamed feature
    lowered: CellResult | None = None  # the lowered build's cell on the same engine, if run
    details: list[str] = field(default_factory=list)

    @property
    def checked(self) -> str:
        """The measured check: what the lowered build did on this engine."""
        if self.lowered is None:
            return "not measured (the case has no lowered build)"
        outcome = self.lowered.outcome
        uses = ", ".join(self.lowered.module_uses) or "nothing beyond mvp"
        if outcome in (Outcome.PASS, Outcome.VALID):
            return f"lowered build: {outcome} (it uses {uses})"
        brief = " ".join(self.lowered.message.split())[:160]
        return f"lowered build: {outcome} (it still uses {uses}): {brief}"


def probe_outcomes(records: list[CellResult]) -> dict[str, dict[str, Outcome]]:
    """engine → feature → the worst outcome of that feature's probes on it (skips left out)."""
    found: dict[str, dict[str, list[Outcome]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        if record.kind != "probe" or record.outcome == Outcome.SKIP or record.control:
            continue  # a control is wrong on purpose: it says nothing about the engine
        for feature in record.features:
            found[record.engine][feature].append(Outcome(record.outcome))
    return {
        engine: {feature: worst(outcomes) for feature, outcomes in features.items()}
        for engine, features in found.items()
    }


def blame(
    record: CellResult, probes: dict[str, Outcome], lowered: CellResult | None = None
) -> Blame:
    """Why `record` (a refused load cell) was refused; `probes` the engine's probe outcomes."""
    located = record.located
    uses = list(record.module_uses)
    counts = record.module_counts
    if probes.get("mvp") not in (None, *GOOD):
        return Blame(
            [],
            f"this engine build fails its mvp probe too ({probes['mvp']}): not this module's doing",
            "nothing to lower: the engine build itself fails",
            None,
            lowered,
        )
    failing = [f for f in uses if probes.get(f) not in (None, *GOOD)]
    pointed = located.get("features", [])
    # An engine's offset can land a few bytes past the cause (gjs names the import after a
    # shared memory): what it points at, when its probes pass there, yields to a feature
    # it refuses and names in its message. (Otherwise it stays: legacy exceptions, or a
    # 64-bit table, are refused by engines whose exceptions or memory64 probes pass.)
    # Features this engine refuses that its message names.
    named_here = _named(record.message, [f for f in failing if probes[f] in REFUSES])
    astray = bool(
        pointed and named_here and all(probes.get(found["feature"]) in GOOD for found in pointed)
    )
    if pointed and not astray:
        features = [found["feature"] for found in pointed]
        evidence = "; ".join(found["evidence"] for found in pointed)
        how = f"the engine's message points at offset {located['offset']}: {evidence}"
    elif failing:
        # Of the failing features, those the engine's message names, if it names any.
        features = named_here if astray else (_named(record.message, failing) or failing)
        how = "the module uses " + ", ".join(
            f"{f} ({counts.get(f, '?')}×), whose probes {probes[f]} on this engine"
            for f in features
        )
        if astray:
            evidence = "; ".join(found["evidence"] for found in pointed)
            how += f" (its offset {located['offset']} lands on {evidence}, which passes here)"
    else:
        features = _named(record.message, uses)
        how = (
            "the engine's message names " + ", ".join(features)
            if features
            else "the scanner finds nothing this module uses that the engine lacks "
            "(by its probes): an engine limit, bug or API, not a feature"
        )
    lowering, fixable = lowering_for(features, uses)
    if features == ["exceptions"] and LEGACY in how and probes.get("exceptions") in GOOD:
        # The engine has exception handling, in its final form only: the legacy encoding
        # is what it refuses, and wasm-opt rewrites that (measured: wasm-vips's main module
        # loads on wasmtime-50.0.1 after --translate-to-exnref).
        lowering = (
            f"wasm-opt (binaryen {BINARYEN_VERSION}): --translate-to-exnref rewrites legacy "
            "try/catch as try_table/exnref, which this engine's exceptions probe passes"
        )
        fixable = True
    return Blame(features, how, lowering, fixable, lowered)


LEGACY = "legacy exception handling"


def _named(message: str, uses: list[str]) -> list[str]:
    text = message.lower()
    return [f for f in uses if any(word in text for word in MESSAGE_WORDS.get(f, ()))]


def lowering_for(features: list[str], uses: list[str]) -> tuple[str, bool | None]:
    """What wasm-opt can do about the blamed features: words, and whether all can go."""
    if not features:
        return "nothing to lower: no feature is blamed", None
    said, fixable = [], True
    for feature in features:
        passes = LOWERING_PASSES.get(feature)
        if passes:
            said.append(f"{feature}: {passes}")
        else:
            fixable = False
            title = FEATURES_BY_NAME[feature].title if feature in FEATURES_BY_NAME else feature
            said.append(f"{feature}: no wasm-opt pass lowers {title}")
    return f"wasm-opt (binaryen {BINARYEN_VERSION}): " + "; ".join(said), fixable


def lowered_cells(records: list[CellResult]) -> dict[tuple[str, str], CellResult]:
    """(case, engine) → the cell of the case's lowered build."""
    return {(r.case, r.engine): r for r in records if r.kind == "load" and r.profile == LOWERED}


_SPACES = re.compile(r"\s+")


def brief(text: str, limit: int = 200) -> str:
    """An engine's message on one line (engines put the cause last: keep both ends)."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    joined = lines[0] if len(lines) < 2 else f"{lines[0]} … {lines[-1]}"
    joined = _SPACES.sub(" ", joined)
    return joined if len(joined) <= limit else joined[: limit - 1] + "…"
