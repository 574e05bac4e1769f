"""`wasm-matrix check MODULE.wasm`: what a module uses, where it runs, and what would widen that.

The module scanner says which features the module uses; a measured run says, per engine
build, whether each feature's probes passed. A build runs the module when every feature
it uses passed there. A validator-only build (binaryen.js, wabt.js) runs nothing: it is
listed apart, as validating the module when every feature's probes were `valid` there.
For each feature that keeps some builds out, the remedies a producer has (a compiler flag,
a wasm-opt pass) and the builds each would win back.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .analysis.versions import version_key
from .neighbours import Neighbour, closest
from .outcomes import VALIDATION, Outcome, worst
from .profiles import FEATURES_BY_NAME, dependents
from .records import CellResult
from .scanner import ScanReport, scan
from .toolchains.wasm_opt import BINARYEN_VERSION, LOWERING_PASSES

# wasm-opt's lowering pass for a feature (binaryen 132, see matrix/toolchains/wasm_opt.py).
WASM_OPT_LOWERING = {
    feature: passes
    for feature, passes in LOWERING_PASSES.items()
    if feature != "call-indirect-overlong"  # said in full in remedies()
}


def remedies(feature: str) -> list[str]:
    """How a producer stops a module from using `feature` (measured where it says so)."""
    if feature == "call-indirect-overlong":
        return [
            "clang ≤ 21: rebuild with -mno-reference-types (with reference-types on, clang 19 "
            "encodes every call_indirect table index in 5 bytes)",
            "clang 22: -mno-reference-types (measured: -mno-call-indirect-overlong alone "
            "still emits 5 bytes while reference-types is on)",
            "rustc: -C target-feature=-reference-types",
            f"wasm-opt (binaryen {BINARYEN_VERSION}): reading and writing the module re-encodes "
            "the index in one byte: `wasm-opt in.wasm -o out.wasm`",
        ]
    info = FEATURES_BY_NAME.get(feature)
    found = []
    if info is not None and info.llvm:
        found.append(f"clang: rebuild with -mno-{info.llvm} (or -mcpu=mvp for no features)")
        found.append(f"rustc: -C target-feature=-{info.llvm}")
    if feature in WASM_OPT_LOWERING:
        found.append(
            f"wasm-opt (binaryen {BINARYEN_VERSION}): {WASM_OPT_LOWERING[feature]}, then "
            "--strip-target-features"
        )
    if not found:
        found.append("no flag or lowering pass removes it: the source must avoid it")
    return found


@dataclass
class EngineVerdict:
    engine: str
    family: str
    version: str
    disabled: list[str]
    missing: dict[str, tuple[Outcome, str]] = field(default_factory=dict)  # failed features
    unmeasured: list[str] = field(default_factory=list)
    validator: bool = False  # a validator-only build: it can validate the module, not run it

    @property
    def fits(self) -> bool:
        """Every feature the module uses passed (or, on a validator, validated) here."""
        return not self.missing and not self.unmeasured

    @property
    def runs(self) -> bool:
        return self.fits and not self.validator

    @property
    def validates(self) -> bool:
        return self.fits and self.validator


@dataclass
class CheckResult:
    module: Path
    size: int
    report: ScanReport
    run_name: str
    verdicts: list[EngineVerdict]
    widen: list[tuple[str, list[str], list[str]]]  # feature, remedies, engines won back
    neighbours: list[Neighbour] = field(default_factory=list)  # closest shipped modules
    neighbours_from: str = ""  # the run (or snapshot) their load cells come from
    measured_in: str = ""  # which run (or the shipped snapshot), when it started, its age
    source: str = "run"  # "run" or "snapshot"


def probe_results(records: list[CellResult]) -> dict[str, dict[str, list[CellResult]]]:
    """engine -> feature -> that feature's probe records on that engine."""
    table: dict[str, dict[str, list[CellResult]]] = defaultdict(lambda: defaultdict(list))
    for record in records:
        if record.kind != "probe" or record.outcome == Outcome.SKIP:
            continue
        if record.control:  # wrong on purpose: it says nothing about the engine
            continue
        for feature in record.features:
            table[record.engine][feature].append(record)
    return table


def verdicts(needs: list[str], records: list[CellResult], run: dict) -> list[EngineVerdict]:
    probes = probe_results(records)
    facts = {e["id"]: e for e in run.get("engines", [])}
    engines = [e["id"] for e in run.get("engines", []) if e["id"] in probes]
    engines += sorted(e for e in probes if e not in engines)
    found = []
    for engine in engines:
        sample = next(r for rs in probes[engine].values() for r in rs)
        validator = any(
            r.executes is False or r.outcome in VALIDATION
            for rs in probes[engine].values()
            for r in rs
        )
        verdict = EngineVerdict(
            engine,
            sample.engine_family or facts.get(engine, {}).get("family", ""),
            sample.engine_version,
            list(sample.engine_disabled),
            validator=validator,
        )
        good = Outcome.VALID if validator else Outcome.PASS
        for feature in ["mvp", *needs]:
            cells = probes[engine].get(feature)
            if not cells:
                verdict.unmeasured.append(feature)
                continue
            outcome = worst([Outcome(r.outcome) for r in cells])
            if outcome != good:
                failing = next(r for r in cells if r.outcome != good)
                verdict.missing[feature] = (outcome, _line(failing.message))
        found.append(verdict)
    return found


def _line(text: str, limit: int = 160) -> str:
    first = " ".join(text.strip().splitlines()[:1])
    return first if len(first) <= limit else first[: limit - 1] + "…"


def check(
    module: Path,
    records: list[CellResult],
    run: dict,
    run_name: str,
    corpus: list[CellResult] | None = None,
    corpus_from: str = "",
) -> CheckResult:
    """`corpus`: load cells of the real-world corpus to find neighbours in (default: the
    run's own, if it has any)."""
    data = module.read_bytes()
    report = scan(data)
    needs = list(report.needs)
    now = verdicts(needs, records, run)
    running = {v.engine for v in now if v.runs}
    widen = []
    for feature in needs:
        dropped = {feature} | set(dependents(feature))
        rest = [f for f in needs if f not in dropped]
        gained = [v.engine for v in verdicts(rest, records, run) if v.runs]
        won = [engine for engine in gained if engine not in running]
        if won:
            widen.append((feature, remedies(feature), won))
    if corpus is None or not any(r.kind == "load" for r in corpus):
        corpus, corpus_from = records, run_name
    near = closest(needs, corpus)
    return CheckResult(module, len(data), report, run_name, now, widen, near, corpus_from)


def render(result: CheckResult) -> str:
    report = result.report
    lines = [f"{result.module}: {result.size} bytes"]
    if report.needs:
        lines.append("uses, beyond WebAssembly 1.0:")
        for name in report.needs:
            finding = report.features[name]
            lines.append(
                f"  {name}: {finding.evidence} ({finding.count}×, first at offset "
                f"{finding.first_offset})"
            )
    else:
        lines.append("uses nothing beyond WebAssembly 1.0 (MVP)")
    if report.target_features:
        declared = " ".join(f"{sign}{name}" for name, sign in report.target_features.items())
        lines.append(f"declares (target_features section): {declared}")
    executing = [v for v in result.verdicts if not v.validator]
    runs = [v for v in executing if v.runs]
    lines += ["", f"measured in {result.measured_in or 'run ' + result.run_name}:"]
    lines.append(f"runs on {len(runs)} of {len(executing)} engine builds:")
    lines += _by_family(runs)
    validators = [v for v in result.verdicts if v.validator]
    if validators:
        validates = [v for v in validators if v.validates]
        lines.append(
            f"validates on {len(validates)} of {len(validators)} validator-only builds "
            "(they run nothing):"
        )
        lines += _by_family(validates)
    refused = [v for v in result.verdicts if v.missing]
    if refused:
        lines.append(f"will not run (or validate) on {len(refused)}:")
        for verdict in refused:
            why = "; ".join(
                f"{feature} probe {outcome}: {message}"
                for feature, (outcome, message) in verdict.missing.items()
            )
            lines.append(f"  {verdict.engine} ({verdict.version}): {why}")
    unknown = [v for v in result.verdicts if v.unmeasured and not v.missing]
    if unknown:
        lines.append(f"not measured on {len(unknown)}:")
        for verdict in unknown:
            lines.append(f"  {verdict.engine}: no probe result for {', '.join(verdict.unmeasured)}")
    if result.widen:
        lines += ["", "to widen that:"]
        for feature, ways, won in result.widen:
            lines.append(f"  without {feature}: also {len(won)} more: {', '.join(won)}")
            lines += [f"    - {way}" for way in ways]
    if result.neighbours:
        lines += [
            "",
            f"closest shipped modules (cases/realworld, measured in {result.neighbours_from}):",
        ]
        for near in result.neighbours:
            uses = ", ".join(near.uses) or "nothing beyond mvp"
            kin = "the same features" if near.same else f"shares {', '.join(near.shared) or 'none'}"
            lines.append(f"  {near.case} ({near.package}; uses {uses}; {kin}):")
            lines.append(
                f"    loads on {len(near.passed)} of {len(near.measured)} engine builds"
                + (f"; refused by {', '.join(near.refused)}" if near.refused else "")
            )
    return "\n".join(lines)


def _by_family(verdicts: list[EngineVerdict]) -> list[str]:
    by_family: dict[str, list[EngineVerdict]] = defaultdict(list)
    for verdict in verdicts:
        by_family[verdict.family].append(verdict)
    lines = []
    for family, group in sorted(by_family.items()):
        group.sort(key=lambda v: (version_key(v.version), v.engine))
        lines.append(f"  {family}: " + ", ".join(v.engine for v in group))
    return lines


def as_json(result: CheckResult) -> dict:
    return {
        "module": str(result.module),
        "size": result.size,
        "uses": {
            name: {"count": f.count, "first_offset": f.first_offset, "evidence": f.evidence}
            for name, f in result.report.features.items()
        },
        "target_features": result.report.target_features,
        "run": result.run_name,
        "source": result.source,
        "measured_in": result.measured_in or f"run {result.run_name}",
        "engines": [
            {
                "engine": v.engine,
                "family": v.family,
                "version": v.version,
                "runs": v.runs,
                "validator_only": v.validator,
                "validates": v.validates,
                "missing": {
                    f: {"outcome": str(o), "message": m} for f, (o, m) in v.missing.items()
                },
                "unmeasured": v.unmeasured,
            }
            for v in result.verdicts
        ],
        "widen": [
            {"without": feature, "remedies": ways, "engines": won}
            for feature, ways, won in result.widen
        ],
        "neighbours": [
            {
                "case": near.case,
                "package": near.package,
                "uses": near.uses,
                "same_features": near.same,
                "loads_on": near.passed,
                "measured_on": near.measured,
                "refused_by": near.refused,
            }
            for near in result.neighbours
        ],
        "neighbours_from": result.neighbours_from,
    }
