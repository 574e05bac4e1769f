"""Cases on a project's own build output (`module: ../build/*.wasm`) and `requires`."""

from __future__ import annotations

import textwrap

import pytest
import wasmtime

from matrix.cases import CaseError, load_case
from matrix.engines import load_engine_builds
from matrix.planner import plan
from matrix.settings import SettingsError, load_settings

from .helpers import NEWEST

ONE = wasmtime.wat2wasm('(module (func (export "one") (result i32) i32.const 1))')
TWO = wasmtime.wat2wasm('(module (func (export "one") (result i32) i32.const 2))')
CALLS = "calls:\n  - {invoke: one, expect: [i32:1]}\n"


@pytest.fixture
def project(tmp_path):
    """A project folder with build/one.wasm, build/two.wasm and a cases/ folder."""
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "one.wasm").write_bytes(ONE)
    (tmp_path / "build" / "two.wasm").write_bytes(TWO)
    (tmp_path / "cases").mkdir()
    return tmp_path


def case_file(project, text, name="lib.yaml"):
    path = project / "cases" / name
    path.write_text(textwrap.dedent(text).lstrip(), "utf-8")
    return path


def newest():
    return [build for build in load_engine_builds() if build.id == NEWEST]


def test_a_glob_gives_one_case_per_built_file_with_its_own_cells(project):
    case = load_case(case_file(project, "module: ../build/*.wasm\n" + CALLS), project)
    variants = case.variants()
    assert [v.name for v in variants] == ["lib[one.wasm]", "lib[two.wasm]"]
    assert [v.module.content for v in variants] == [ONE, TWO]
    assert {v.module.format for v in variants} == {"prebuilt"}
    cells = plan([case], newest())
    assert [cell.name for cell in cells] == [
        f"one.wasm/prebuilt/default/{NEWEST}",
        f"two.wasm/prebuilt/default/{NEWEST}",
    ]
    assert len({cell.key for cell in cells}) == 2  # results keep them apart


def test_a_plain_path_is_one_case_named_as_usual(project):
    case = load_case(case_file(project, "module: ../build/two.wasm\n" + CALLS), project)
    assert case.variants() == [case]
    assert case.name == "lib" and case.module.content == TWO
    assert [cell.name for cell in plan([case], newest())] == [f"prebuilt/default/{NEWEST}"]


def test_a_path_is_also_looked_up_from_the_project_root(project):
    case = load_case(case_file(project, "module: build/one.wasm\n" + CALLS), project)
    assert case.module.content == ONE
    with pytest.raises(CaseError):  # without a root there is only the case's folder
        load_case(project / "cases" / "lib.yaml")


def test_a_glob_that_matches_nothing_names_file_line_field_and_where_it_looked(project):
    path = case_file(project, "description: x\nmodule: ../out/*.wasm\n" + CALLS)
    with pytest.raises(CaseError) as caught:
        load_case(path, project)
    error = caught.value
    assert (error.path, error.line, error.field) == (path, 2, "module")
    assert "'../out/*.wasm' matches no built module" in error.message
    assert f"looked in {project / 'cases'} and {project}" in error.message
    assert "build step" in error.message


def test_a_module_path_must_name_wasm_files(project):
    path = case_file(project, "module: ../build/*.o\n" + CALLS)
    with pytest.raises(CaseError) as caught:
        load_case(path, project)
    assert caught.value.line == 1 and caught.value.field == "module"
    assert "built .wasm files" in caught.value.message  # the schema's x-message


def test_requires_must_name_engine_builds(project):
    path = case_file(
        project,
        "module: ../build/one.wasm\nrequires:\n  - wasmtime\n  - wasmtme-50*\n" + CALLS,
    )
    with pytest.raises(CaseError) as caught:
        load_case(path, project)
    assert (caught.value.line, caught.value.field) == (4, "requires[1]")
    assert "'wasmtme-50*' names no engine build" in caught.value.message


def test_requires_accepts_ids_globs_and_families(project):
    path = case_file(
        project,
        f"module: ../build/one.wasm\nrequires: [{NEWEST}, 'node-2*', wasm3]\n" + CALLS,
    )
    assert load_case(path, project).requires == (NEWEST, "node-2*", "wasm3")


def test_settings_read_requires_and_reports(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.wasm-matrix]\nrequires = ["wasmtime"]\nreports = "build/matrix"\n'
    )
    settings = load_settings(tmp_path)
    assert settings.requires == ("wasmtime",) and settings.reports == "build/matrix"
    (tmp_path / "pyproject.toml").write_text("[tool.wasm-matrix]\nreports = 3\n")
    with pytest.raises(SettingsError, match="reports must be a folder name"):
        load_settings(tmp_path)
