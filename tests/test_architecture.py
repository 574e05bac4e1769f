"""The package's shape (docs/architecture.md): no import circles, deferred imports
included; data flows one way, so lower layers never import higher ones; small modules."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "matrix"
MAX_LINES = 400
# The scanner is one decoder for the whole binary format: split, it would be harder to read.
LONGER_ALLOWED = {"matrix.scanner"}

# Layers of the flow YAML → plan → build → run → results → reports, and who may use whom.
# Entry points (CLI, pytest plugin, nox and tox helpers) sit on top and are imported by none.
ENTRY_POINTS = {"matrix.cli", "matrix.plugin", "matrix.nox", "matrix.tox_plugin"}
# What renders results must not reach back into what produces them.
RUNNING = {
    "matrix.build",
    "matrix.hosts",
    "matrix.items",
    "matrix.lifecycle",
    "matrix.provision",
    "matrix.pytest_state",
    "matrix.run_display",
    "matrix.runner",
    "matrix.scheduling",
    "matrix.selection",
    "matrix.sharding",
    "matrix.since",
    "matrix.since_command",
    "matrix.spec.items",
    "matrix.spec.run",
    "matrix.visits",
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {module_name(path): path for path in PACKAGE.rglob("*.py")}


def imported(module: str, node: ast.Import | ast.ImportFrom) -> set[str]:
    """The package's modules an import statement depends on. A package's __init__ that
    imports its own submodules is not a circle with them: they depend on their siblings,
    not on the package, unless they import a name from the package itself."""
    if isinstance(node, ast.Import):
        targets = {alias.name for alias in node.names}
    else:
        if node.level:
            base = module.split(".")
            if MODULES[module].name != "__init__.py":
                base.pop()
            base = base[: len(base) - node.level + 1]
            target = ".".join([*base, *([node.module] if node.module else [])])
        else:
            target = node.module or ""
        # `from package import name` loads the submodule `name` when there is one.
        targets = {
            f"{target}.{alias.name}" if f"{target}.{alias.name}" in MODULES else target
            for alias in node.names
        }
    return {name for name in targets if name in MODULES and name != module}


def import_graph() -> dict[str, set[str]]:
    """Every module's imports, those inside functions (deferred) included."""
    graph = {}
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text("utf-8"), str(path))
        graph[module] = set().union(
            *(
                imported(module, node)
                for node in ast.walk(tree)
                if isinstance(node, ast.Import | ast.ImportFrom)
            )
        )
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_walk_sees_deferred_and_relative_imports():
    source = "def later():\n    from .spec import run\n    from ..hosts import Host\n"
    first, second = (n for n in ast.walk(ast.parse(source)) if isinstance(n, ast.ImportFrom))
    assert imported("matrix.cli", first) == {"matrix.spec.run"}
    assert imported("matrix.spec.items", second) == {"matrix.hosts"}


def test_circles_are_found():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert circles({"a": {"b"}, "b": set()}) == []


def test_no_import_circles():
    assert circles(import_graph()) == []


def test_entry_points_are_imported_by_no_module():
    graph = import_graph()
    offenders = {
        module: sorted(graph[module] & ENTRY_POINTS)
        for module in graph
        if graph[module] & ENTRY_POINTS and module not in ENTRY_POINTS
    }
    assert offenders == {}


@pytest.mark.parametrize("layer", ["matrix.analysis", "matrix.reporting"])
def test_reports_and_analysis_read_results_not_the_running_matrix(layer):
    graph = import_graph()
    offenders = {
        module: sorted(graph[module] & RUNNING)
        for module in graph
        if module.startswith(layer) and graph[module] & RUNNING
    }
    assert offenders == {}


def test_analysis_does_not_import_reporting():
    graph = import_graph()
    offenders = {
        module: sorted(target for target in graph[module] if target.startswith("matrix.reporting"))
        for module in graph
        if module.startswith("matrix.analysis")
    }
    assert {module: targets for module, targets in offenders.items() if targets} == {}


def test_modules_are_small():
    long = {
        module: lines
        for module, path in MODULES.items()
        if (lines := len(path.read_text("utf-8").splitlines())) > MAX_LINES
        and module not in LONGER_ALLOWED
    }
    assert long == {}
