"""Compare two runs cell by cell: regressions, fixes, other changes, new and vanished cells."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..outcomes import Outcome
from ..records import CellResult

# A cell that passed and now ends in one of these has regressed; `skip` is not measured,
# so pass -> skip is a change of coverage (listed), not a regression.
BROKEN = frozenset(Outcome) - {Outcome.PASS, Outcome.VALID, Outcome.SKIP}


@dataclass
class Change:
    key: tuple[str, str, str, str]
    before: str | None
    after: str | None
    record: CellResult  # the newer record (the older one when the cell vanished)


@dataclass
class RunDiff:
    regressions: list[Change] = field(default_factory=list)
    fixes: list[Change] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)  # any other change of outcome
    new: list[Change] = field(default_factory=list)
    vanished: list[Change] = field(default_factory=list)
    unchanged: int = 0


def diff_runs(base: list[CellResult], new: list[CellResult]) -> RunDiff:
    before = {r.key: r for r in base}
    after = {r.key: r for r in new}
    result = RunDiff()
    for key in sorted(after):
        record = after[key]
        if key not in before:
            result.new.append(Change(key, None, record.outcome, record))
            continue
        old, now = before[key].outcome, record.outcome
        change = Change(key, old, now, record)
        if old == now:
            result.unchanged += 1
        elif old == Outcome.PASS and now in BROKEN:
            result.regressions.append(change)
        elif now == Outcome.PASS:
            result.fixes.append(change)
        else:
            result.changed.append(change)
    for key in sorted(set(before) - set(after)):
        result.vanished.append(Change(key, before[key].outcome, None, before[key]))
    return result
