"""Spec-suite scripts as pytest items: each `.wast` file under `--suite` is a collector and
each engine build an item named after it (`address.wast::wasmtime-50.0.1`)."""

from __future__ import annotations

import json

import pytest

from ..outcomes import AS_EXPECTED, Outcome
from ..pytest_state import RECORD_PROPERTY, STATE
from .run import SpecCell, SpecCellResult

SHOWN_FAILURES = 20  # failing assertions shown in pytest's own report (all are in the results)


class SpecFile(pytest.File):
    def collect(self):
        selection = self.config.stash[STATE].selection
        path = self.path.resolve()
        root = next(root for root in selection.suite_roots if path.is_relative_to(root))
        root = root.parent if root.is_file() else root  # a single script given
        for build in selection.engines:
            cell = SpecCell(self.path, root, build)
            item = SpecItem.from_parent(self, name=cell.name, cell=cell)
            item.add_marker(build.family.name)
            item.add_marker("spec")
            yield item


class SpecNotPassed(Exception):
    def __init__(self, result: SpecCellResult):
        super().__init__(result.message)
        self.result = result


class SpecItem(pytest.Item):
    def __init__(self, *, cell: SpecCell, **kwargs):
        super().__init__(**kwargs)
        self.cell = cell

    def runtest(self) -> None:
        result = self.config.stash[STATE].spec_runner.run(self.cell)
        self.user_properties.append((RECORD_PROPERTY, json.dumps(result.to_record())))
        if result.outcome == Outcome.SKIP:
            pytest.skip(result.message)
        if result.outcome not in AS_EXPECTED:  # a validator's `valid` is what it can say
            raise SpecNotPassed(result)

    def repr_failure(self, excinfo, style=None):
        if not isinstance(excinfo.value, SpecNotPassed):
            return super().repr_failure(excinfo, style)
        result = excinfo.value.result
        lines = [
            f"{result.case} on {result.engine} ({result.engine_version}): {result.outcome}",
            *("    " + line for line in result.message.splitlines()),
        ]
        for failure in result.failures[:SHOWN_FAILURES]:
            lines.append(
                f"  line {failure['line']} {failure['command']}: expected {failure['expected']},"
                f" got {failure['actual']}"
                + (f" ({failure['message'].splitlines()[0]})" if failure["message"] else "")
            )
        if len(result.failures) > SHOWN_FAILURES:
            lines.append(f"  … {len(result.failures) - SHOWN_FAILURES} more in results.jsonl")
        lines.append(f"rerun:   {result.rerun}")
        return "\n".join(lines)

    def reportinfo(self):
        return self.path, None, f"{self.cell.case}[{self.name}]"
