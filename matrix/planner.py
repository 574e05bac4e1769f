"""The plan: cases × toolchains × profiles × engines → cells, in a stable order."""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatchcase

from .cases import Case, CaseError
from .engines import EngineBuild
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
) -> list[Cell]:
    """Every cell to run. `toolchains` and `profiles` narrow the selection when given."""
    cells = []
    for case in (variant for given in cases for variant in given.variants()):
        for toolchain in (name for s in case.sources for name in toolchains_for(s.format)):
            if toolchains and toolchain not in toolchains:
                continue
            if case.toolchains and not any(fnmatchcase(toolchain, p) for p in case.toolchains):
                continue
            for profile in case.profiles:
                if profiles and profile not in profiles:
                    continue
                cells.extend(Cell(case, toolchain, profile, engine) for engine in engines)
    return cells


def duplicate_names(cases: list[Case]) -> list[CaseError]:
    """Two case files with one name would make their cells indistinguishable."""
    errors = []
    first: dict[str, Case] = {}
    for case in cases:
        if case.name in first:
            errors.append(
                CaseError(
                    case.path,
                    None,
                    "name",
                    f"the name {case.name!r} is already used by {first[case.name].path}",
                )
            )
        else:
            first[case.name] = case
    return errors
