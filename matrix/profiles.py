"""The feature vocabulary and the profiles built from it, in one place.

A *feature* is one WebAssembly proposal as the matrix names it; `webassembly_org` lists the
ids of the same feature in webassembly.org's feature table (features.json), so measured
tables line up with the published one. A *profile* is a named target-feature set that a
toolchain is asked to build with; `default` means whatever the toolchain enables by itself.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Feature:
    name: str
    title: str
    webassembly_org: tuple[str, ...]  # ids in webassembly.org's features.json
    llvm: str | None  # the LLVM/clang target-feature name (`-m<llvm>`), if there is one
    requires: tuple[str, ...] = ()  # features this one builds on
    js_api: bool = False  # a feature of the JavaScript API: only JS hosts can exercise it


FEATURES: tuple[Feature, ...] = (
    Feature("mvp", "WebAssembly 1.0 (MVP)", (), None),
    Feature(
        "mutable-globals",
        "Import/export of mutable globals",
        ("mutableGlobals",),
        "mutable-globals",
    ),
    Feature("sign-ext", "Sign-extension operators", ("signExtensions",), "sign-ext"),
    Feature(
        "nontrapping-fptoint",
        "Non-trapping float-to-int conversions",
        ("saturatedFloatToInt",),
        "nontrapping-fptoint",
    ),
    Feature("multivalue", "Multi-value", ("multiValue",), "multivalue"),
    Feature("bulk-memory", "Bulk memory operations", ("bulkMemory",), "bulk-memory"),
    Feature("reference-types", "Reference types", ("referenceTypes",), "reference-types"),
    # LLVM 19 emits every call_indirect table index as a 5-byte LEB once reference-types is
    # on; LLVM 22 made it a feature of its own. Decoding it needs reference-types.
    Feature(
        "call-indirect-overlong",
        "Overlong call_indirect table index (LLVM ≥ 19)",
        ("referenceTypes",),
        "call-indirect-overlong",
        ("reference-types",),
    ),
    Feature("simd128", "Fixed-width SIMD", ("simd",), "simd128"),
    Feature("tail-call", "Tail calls", ("tailCall",), "tail-call"),
    Feature(
        "extended-const", "Extended constant expressions", ("extendedConst",), "extended-const"
    ),
    Feature(
        "exceptions",
        "Exception handling with exnref",
        ("exceptionsFinal",),
        "exception-handling",
        ("reference-types",),
    ),
    Feature("gc", "Garbage collection", ("gc",), "gc", ("reference-types",)),
    Feature("memory64", "Memory64", ("memory64",), None),
    Feature("threads", "Threads and atomics", ("threads",), "atomics"),
    Feature("multi-memory", "Multiple memories", ("multiMemory",), "multi-memory"),
    Feature("relaxed-simd", "Relaxed SIMD", ("relaxedSimd",), "relaxed-simd", ("simd128",)),
    # From here on: features of webassembly.org's table that no profile builds (no
    # toolchain here targets them); the probes in cases/probes/ exercise them directly.
    Feature("exceptions-legacy", "Legacy exception handling (try/catch)", ("exceptions",), None),
    Feature(
        "function-references",
        "Typed function references",
        ("typedFunctionReferences",),
        None,
        ("reference-types",),
    ),
    Feature("custom-page-sizes", "Custom page sizes", ("customPageSizes",), None),
    Feature("wide-arithmetic", "Wide arithmetic", ("wideArithmetic",), None, ("multivalue",)),
    Feature(
        "stack-switching",
        "Stack switching",
        ("stackSwitching",),
        None,
        ("reference-types", "function-references", "exceptions"),
    ),
    Feature("half-precision", "Half precision", ("halfPrecision",), None, ("simd128",)),
    Feature("extended-name-section", "Extended name section", ("extendedNameSection",), None),
    Feature("branch-hinting", "Branch hinting", ("branchHinting",), None),
    Feature("compact-import-section", "Compact import section", ("compactImportSection",), None),
    Feature(
        "shared-everything-threads",
        "Shared-everything threads",
        ("sharedEverythingThreads",),
        None,
        ("threads",),
    ),
    Feature(
        "acquire-release-atomics",
        "Acquire-release atomics",
        ("acquireReleaseAtomics",),
        None,
        ("threads",),
    ),
    # JS-API features: only a JavaScript host can exercise them (a probe's `js:` part).
    Feature("js-bigint", "JS BigInt to Wasm i64 integration", ("bigInt",), None, js_api=True),
    Feature("type-reflection", "Type reflection (JS API)", ("typeReflection",), None, js_api=True),
    Feature("js-string-builtins", "JS string builtins", ("jsStringBuiltins",), None, js_api=True),
    Feature(
        "js-primitive-builtins",
        "JS primitive builtins",
        ("jsPrimitiveBuiltins",),
        None,
        js_api=True,
    ),
    Feature("jspi", "JS promise integration", ("jspi",), None, js_api=True),
    Feature("esm-integration", "ESM integration", ("esmIntegration",), None, js_api=True),
)

FEATURES_BY_NAME: dict[str, Feature] = {feature.name: feature for feature in FEATURES}

DEFAULT_PROFILE = "default"
# The default build passed through wasm-opt's lowering passes, back towards MVP.
LOWERED_PROFILE = "lowered"


@dataclass(frozen=True)
class Profile:
    """A target-feature set; `features` is None for `default` (the toolchain decides)."""

    name: str
    features: frozenset[str] | None


def _profile_for(feature: Feature) -> Profile:
    # A feature's profile is MVP plus that feature and whatever it builds on.
    enabled = {feature.name, *feature.requires} - {"mvp"}
    return Profile(feature.name, frozenset(enabled))


PROFILES: dict[str, Profile] = {
    DEFAULT_PROFILE: Profile(DEFAULT_PROFILE, None),
    LOWERED_PROFILE: Profile(LOWERED_PROFILE, None),
    **{feature.name: _profile_for(feature) for feature in FEATURES},
}

PROFILE_NAMES: tuple[str, ...] = tuple(PROFILES)


def feature_names() -> tuple[str, ...]:
    return tuple(feature.name for feature in FEATURES)


def closure(names: set[str] | frozenset[str]) -> frozenset[str]:
    """The features named plus every feature they build on."""
    result = set(names)
    pending = list(names)
    while pending:
        for required in FEATURES_BY_NAME[pending.pop()].requires:
            if required not in result:
                result.add(required)
                pending.append(required)
    return frozenset(result)


def dependents(name: str) -> frozenset[str]:
    """Every feature that builds on `name` (switching `name` off switches these off too)."""
    return frozenset(f.name for f in FEATURES if name in closure({f.name}) and f.name != name)
