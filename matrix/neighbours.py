"""A module's closest neighbours in the real-world corpus: shipped modules that use the same
features, and how the engine builds took them (`wasm-matrix check`)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from .outcomes import VALIDATION, Outcome
from .records import CellResult

SHOWN = 3
# A validator's answer (valid or invalid) says nothing about loading: it instantiates nothing.
NOT_REFUSED = (Outcome.PASS, Outcome.SKIP, *VALIDATION)


@dataclass
class Neighbour:
    case: str
    package: str  # npm:NAME@VERSION
    uses: list[str]
    same: bool  # exactly the same features beyond mvp
    shared: list[str]  # the features both use
    outcomes: dict[str, str] = field(default_factory=dict)  # engine → outcome (default build)

    @property
    def passed(self) -> list[str]:
        return [e for e, o in self.outcomes.items() if o == Outcome.PASS]

    @property
    def refused(self) -> list[str]:
        return [e for e, o in self.outcomes.items() if o not in NOT_REFUSED]

    @property
    def measured(self) -> list[str]:
        """The builds that instantiate modules (validators and skips left out)."""
        return [e for e, o in self.outcomes.items() if o not in (*VALIDATION, Outcome.SKIP)]


def closest(needs: list[str], records: list[CellResult], limit: int = SHOWN) -> list[Neighbour]:
    """The corpus modules (load cells, default build) whose features are closest to `needs`:
    the same set first, then by overlap (Jaccard), then by fewer extra features."""
    modules: dict[str, Neighbour] = {}
    cells: dict[str, dict[str, str]] = defaultdict(dict)
    wanted = set(needs)
    for record in records:
        if record.kind != "load" or record.profile != "default":
            continue
        case = record.case
        if case not in modules and record.module_size:
            uses = list(record.module_uses)
            modules[case] = Neighbour(
                case,
                record.package.get("spec", ""),
                uses,
                set(uses) == wanted,
                [f for f in uses if f in wanted],
            )
        cells[case][record.engine] = record.outcome
    for case, neighbour in modules.items():
        neighbour.outcomes = cells[case]

    def distance(neighbour: Neighbour) -> tuple:
        theirs = set(neighbour.uses)
        union = theirs | wanted
        overlap = len(theirs & wanted) / len(union) if union else 1.0
        return (not neighbour.same, -overlap, len(theirs - wanted), neighbour.case)

    return sorted(modules.values(), key=distance)[:limit]
