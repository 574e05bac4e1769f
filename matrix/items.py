"""Case files as pytest collectors and their cells as items, as in pytest's example of
non-Python tests: each YAML case file is a `CaseFile`, each (toolchain, profile, engine)
of it a `CellItem` named `toolchain/profile/engine`; a file that cannot be loaded is one
`BrokenCaseItem` that fails with the loader's message. Spec-suite scripts are the same
shape in spec/items.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from .cases import CASE_SUFFIXES, LOAD, CaseError
from .engines import select
from .outcomes import AS_EXPECTED, Outcome
from .paths import display_path
from .planner import Cell, plan
from .pytest_state import RECORD_PROPERTY, STATE, MatrixState
from .records import CellResult

HOSTILE = "hostile"  # the hostile corpus's folder name (cases/hostile/, docs/reliability.md)
# A case's kind is a marker of its cells (`-m load`).
KIND_MARKERS = {
    "probe": "feature probe cells",
    "program": "program cells",
    LOAD: "cells that load a shipped module against generated imports (cases/realworld)",
}


def wanted(file_path: Path, config: pytest.Config, state: MatrixState) -> bool:
    """Whether a file is a case of this run: a case file under the case folders (any,
    when none are set), and of the hostile corpus only when that is asked for."""
    if file_path.suffix not in CASE_SUFFIXES:
        return False
    roots = state.selection.case_roots
    if roots and not any(file_path.is_relative_to(root) for root in roots):
        return False
    return not _hostile(file_path) or _hostile_asked(config, state, file_path)


def _hostile(path: Path) -> bool:
    return HOSTILE in path.parent.parts


def _hostile_asked(config: pytest.Config, state: MatrixState, file_path: Path) -> bool:
    """Hostile cases run when asked: --matrix-hostile, or their folder or file named."""
    if state.selection.hostile:
        return True
    invoked_from = config.invocation_params.dir
    for argument in config.args:
        named = (invoked_from / argument.split("::")[0]).resolve()
        if file_path.resolve().is_relative_to(named) and _hostile(named / "x"):
            return True
    return False


class CaseFile(pytest.File):
    def collect(self):
        state: MatrixState = self.config.stash[STATE]
        selection = state.selection
        try:
            case = state.case(self.path)  # loaded already if the scheduler planned it
        except CaseError as error:
            yield BrokenCaseItem.from_parent(self, name="case", error=error)
            return
        other = state.names.setdefault(case.name, self.path)
        if other != self.path:
            error = CaseError(
                self.path, None, "name", f"the name {case.name!r} is already used by {other}"
            )
            yield BrokenCaseItem.from_parent(self, name="case", error=error)
            return
        for tag in case.tags:  # registered, so that --strict-markers accepts them
            self.config.addinivalue_line("markers", f"{tag}: cases tagged {tag}")
        tags = case.tags
        cells = plan(
            [case],
            selection.engines,
            selection.toolchains,
            selection.profiles,
            engines_named=selection.engines_named,
            pool=selection.engine_pool,
        )
        for cell in cells:
            item = CellItem.from_parent(self, name=cell.name, cell=cell)
            item.requires = list(case.requires or selection.requires)
            for name in (cell.engine.family.name, cell.case.kind, *cell.case.features, *tags):
                item.add_marker(_mark(name))
            yield item


_MARKS: dict[str, pytest.MarkDecorator] = {}


def _mark(name: str) -> pytest.MarkDecorator:
    """pytest.mark.<name>, made once: pytest's lookup checks the name against the
    registered markers every time (a third of collecting 18,000 cells)."""
    mark = _MARKS.get(name)
    if mark is None:
        mark = _MARKS[name] = getattr(pytest.mark, name)
    return mark


class CellNotPassed(Exception):
    def __init__(self, result: CellResult):
        super().__init__(result.message)
        self.result = result


class CellItem(pytest.Item):
    def __init__(self, *, cell: Cell, **kwargs):
        super().__init__(**kwargs)
        self.cell = cell
        self.requires: list[str] = []  # empty: every engine is required

    @property
    def required(self) -> bool:
        """Whether this cell's engine is one the project promises: its non-pass fails."""
        return not self.requires or bool(select([self.cell.engine], self.requires))

    def runtest(self) -> None:
        state: MatrixState = self.config.stash[STATE]
        result = state.runner.run(self.cell)
        result.required = self.required
        self.user_properties.append((RECORD_PROPERTY, json.dumps(result.to_record())))
        if result.outcome == Outcome.SKIP:
            pytest.skip(result.message)
        if result.outcome not in (*AS_EXPECTED, Outcome.ERROR) and not result.required:
            # Reported (results, report, pytest's summary) but not a failure of the run;
            # an `error` is the harness's own fault and always fails.
            pytest.xfail(f"{result.outcome} on an engine that is not required: {_brief(result)}")
        if result.outcome not in AS_EXPECTED:  # a validator's `valid` is what it can say
            raise CellNotPassed(result)

    def repr_failure(self, excinfo, style=None):
        if not isinstance(excinfo.value, CellNotPassed):
            return super().repr_failure(excinfo, style)
        result = excinfo.value.result
        lines = [
            f"{result.case} on {result.engine} ({result.engine_version}), "
            f"built by {result.toolchain}/{result.profile}: {result.outcome}",
            *("    " + line for line in result.message.splitlines()),
        ]
        if self.requires:
            source = "the case" if self.cell.case.requires else "the project"
            lines.append(
                f"required: {result.engine} is an engine {source} requires "
                f"({', '.join(self.requires)}), so this fails the run"
            )
        lines.append(f"case:    {result.case_file}")
        if result.module_sha256:
            uses = ", ".join(result.module_uses) or "nothing beyond mvp"
            scanner = f" (scanner: {result.module_scan_error})" if result.module_scan_error else ""
            lines.append(f"module:  uses {uses} (found by the module scanner){scanner}")
        if result.build_command:
            lines.append(f"build:   {result.build_command}")
        lines.append(f"rerun:   {result.rerun}")
        return "\n".join(lines)

    def reportinfo(self):
        return self.path, None, f"{self.cell.case.name}[{self.name}]"


def _brief(result: CellResult, limit: int = 160) -> str:
    """The engine's message on one line: engines put the cause last (`Caused by: …`)."""
    lines = [line.strip() for line in result.message.splitlines() if line.strip()]
    text = lines[0] if len(lines) < 2 else f"{lines[0]} … {lines[-1]}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


class BrokenCaseItem(pytest.Item):
    """Stands for a case file that cannot be loaded: fails with the loader's message."""

    def __init__(self, *, error: CaseError, **kwargs):
        super().__init__(**kwargs)
        self.error = error

    def runtest(self) -> None:
        record = CellResult(
            case=self.path.stem,
            toolchain="-",
            profile="-",
            engine="-",
            outcome=str(Outcome.ERROR),
            message=str(self.error),
            case_file=display_path(self.path),
            finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
        )
        self.user_properties.append((RECORD_PROPERTY, json.dumps(record.to_record())))
        raise self.error

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, CaseError):
            return str(self.error)
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, self.error.line, f"{self.path.name}: bad case"


def cell_toolchain(nodeid: str) -> str | None:
    """The toolchain a case cell's node id names (`case.yaml::[file/]toolchain/profile/
    engine`, as Cell.name spells it; engine ids and profiles hold no `/`); None for any
    other item. pytest-xdist's controller sees only node ids."""
    path, _, name = nodeid.rpartition("::")
    parts = name.split("/")
    if Path(path).suffix not in CASE_SUFFIXES or len(parts) < 3:
        return None
    return parts[-3]


def cell_engine(nodeid: str) -> str:
    """The engine build a cell's node id names: the last part of a case cell's name, a
    spec item's whole name (`address.wast::wasmtime-50.0.1`)."""
    return nodeid.rpartition("::")[2].split("/")[-1]
