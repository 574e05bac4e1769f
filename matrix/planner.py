"""The plan: cases × toolchains × profiles × engines → cells, in a stable order."""

from __future__ import annotations

import hashlib
import heapq
import json
from dataclasses import dataclass
from fnmatch import fnmatchcase

from .cases import Case
from .engines import DEFAULT_COST_MS, EngineBuild, family_facts, select
from .records import CellKey
from .toolchains import toolchains_for


@dataclass(frozen=True)
class Cell:
    case: Case
    toolchain: str
    profile: str
    engine: EngineBuild

    @property
    def name(self) -> str:
        """The cell's test id within its case: `toolchain/profile/engine`, after the built
        file's name for one file of a `module:` glob (`lib.wasm/prebuilt/default/node-22`)."""
        name = f"{self.toolchain}/{self.profile}/{self.engine.id}"
        return f"{self.case.variant}/{name}" if self.case.variant else name

    @property
    def key(self) -> tuple[str, str, str, str]:
        return (self.case.name, self.toolchain, self.profile, self.engine.id)


def plan(
    cases: list[Case],
    engines: list[EngineBuild],
    toolchains: list[str] | None = None,
    profiles: list[str] | None = None,
    *,
    engines_named: bool = False,
    pool: list[EngineBuild] | None = None,
) -> list[Cell]:
    """Every cell to run. `toolchains` and `profiles` narrow the selection when given; a
    case's own `engines:` narrows `engines` unless the run named them (`engines_named`),
    chosen from `pool` (default: `engines`; wider when the run is one build's slice, so
    that `FAMILY@newest` means the same build as in the whole run)."""
    cells = []
    for case in (variant for given in cases for variant in given.variants()):
        builds = engines
        if case.engines and not engines_named:
            chosen = {build.id for build in select(pool or engines, case.engines)}
            builds = [build for build in engines if build.id in chosen]
        for toolchain in (name for s in case.sources for name in toolchains_for(s)):
            if toolchains and toolchain not in toolchains:
                continue
            if case.toolchains and not any(fnmatchcase(toolchain, p) for p in case.toolchains):
                continue
            for profile in case.profiles:
                if profiles and profile not in profiles:
                    continue
                cells.extend(Cell(case, toolchain, profile, engine) for engine in builds)
    return cells


# --- sharding: one plan split over N machines, deterministically and by expected cost ---


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count` (1-based, as people say "shard 2 of 3")."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        index, slash, count = text.partition("/")
        if not slash or not index.strip().isdigit() or not count.strip().isdigit():
            raise ValueError(f"--shard {text!r}: expected K/N, e.g. 2/3")
        shard = cls(int(index), int(count))
        if not 1 <= shard.index <= shard.count:
            raise ValueError(f"--shard {text!r}: K must be between 1 and N")
        return shard

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def key_text(key: CellKey) -> str:
    return json.dumps(list(key), ensure_ascii=False)


def plan_fingerprint(keys: list[CellKey]) -> str:
    """Names the whole (unsharded) plan: equal for every shard of one plan, whatever its order."""
    digest = hashlib.sha256()
    for key in sorted(set(keys)):
        digest.update(key_text(key).encode("utf-8") + b"\n")
    return digest.hexdigest()[:16]


BUILD_COST_MS = {"wat": 5.0, "binary": 1.0}  # anything else is a compiler
DEFAULT_BUILD_COST_MS = 400.0


def modelled_cost(engine_family: str) -> float:
    """The expected cost of a cell when no earlier run measured it: its family's typical
    milliseconds per cell (`cost_ms` in the family's manifest; only the ratios matter)."""
    family = family_facts(engine_family)
    return family.cost_ms if family is not None else DEFAULT_COST_MS


def assign_shards(
    cells: list[tuple[CellKey, str]],
    count: int,
    durations: dict[CellKey, float] | None = None,
) -> dict[CellKey, int]:
    """Each cell's shard (1-based). `cells` pairs each key with its engine family;
    `durations` are an earlier run's `duration_ms` per cell, used where present.

    Cells that share one build (case, toolchain, profile) stay together, so each module is
    compiled on one machine only. Units are dealt largest first to the least loaded shard
    (ties to the lowest index): the same plan and durations give the same split everywhere.
    """
    durations = durations or {}
    units: dict[tuple[str, str, str], list[CellKey]] = {}
    cost: dict[tuple[str, str, str], float] = {}
    for key, family in cells:
        unit = key[:3]
        if unit not in units:
            units[unit] = []
            cost[unit] = BUILD_COST_MS.get(key[1], DEFAULT_BUILD_COST_MS)
        units[unit].append(key)
        cost[unit] += durations.get(key, modelled_cost(family))
    loads = [(0.0, index) for index in range(1, count + 1)]
    heapq.heapify(loads)
    assignment: dict[CellKey, int] = {}
    for unit in sorted(units, key=lambda u: (-round(cost[u], 3), u)):
        load, index = heapq.heappop(loads)
        for key in units[unit]:
            assignment[key] = index
        heapq.heappush(loads, (load + cost[unit], index))
    return assignment


def assignment_fingerprint(assignment: dict[CellKey, int]) -> str:
    """Names the split: shards of one run must agree on it, or cells would be lost or doubled."""
    digest = hashlib.sha256()
    for key in sorted(assignment):
        digest.update(f"{key_text(key)} {assignment[key]}\n".encode())
    return digest.hexdigest()[:16]
