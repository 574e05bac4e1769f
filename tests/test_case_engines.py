"""A case's own `engines:` (where the engine is not the variable, as in the ABI cases) and
the `FAMILY@newest` engine pattern: what a default run plans, and how a run gets them all."""

from __future__ import annotations

import pytest

from matrix.cases import CaseError, load_case
from matrix.engines import EngineBuild, load_engine_builds, select
from matrix.planner import plan

from .helpers import REPO

CALLS = "calls:\n  - {invoke: one, expect: [i32:1]}\n"
WAT = 'module:\n  wat: (module (func (export "one") (result i32) i32.const 1))\n'


def test_newest_compares_versions_as_numbers_and_skips_partial_builds():
    family = next(b.family for b in load_engine_builds() if b.family.name == "wasmtime")
    given = [
        EngineBuild(family, "9.0.0"),
        EngineBuild(family, "10.0.0"),  # newer, although "10" < "9" as text
        EngineBuild(family, "11.0.0", disabled=("reference-types",)),  # not a full build
        EngineBuild(family, "0.40.0"),
    ]
    assert [b.id for b in select(given, ["wasmtime@newest"])] == ["wasmtime-10.0.0"]
    assert select(given, ["node@newest"]) == []  # no build of that family among those given


def test_newest_among_the_shipped_manifests_is_one_full_build_per_family():
    every = load_engine_builds()
    for family in ("wasmtime", "node", "bun"):
        (chosen,) = select(every, [f"{family}@newest"])
        assert chosen.family.name == family and not chosen.disabled and not chosen.label
        # Numbered versions only: node's "system" build has no number to compare.
        numbers = [
            tuple(int(p) for p in b.version.split("."))
            for b in every
            if b.family.name == family and b.version.replace(".", "").isdigit()
        ]
        assert tuple(int(p) for p in chosen.version.split(".")) == max(numbers)


def test_a_case_engines_pattern_must_name_a_build(tmp_path):
    path = tmp_path / "one.yaml"
    path.write_text(WAT + "engines:\n  - wasmtime@newest\n  - wasmtme@newest\n" + CALLS)
    with pytest.raises(CaseError) as caught:
        load_case(path)
    assert (caught.value.line, caught.value.field) == (5, "engines[1]")
    assert "names no engine build" in str(caught.value)


def test_a_case_runs_on_its_engines_unless_the_run_names_engines():
    case = load_case(REPO / "cases" / "abi" / "abi-scalars.yaml")
    every = load_engine_builds()
    narrowed = {cell.engine.id for cell in plan([case], every)}
    assert narrowed == {b.id for b in select(every, ["wasmtime@newest", "node@newest"])}
    assert len(narrowed) == 2
    named = {cell.engine.id for cell in plan([case], every, engines_named=True)}
    assert named == {b.id for b in every}


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ([], {"wasmtime@newest"}),  # the case's own choice
        (["--matrix-engines", "wasmtime-4*"], {"wasmtime-4*"}),  # the run's choice wins
    ],
)
def test_the_plugin_plans_a_case_engines_unless_the_run_names_them(pytester, arguments, expected):
    (pytester.path / "one.yaml").write_text(WAT + "engines: [wasmtime@newest]\n" + CALLS)
    outcome = pytester.runpytest_subprocess(
        "one.yaml",
        "--wasm-matrix",
        "--matrix-no-provision",
        *arguments,
        "-p",
        "no:cacheprovider",
        "--collect-only",
        "-q",
    )
    assert outcome.ret == 0, outcome.stdout.str()
    collected = {line.rsplit("/", 1)[1] for line in outcome.stdout.lines if "::" in line}
    assert collected == {b.id for b in select(load_engine_builds(), sorted(expected))}
